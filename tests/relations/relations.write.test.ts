import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { pledgeChoices } from '../../server/relations/relations.repository.ts';
import { addPledge, count, csrfFrom, freshApp, signedIn, type TestContext } from '../helpers.ts';

let ctx: TestContext;
afterEach(() => ctx?.cleanup());

/** Four pledges: Apple's $600B and $500B, Switzerland's $200B, Roche's $50B. */
function arrange() {
  ctx = freshApp({ seed: false });
  const { db } = ctx;
  return {
    apple600: addPledge(db, { pledger: 'Apple', project: 'US investment, August', amount_usd: 600e9 }),
    apple500: addPledge(db, { pledger: 'Apple', project: 'US investment, February', amount_usd: 500e9 }),
    swiss: addPledge(db, { pledger: 'Switzerland', project: 'Trade deal', amount_usd: 200e9, pledger_kind: 'government' }),
    roche: addPledge(db, { pledger: 'Roche', project: 'US manufacturing', amount_usd: 50e9 }),
  };
}

function form(overrides: Record<string, string> = {}): Record<string, string> {
  return { kind: 'supersedes', other_id: '', amount: '', note: '', source_url: '', source_title: '', reason: '', ...overrides };
}

function relations() {
  return ctx.db.prepare('SELECT pledge_id, kind, other_id, amount_usd, note, source_url, source_title FROM pledge_relations ORDER BY id').all();
}

function revisionsOf(pledgeId: number) {
  return (
    ctx.db.prepare("SELECT action, changes, reason FROM revisions WHERE entity = 'pledge' AND entity_id = ? ORDER BY id").all(pledgeId) as {
      action: string;
      changes: string;
      reason: string;
    }[]
  ).map((row) => ({ ...row, changes: JSON.parse(row.changes) as Record<string, { from: unknown; to: unknown }> }));
}

/** The message shown beside a field of a re-rendered form. */
function fieldError(html: string, field: string): string | undefined {
  return new RegExp(`<p class="error" id="field-${field}-error">([^<]*)</p>`).exec(html)?.[1];
}

describe('relation writes refuse anonymous readers and forms without a CSRF token', () => {
  const paths = (p: number, r: number) => [`/pledges/${p}/relations`, `/pledges/${p}/relations/${r}`, `/pledges/${p}/relations/${r}/delete`];

  it('redirects an anonymous POST to sign in and writes nothing', async () => {
    const { apple600, apple500 } = arrange();
    ctx.db.prepare("INSERT INTO pledge_relations (pledge_id, kind, other_id) VALUES (?, 'supersedes', ?)").run(apple600, apple500);
    for (const path of paths(apple600, 1)) {
      const res = await request(ctx.app).post(path).type('form').send(form({ kind: 'overlaps', other_id: String(apple500) }));
      expect(res.status).toBe(303);
      expect(res.headers.location).toMatch(/^\/login\?next=/);
    }
    for (const path of [`/pledges/${apple600}/relations/new`, `/pledges/${apple600}/relations/1/edit`, `/pledges/${apple600}/relations/1/delete`]) {
      expect((await request(ctx.app).get(path)).headers.location).toBe(`/login?next=${encodeURIComponent(path)}`);
    }
    expect(relations()).toHaveLength(1);
    expect(count(ctx.db, 'revisions')).toBe(0);
  });

  it('answers 403 to a signed-in POST without a CSRF token and writes nothing', async () => {
    const { apple600, apple500 } = arrange();
    ctx.db.prepare("INSERT INTO pledge_relations (pledge_id, kind, other_id) VALUES (?, 'supersedes', ?)").run(apple600, apple500);
    const { agent } = await signedIn(ctx);
    for (const path of paths(apple600, 1)) {
      const res = await agent.post(path).type('form').send(form({ kind: 'overlaps', other_id: String(apple500) }));
      expect(res.status).toBe(403);
      expect(res.text).toContain('did not come from this site');
    }
    expect(relations()).toEqual([expect.objectContaining({ kind: 'supersedes' })]);
    expect(count(ctx.db, 'revisions')).toBe(0);
  });
});

