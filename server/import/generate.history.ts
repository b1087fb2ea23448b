// What happened to generated pledges after their announcement: dated status steps, and the concessions their
// pledgers got. Each is drawn from a random stream of its own (passed in), so that a seed gives the same pledges.
import type { Db } from '../platform/db.ts';
import { insertEvent } from '../events/events.repository.ts';
import { CONCESSION_TYPES, type EventSource } from '../events/event.model.ts';
import { startOf } from '../lib/dates.ts';
import type { Status, StatusStep } from '../pledges/pledge.model.ts';

const DAY_MS = 86_400_000;

// A run dates a million steps within a few thousand days: each day is spelled out once, in both directions.
const days = new Map<string, number>();
const dates = new Map<number, string>();

/** A date's first day, in days since 1970. */
function dayOf(date: string): number {
  let day = days.get(date);
  if (day === undefined) days.set(date, (day = startOf(date) / DAY_MS));
  return day;
}

function dateOf(day: number): string {
  let date = dates.get(day);
  if (date === undefined) dates.set(day, (date = new Date(day * DAY_MS).toISOString().slice(0, 10)));
  return date;
}

/** The last day a generated step may carry: a constant, so that what a seed gives never depends on the clock. */
export const LAST_STEP_ON = '2026-06-30';

/** Steps fall within about two years of the announcement. */
const STEP_WINDOW_DAYS = 730;

/** The share of pledges with a status other than announced that took two steps to reach it. */
const TWO_STEPS = 0.25;

/** The share of announced pledges whose announcement was reaffirmed later (an 'announced' step, as the seed has). */
const REAFFIRMED = 0.03;

/** Where a pledge that took two steps stood before its current status. */
const BEFORE: Record<Exclude<Status, 'announced'>, readonly Status[]> = {
  under_way: ['stalled', 'announced'],
  completed: ['under_way', 'under_way', 'stalled'],
  stalled: ['under_way', 'announced'],
  withdrawn: ['stalled', 'under_way'],
};

/** How many concessions a run adds, dated 2016–2025 as the synthetic events are. */
export const CONCESSION_COUNT = 24;

/** The share of pledges linked to a concession. */
const CONCESSION_SHARE = 0.02;

/** A pledge is linked to a concession dated within this many days of it, when there is one. */
const NEAR_DAYS = 365;

const FIRST_CONCESSION_DAY = dayOf('2016-01-01');
const LAST_CONCESSION_DAY = dayOf('2025-12-31');

export interface Concession {
  id: number;
  /** Its date, in days since 1970. */
  day: number;
}

function pick<T>(rand: () => number, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)]!;
}

/**
 * A pledge's status steps, oldest first, by the seed's rule: a pledge whose status is not announced has one step
 * (or two: an intermediate status first) ending at its status, dated after the announcement (a month-only one
 * counts from its first day), within two years of it and never after LAST_STEP_ON; a few announced pledges get an
 * 'announced' step. Two steps never share a day, so that their order is their dates' order.
 */
export function statusSteps(rand: () => number, pledgeId: number, announcedOn: string, status: Status): StatusStep[] {
  let statuses: Status[];
  if (status === 'announced') {
    if (rand() >= REAFFIRMED) return [];
    statuses = ['announced'];
  } else statuses = rand() < TWO_STEPS ? [pick(rand, BEFORE[status]), status] : [status];
  const first = dayOf(announcedOn);
  const last = Math.min(first + STEP_WINDOW_DAYS, dayOf(LAST_STEP_ON));
  const days: number[] = [];
  if (statuses.length === 1) days.push(first + Math.floor(rand() * (last - first + 1)));
  else {
    const before = first + Math.floor(rand() * (last - first));
    days.push(before, before + 1 + Math.floor(rand() * (last - before)));
  }
  return statuses.map((stepStatus, i) => ({
    status: stepStatus,
    changed_on: dateOf(days[i]!),
    evidence_url: `https://example.com/pledges/${pledgeId}/status/${i + 1}`,
    note: 'Synthetic status step',
  }));
}

/**
 * Adds CONCESSION_COUNT concession events, each with its type and a source (a third with a second source, in
 * event_sources, as many of the seed's have); inside the caller's transaction. Each is dated within its own
 * stretch of 2016–2025, oldest first, so that every pledge has one within a year of it.
 */
export function insertConcessions(db: Db, rand: () => number): Concession[] {
  const stretch = (LAST_CONCESSION_DAY - FIRST_CONCESSION_DAY + 1) / CONCESSION_COUNT;
  return Array.from({ length: CONCESSION_COUNT }, (_, i) => {
    const day = FIRST_CONCESSION_DAY + Math.floor((i + rand()) * stretch);
    const n = i + 1;
    const moreSources: EventSource[] = rand() < 1 / 3 ? [{ url: `https://example.com/concessions/${n}/2`, title: `Concession source ${n}, second` }] : [];
    const id = insertEvent(
      db,
      {
        occurred_on: dateOf(day),
        title: `Synthetic concession ${n}`,
        kind: 'concession',
        concession_type: pick(rand, CONCESSION_TYPES),
        note: '',
        source_url: `https://example.com/concessions/${n}`,
        source_title: `Concession source ${n}`,
      },
      moreSources,
    );
    return { id, day };
  });
}

/**
 * The concession a pledge answered, for about 2% of the pledges (else null): one dated within a year of its
 * announcement, before or after (any, for a pledge with none so near).
 */
export function concessionFor(rand: () => number, concessions: readonly Concession[], announcedOn: string): number | null {
  if (rand() >= CONCESSION_SHARE) return null;
  const day = dayOf(announcedOn);
  const near = concessions.filter((concession) => Math.abs(concession.day - day) <= NEAR_DAYS);
  return pick(rand, near.length > 0 ? near : concessions).id;
}
