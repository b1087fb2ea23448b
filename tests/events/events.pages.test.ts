import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { insertEvent, linkPledgeToEvent, topPledgesByEvent } from '../../server/events/events.repository.ts';
import { addPledge, freshApp, type TestContext } from '../helpers.ts';

let ctx: TestContext;
afterEach(() => ctx?.cleanup());

describe('GET /events and /events/:id', () => {
  it('lists the events oldest first, month-only dates kept as months', async () => {
    ctx = freshApp();
    const res = await request(ctx.app).get('/events');
    expect(res.status).toBe(200);
    const dates = [...res.text.matchAll(/<time datetime="([\d-]+)">/g)].map((m) => m[1]);
    expect(dates).toEqual(['2025-01-13', '2025-01-20', '2025-01-20', '2025-02', '2025-04-04', '2025-04-09']);
  });

  it('lists each event with its pledges', async () => {
    ctx = freshApp();
    const res = await request(ctx.app).get('/events');
    const dinner = res.text.slice(res.text.indexOf('Huang attends'), res.text.indexOf('The US government tells Nvidia'));
    expect(dinner).toContain('href="/pledges/5"');
    expect(dinner).toContain('href="/pledges/4"');
  });

  it('shows one event with its pledges', async () => {
    ctx = freshApp();
    const id = ctx.db.prepare("SELECT id FROM events WHERE title LIKE 'Huang attends%'").pluck().get();
    const res = await request(ctx.app).get(`/events/${id}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('href="/pledges/4"');
    expect(res.text).toContain('href="/pledges/5"');
  });

  it.each(['999', 'x'])('answers 404 for event %s', async (id) => {
    ctx = freshApp();
    expect((await request(ctx.app).get(`/events/${id}`)).status).toBe(404);
  });
});

describe('GET /events, events with many links (walked) and with few (ranked)', () => {
  it('lists its five largest as an event with few links does: unknown amounts last, ties by id, as of a date too', async () => {
    ctx = freshApp({ seed: false });
    const event = (title: string) =>
      insertEvent(ctx.db, { occurred_on: '2025-03-01', title, kind: 'tariffs', concession_type: null, note: '', source_url: null, source_title: '' });
    const many = event('Many links');
    const manyToo = event('Many more links');
    const few = event('Few links');
    const amounts = [5_000_000, null, 7_000_000, 7_000_000, 1_000_000, 9_000_000];
    ctx.db.transaction(() => {
      for (let i = 0; i < 1_200; i++) {
        // The largest among the many: a tie at 7M between two ids, one announced after the as-of date.
        const amount = i >= 600 && i < 606 ? amounts[i - 600]! : i % 97 === 0 ? null : 1_000 + i;
        const id = addPledge(ctx.db, { pledger: `P${i}`, amount_usd: amount, announced_on: i === 603 ? '2025-06-01' : '2024-01-01' });
        linkPledgeToEvent(ctx.db, id, many);
        // Walked too, without the largest: it has its five only well after the other.
        if (i < 1_100 && (i < 600 || i >= 606)) linkPledgeToEvent(ctx.db, id, manyToo);
        if (i % 300 === 0 || (i >= 600 && i < 606)) linkPledgeToEvent(ctx.db, id, few);
      }
    })();
    // What ranking every link gives (the events list's query before the walk).
    const ranked = (before: string | null) =>
      ctx.db
        .prepare(
          `SELECT event_id, id, pledger, project, amount_usd, announced_on FROM (
             SELECT pe.event_id, p.id, p.pledger, p.project, p.amount_usd, p.announced_on,
                    row_number() OVER (PARTITION BY pe.event_id ORDER BY p.amount_usd IS NULL, p.amount_usd DESC, p.id) AS n
               FROM pledge_events pe JOIN pledges p ON p.id = pe.pledge_id WHERE @before IS NULL OR p.announced_on < @before)
            WHERE n <= 5 ORDER BY event_id, n`,
        )
        .all({ before }) as { event_id: number; pledger: string }[];
    for (const before of [null, '2025-01-01']) {
      const top = topPledgesByEvent(ctx.db, 5, before);
      for (const id of [many, manyToo, few]) {
        expect(top.get(id)!.map((pledge) => pledge.pledger)).toEqual(ranked(before).filter((row) => row.event_id === id).map((row) => row.pledger));
      }
    }
    expect(topPledgesByEvent(ctx.db).get(many)!.map((pledge) => pledge.amount_usd)).toEqual([9_000_000, 7_000_000, 7_000_000, 5_000_000, 1_000_000]);
    const res = await request(ctx.app).get('/events');
    const listed = res.text.slice(res.text.indexOf('Many links'), res.text.indexOf('Many more links'));
    expect([...listed.matchAll(/href="\/pledges\/(\d+)"/g)].map((match) => Number(match[1]))).toEqual(topPledgesByEvent(ctx.db).get(many)!.map((pledge) => pledge.id));
  });
});