describe('POST /pledges/:id/relations', () => {
  it('adds the relation, answers 303 back to the pledge, and records a revision on both pledges', async () => {
    const { apple600, apple500 } = arrange();
    const { agent, csrf } = await signedIn(ctx);
    const res = await agent
      .post(`/pledges/${apple600}/relations`)
      .type('form')
      .send(form({ _csrf: csrf, other_id: String(apple500), note: 'Raised by $100B in August', source_url: 'https://example.com/apple', source_title: 'Apple newsroom', reason: 'Apple raised it' }));
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/pledges/${apple600}`);
    expect(relations()).toEqual([
      { pledge_id: apple600, kind: 'supersedes', other_id: apple500, amount_usd: null, note: 'Raised by $100B in August', source_url: 'https://example.com/apple', source_title: 'Apple newsroom' },
    ]);
    expect(revisionsOf(apple600)).toEqual([
      {
        action: 'update',
        reason: 'Apple raised it',
        changes: {
          relations: {
            from: null,
            to: `relation 1: supersedes pledge ${apple500} (Apple: US investment, February); unknown size; note: Raised by $100B in August; source: Apple newsroom https://example.com/apple`,
          },
        },
      },
    ]);
    expect(revisionsOf(apple500)).toEqual([
      { action: 'update', reason: 'Apple raised it', changes: { relations: { from: null, to: expect.stringMatching(/^relation 1: is superseded by pledge 1 \(Apple: US investment, August\); unknown size;/) } } },
    ]);
    // Both pledges' pages show it in their history.
    expect((await agent.get(`/pledges/${apple500}`)).text).toContain('relation 1: is superseded by pledge 1 (Apple: US investment, August)');
  });

  it('stores a relation added from the other pledge’s page the right way round', async () => {
    const { swiss, roche } = arrange();
    const { agent, csrf } = await signedIn(ctx);
    const res = await agent.post(`/pledges/${roche}/relations`).type('form').send(form({ _csrf: csrf, kind: 'contained_in', other_id: String(swiss), amount: '' }));
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/pledges/${roche}`);
    expect(relations()).toEqual([expect.objectContaining({ pledge_id: swiss, kind: 'contains', other_id: roche, amount_usd: null })]);
  });

  it('takes "repeats" with no other pledge: an earlier plan the tracker does not hold', async () => {
    const { apple500 } = arrange();
    const { agent, csrf } = await signedIn(ctx);
    const res = await agent.post(`/pledges/${apple500}/relations`).type('form').send(form({ _csrf: csrf, kind: 'repeats', amount: '430B', note: 'Apple’s 2021 plan' }));
    expect(res.status).toBe(303);
    expect(relations()).toEqual([expect.objectContaining({ pledge_id: apple500, kind: 'repeats', other_id: null, amount_usd: 430e9 })]);
    expect((await agent.get(`/pledges/${apple500}`)).text).toMatch(/<strong>repeats<\/strong>\s*an earlier plan the tracker does not hold:\s*<data value="430000000000"/);
  });

  it.each([
    ['a relation to itself', (ids: Ids) => ({ other_id: String(ids.apple600) }), 'other_id', /cannot be related to itself/],
    ['a pledge that does not exist', () => ({ other_id: '999' }), 'other_id', /There is no pledge with id 999\./],
    ['no other pledge for anything but repeats', () => ({ kind: 'overlaps', other_id: '' }), 'other_id', /only &#34;repeats&#34;/],
    ['an overlap larger than either pledge', (ids: Ids) => ({ kind: 'overlaps', other_id: String(ids.roche), amount: '51B' }), 'amount', /pledge 4 \(Roche\) is \$50B/],
    ['a contained part larger than the contained pledge', (ids: Ids) => ({ kind: 'contains', other_id: String(ids.roche), amount: '60B' }), 'amount', /contained pledge: pledge 4 \(Roche\) is \$50B/],
    ['a repeated part larger than the pledge', (ids: Ids) => ({ kind: 'repeated_by', other_id: String(ids.roche), amount: '700B' }), 'amount', /pledge 4 \(Roche\) is \$50B/],
    ['an amount that is not one', (ids: Ids) => ({ other_id: String(ids.apple500), amount: 'a lot' }), 'amount', /Write the amount in digits/],
    ['a source that is not a web address', (ids: Ids) => ({ other_id: String(ids.apple500), source_url: 'javascript:alert(1)' }), 'source_url', /http:\/\/ or https:\/\//],
    ['a note over 1000 characters', (ids: Ids) => ({ other_id: String(ids.apple500), note: 'n'.repeat(1001) }), 'note', /At most 1000 characters/],
  ])('re-renders the form with 422 for %s, the message beside its field, every value kept, nothing written', async (_what, fields, field, message) => {
    const ids = arrange();
    const { agent, csrf } = await signedIn(ctx);
    const typed = form({ note: 'typed note', source_title: 'typed <title>', reason: 'typed reason', ...fields(ids) });
    const res = await agent.post(`/pledges/${ids.apple600}/relations`).type('form').send({ ...typed, _csrf: csrf });
    expect(res.status).toBe(422);
    expect(fieldError(res.text, field)).toMatch(message);
    expect(res.text).toContain('error-summary');
    expect(res.text).toContain('typed &lt;title&gt;');
    expect(res.text).toContain('>typed reason</textarea>');
    expect(res.text).toMatch(new RegExp(`<option value="${typed.kind}" selected>`));
    expect(relations()).toEqual([]);
    expect(count(ctx.db, 'revisions')).toBe(0);
  });

  it('refuses a relation recorded already, and an overlap recorded the other way round', async () => {
    const { apple600, apple500, swiss, roche } = arrange();
    const { agent, csrf } = await signedIn(ctx);
    await agent.post(`/pledges/${apple600}/relations`).type('form').send(form({ _csrf: csrf, other_id: String(apple500) }));
    await agent.post(`/pledges/${swiss}/relations`).type('form').send(form({ _csrf: csrf, kind: 'overlaps', other_id: String(roche) }));
    const again = await agent.post(`/pledges/${apple500}/relations`).type('form').send(form({ _csrf: csrf, kind: 'superseded_by', other_id: String(apple600) }));
    expect(again.status).toBe(422);
    expect(fieldError(again.text, 'other_id')).toBe('This relation is recorded already: pledge 1 (Apple) supersedes pledge 2 (Apple). Edit it instead.');
    const mirrored = await agent.post(`/pledges/${roche}/relations`).type('form').send(form({ _csrf: csrf, kind: 'overlaps', other_id: String(swiss) }));
    expect(mirrored.status).toBe(422);
    expect(fieldError(mirrored.text, 'other_id')).toMatch(/overlap of pledges 4 \(Roche\) and 3 \(Switzerland\) is recorded already/);
    expect(relations()).toHaveLength(2);
  });

  it.each(['supersedes', 'contains'])('refuses a circle of %s through a chain of pledges, naming the chain', async (kind) => {
    const { apple600, apple500, swiss, roche } = arrange();
    const { agent, csrf } = await signedIn(ctx);
    // 1 → 2 → 3 → 4 (amounts left unknown: "contains" then means all of it, which the amounts do not bound).
    for (const [from, to] of [[apple600, apple500], [apple500, swiss], [swiss, roche]]) {
      expect((await agent.post(`/pledges/${from}/relations`).type('form').send(form({ _csrf: csrf, kind, other_id: String(to) }))).status).toBe(303);
    }
    const res = await agent.post(`/pledges/${roche}/relations`).type('form').send(form({ _csrf: csrf, kind, other_id: String(apple600) }));
    expect(res.status).toBe(422);
    expect(fieldError(res.text, 'other_id')).toBe(
      `That would make a circle of &#34;${kind}&#34;: #4 (Roche) → #1 (Apple) → #2 (Apple) → #3 (Switzerland) → #4 (Roche). A pledge cannot ${kind === 'contains' ? 'contain' : 'supersede'} itself.`,
    );
    // The same pledges may still overlap: only a chain of the same kind makes a circle.
    expect((await agent.post(`/pledges/${roche}/relations`).type('form').send(form({ _csrf: csrf, kind: kind === 'contains' ? 'supersedes' : 'contains', other_id: String(apple600) }))).status).toBe(303);
    expect(relations()).toHaveLength(4);
  });

  it('answers 404 for a pledge that does not exist', async () => {
    arrange();
    const { agent, csrf } = await signedIn(ctx);
    expect((await agent.post('/pledges/999/relations').type('form').send(form({ _csrf: csrf, other_id: '1' }))).status).toBe(404);
  });
});

