// A news spike's rate (issue 20): the dashboard through deploy/nginx.conf's cache against the app alone, both loaded
// by wrk with 50 connections and a browser's headers. It runs on its own after the other test files (package.json's
// test script): beside another file's work on two cores, what each side gets of the machine, not the code, decides
// the ratio (docs/performance.md, "Behind nginx").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appCounts, nginxAvailable, startDeployment, wrkLoad, wrkAvailable, type Deployment, type RunningApp, type RunningNginx, type WrkRun } from './nginx.ts';

const MAX_AGE_S = 2;
/** Rounds of each side, alternated, so that a slow spell of the machine falls on both; the medians are compared. */
const ROUNDS = 3;
const ROUND_S = 4;
const CONNECTIONS = 50;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

describe.skipIf(!nginxAvailable || !wrkAvailable)('a news spike through nginx, loaded by wrk', () => {
  let deployment: Deployment | undefined;
  let app: RunningApp | undefined;
  let nginx: RunningNginx | undefined;

  beforeAll(async () => {
    deployment = await startDeployment({ adminPassword: 'a long admin password for the spike test', maxAgeS: MAX_AGE_S });
    ({ app, nginx } = deployment);
  });

  afterAll(() => deployment?.stop());

  it('serves the dashboard at ten times the rate the app serves alone, all 2xx, the app asked once a max-age', async () => {
    // Both warm before the first round: the app's cache and compiled code (a first round of a cold app ran at half
    // its rate), nginx's copy.
    for (const url of [app!.url, nginx!.url]) {
      expect((await fetch(`${url}/`, { headers: { 'accept-encoding': 'gzip, deflate, br' } })).status).toBe(200);
      wrkLoad(`${url}/`, CONNECTIONS, 1);
    }
    const alone: WrkRun[] = [];
    const cached: WrkRun[] = [];
    let reached = 0;
    let seconds = 0;
    for (let round = 0; round < ROUNDS; round++) {
      alone.push(wrkLoad(`${app!.url}/`, CONNECTIONS, ROUND_S));
      const before = (await appCounts(app!))['/'] ?? 0;
      const started = Date.now();
      cached.push(wrkLoad(`${nginx!.url}/`, CONNECTIONS, ROUND_S));
      seconds += (Date.now() - started) / 1000;
      reached += ((await appCounts(app!))['/'] ?? 0) - before;
    }
    const ratio = median(cached.map((run) => run.rate)) / median(alone.map((run) => run.rate));
    const rates = (runs: WrkRun[]) => runs.map((run) => Math.round(run.rate)).join(', ');
    console.log(
      `dashboard under wrk (${CONNECTIONS} connections, ${ROUNDS} rounds of ${ROUND_S} s each side): app alone ${rates(alone)} req/s, through nginx ${rates(cached)} req/s, ratio of medians ${ratio.toFixed(1)}x; the app saw ${reached} of ${cached.reduce((sum, run) => sum + run.requests, 0)} requests through nginx`,
    );
    for (const run of [...alone, ...cached]) expect(run).toMatchObject({ other: 0, socketErrors: 0 });
    for (const run of cached) expect(run.requests).toBeGreaterThan(0);
    expect(ratio).toBeGreaterThanOrEqual(10);
    // One request a window refreshes nginx's copy (lock, background update); allow a second per window.
    expect(reached).toBeLessThanOrEqual(2 * ROUNDS * Math.ceil(seconds / ROUNDS / MAX_AGE_S));
  }, 120_000);
});
