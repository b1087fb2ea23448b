import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { freshApp, type TestContext } from '../helpers.ts';

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