type Ids = ReturnType<typeof arrange>;

describe('editing and deleting a relation from either pledge', () => {
  async function withRelation() {
    const ids = arrange();
    const session = await signedIn(ctx);
    await session.agent.post(`/pledges/${ids.swiss}/relations`).type('form').send(form({ _csrf: session.csrf, kind: 'contains', other_id: String(ids.roche), amount: '40B' }));
    return { ...ids, ...session };
  }

  it('shows the form filled in from the other pledge’s side, saves a change, and records it on both pledges', async () => {
    const { swiss, roche, agent, csrf } = await withRelation();
    const page = await agent.get(`/pledges/${roche}/relations/1/edit`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<option value="contained_in" selected>');
    expect(page.text).toMatch(new RegExp(`<option value="${swiss}" selected>#${swiss} Switzerland: Trade deal`));
    expect(page.text).toContain('value="$40B"');
    const res = await agent.post(`/pledges/${roche}/relations/1`).type('form').send(form({ _csrf: csrf, kind: 'contained_in', other_id: String(swiss), amount: '50B', reason: 'Roche confirmed' }));
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/pledges/${roche}`);
    expect(relations()).toEqual([expect.objectContaining({ pledge_id: swiss, kind: 'contains', other_id: roche, amount_usd: 50e9 })]);
    for (const [pledge, role] of [[swiss, 'contains pledge 4 (Roche: US manufacturing)'], [roche, 'is contained in pledge 3 (Switzerland: Trade deal)']] as const) {
      expect(revisionsOf(pledge).at(-1)).toEqual({
        action: 'update',
        reason: 'Roche confirmed',
        changes: { relations: { from: `relation 1: ${role}; $40,000,000,000`, to: `relation 1: ${role}; $50,000,000,000` } },
      });
    }
  });

  it('records a change of the other pledge on the pledge it left and the pledge it joined', async () => {
    const { apple500, swiss, roche, agent, csrf } = await withRelation();
    const res = await agent.post(`/pledges/${swiss}/relations/1`).type('form').send(form({ _csrf: csrf, kind: 'contains', other_id: String(apple500), amount: '' }));
    expect(res.status).toBe(303);
    expect(revisionsOf(roche).at(-1)!.changes.relations).toEqual({ from: expect.stringContaining('is contained in pledge 3'), to: null });
    expect(revisionsOf(apple500).at(-1)!.changes.relations).toEqual({ from: null, to: 'relation 1: is contained in pledge 3 (Switzerland: Trade deal); all of it' });
    expect(revisionsOf(swiss).at(-1)!.changes.relations).toEqual({
      from: 'relation 1: contains pledge 4 (Roche: US manufacturing); $40,000,000,000',
      to: 'relation 1: contains pledge 2 (Apple: US investment, February); all of it',
    });
  });

  it('writes nothing for an edit that changes nothing', async () => {
    const { swiss, roche, agent, csrf } = await withRelation();
    const revisions = count(ctx.db, 'revisions');
    const res = await agent.post(`/pledges/${swiss}/relations/1`).type('form').send(form({ _csrf: csrf, kind: 'contains', other_id: String(roche), amount: '40 bn' }));
    expect(res.status).toBe(303);
    expect(count(ctx.db, 'revisions')).toBe(revisions);
  });

  it('keeps the edited relation out of its own duplicate and circle checks, and refuses the rules as adding does', async () => {
    const { swiss, roche, agent, csrf } = await withRelation();
    const tooLarge = await agent.post(`/pledges/${swiss}/relations/1`).type('form').send(form({ _csrf: csrf, kind: 'contains', other_id: String(roche), amount: '51B', note: 'kept' }));
    expect(tooLarge.status).toBe(422);
    expect(fieldError(tooLarge.text, 'amount')).toMatch(/contained pledge: pledge 4 \(Roche\) is \$50B/);
    expect(tooLarge.text).toContain('>kept</textarea>');
    // Turned round, the relation is no circle with itself.
    const turned = await agent.post(`/pledges/${swiss}/relations/1`).type('form').send(form({ _csrf: csrf, kind: 'contained_in', other_id: String(roche) }));
    expect(turned.status).toBe(303);
    expect(relations()).toEqual([expect.objectContaining({ pledge_id: roche, kind: 'contains', other_id: swiss })]);
  });

  it('answers 404 for a relation through a pledge it does not concern', async () => {
    const { apple600, agent, csrf } = await withRelation();
    expect((await agent.get(`/pledges/${apple600}/relations/1/edit`)).status).toBe(404);
    expect((await agent.post(`/pledges/${apple600}/relations/1/delete`).type('form').send({ _csrf: csrf })).status).toBe(404);
    expect(relations()).toHaveLength(1);
  });

  it('deletes after a confirmation, with the reason on both pledges’ histories', async () => {
    const { swiss, roche, agent } = await withRelation();
    const page = await agent.get(`/pledges/${roche}/relations/1/delete`);
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/Roche<\/strong>: US manufacturing is contained in\s*<strong>Switzerland<\/strong>: Trade deal/);
    const long = await agent.post(`/pledges/${roche}/relations/1/delete`).type('form').send({ _csrf: csrfFrom(page.text), reason: 'r'.repeat(501) });
    expect(long.status).toBe(422);
    expect(relations()).toHaveLength(1);
    const res = await agent.post(`/pledges/${roche}/relations/1/delete`).type('form').send({ _csrf: csrfFrom(page.text), reason: 'Double counted' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/pledges/${roche}`);
    expect(relations()).toEqual([]);
    for (const pledge of [swiss, roche]) {
      expect(revisionsOf(pledge).at(-1)).toMatchObject({ reason: 'Double counted', changes: { relations: { from: expect.stringContaining('relation 1: '), to: null } } });
    }
  });

  it('deleting a pledge tells the pledge at the other end of each of its relations', async () => {
    const { swiss, roche, agent, csrf } = await withRelation();
    const res = await agent.post(`/pledges/${roche}/delete`).type('form').send({ _csrf: csrf, reason: 'Not a pledge' });
    expect(res.status).toBe(303);
    expect(relations()).toEqual([]);
    expect(revisionsOf(swiss).at(-1)).toEqual({
      action: 'update',
      reason: 'pledge 4 deleted: Not a pledge',
      changes: { relations: { from: 'relation 1: contains pledge 4 (Roche: US manufacturing); $40,000,000,000', to: null } },
    });
  });
});

describe('the Relations section of GET /pledges/:id', () => {
  it('lists each relation from this pledge’s side, the other pledge linked, its amount or "unknown size", note and source', async () => {
    const { apple600, apple500, swiss, roche } = arrange();
    const { db } = ctx;
    const add = db.prepare('INSERT INTO pledge_relations (pledge_id, kind, other_id, amount_usd, note, source_url, source_title) VALUES (?, ?, ?, ?, ?, ?, ?)');
    add.run(apple600, 'supersedes', apple500, null, '', null, '');
    add.run(swiss, 'contains', roche, null, 'Roche’s <b>plan</b>', 'https://example.com/swiss', 'Swiss statement');
    add.run(apple500, 'overlaps', roche, 10e9, '', null, '');
    add.run(roche, 'repeats', apple600, null, '', null, '');
    const page = (await request(ctx.app).get(`/pledges/${roche}`)).text;
    const section = /<section aria-labelledby="relations-heading">[\s\S]*?<\/section>/.exec(page)![0];
    const items = [...section.matchAll(/<li>([\s\S]*?)<\/li>/g)].map((match) => match[1].replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim());
    expect(items).toEqual([
      'This pledge is contained in Switzerland: Trade deal ($200B, 1 May 2025): all of it Roche’s &lt;b&gt;plan&lt;/b&gt; Swiss statement',
      'This pledge overlaps Apple: US investment, February ($500B, 1 May 2025): $10B',
      'This pledge repeats Apple: US investment, August ($600B, 1 May 2025): unknown size',
    ]);
    expect(section).toContain(`<a href="/pledges/${swiss}">`);
    expect(section).toContain('<a href="https://example.com/swiss" rel="noopener noreferrer external">Swiss statement</a>');
    // Readers get no forms and no edit links.
    expect(section).not.toContain('<form');
    expect(section).not.toContain('/edit');
    const other = (await request(ctx.app).get(`/pledges/${apple600}`)).text;
    expect(other).toMatch(/This pledge <strong>supersedes<\/strong>[\s\S]*?US investment, February[\s\S]*?unknown size/);
    expect(other).toMatch(/This pledge <strong>is repeated by<\/strong>/);
  });

  it('says so when there are none', async () => {
    const { roche } = arrange();
    expect((await request(ctx.app).get(`/pledges/${roche}`)).text).toContain('No relations to other pledges are recorded.');
  });

  it('gives editors an add form with a CSRF token and the other pledges to choose from, and edit and delete links', async () => {
    const { apple600, apple500 } = arrange();
    ctx.db.prepare("INSERT INTO pledge_relations (pledge_id, kind, other_id) VALUES (?, 'supersedes', ?)").run(apple600, apple500);
    const { agent } = await signedIn(ctx);
    const section = /<section aria-labelledby="relations-heading">[\s\S]*?<\/section>/.exec((await agent.get(`/pledges/${apple600}`)).text)![0];
    expect(section).toContain(`<form method="post" action="/pledges/${apple600}/relations"`);
    expect(section).toMatch(/name="_csrf" value="[0-9a-f]+"/);
    expect(section).toContain(`<option value="${apple500}">#${apple500} Apple: US investment, February ($500B, 1 May 2025)</option>`);
    expect(section).not.toContain(`<option value="${apple600}">`);
    expect(section).toContain(`href="/pledges/${apple600}/relations/1/edit"`);
    expect(section).toContain(`href="/pledges/${apple600}/relations/1/delete"`);
  });

  it('asks for the other pledge’s id when there are too many to list, and shows again an id typed that the list lacks', async () => {
    const { apple600, apple500 } = arrange();
    expect(pledgeChoices(ctx.db, apple600, 3)).toHaveLength(3);
    expect(pledgeChoices(ctx.db, apple600, 2)).toBeNull();
    const { agent, csrf } = await signedIn(ctx);
    const res = await agent.post(`/pledges/${apple600}/relations`).type('form').send(form({ _csrf: csrf, other_id: '12345' }));
    expect(res.status).toBe(422);
    expect(res.text).toContain('<input id="field-other_id" name="other_id" type="text" value="12345"');
    expect(res.text).not.toContain(`<option value="${apple500}"`);
  });
});
