// /datapackage.json: a Frictionless Tabular Data Package (v1) describing every CSV the tracker publishes. Each
// schema is built from the column list the export itself writes (the models' *_CSV_COLUMNS), so that a column added
// to an export without a description here is a type error, and tests/datapackage/ checks every row against it.
import { CONCESSION_CSV_COLUMNS, CONCESSION_TYPES, EVENT_CSV_COLUMNS, EVENT_KINDS } from '../events/event.model.ts';
import { COMMITMENT_KINDS, CSV_COLUMNS, LEVERS, PLEDGER_KINDS, SOURCE_CSV_COLUMNS, STATUSES } from '../pledges/pledge.model.ts';
import { RELATION_CSV_COLUMNS, RELATION_KINDS } from '../relations/relation.model.ts';
import { REVISION_CSV_COLUMNS } from '../revisions/revisions.repository.ts';
import { amount, day, fieldsOf, id, idList, oneOf, partialDate, text, timestamp, url, urlList, type Field } from './datapackage.fields.ts';

const pledges = fieldsOf(CSV_COLUMNS, {
  id: id("The pledge's id in this tracker (ids of deleted pledges are never given again)."),
  pledger: text('Who pledged: a company, a government, or a joint venture or fund.', true),
  project: text('What was pledged, in a few words.'),
  amount_usd: amount('The amount announced, in whole US dollars; empty when undisclosed (never 0 for unknown).'),
  amount_note: text('Qualifiers of the amount ("up to", "at least", "about") and how it was read.'),
  us_share_pct: { type: 'number', description: 'The share of the amount earmarked for the US, in percent; empty when unknown.', constraints: { minimum: 0, maximum: 100 } },
  us_share_basis: oneOf(['stated', 'inferred'], 'stated: the pledge itself says so; inferred: derived here from other facts; empty when the share is unknown.'),
  announced_on: partialDate('When the pledge was first announced:', true),
  horizon_years: { type: 'number', description: 'Over how many years the amount is to be spent (more than 0); empty when not stated.', constraints: { minimum: 0 } },
  horizon_end: day('The day the horizon ends, where the pledge names one:'),
  horizon_note: text('How the horizon was stated.'),
  sector: text('The sector the money goes to.'),
  country: text("The pledger's home country."),
  status: oneOf(STATUSES, 'Where the pledge stands today.', true),
  lever: oneOf(LEVERS, 'The political lever the sources place next to the pledge (not a claim that it caused it); empty when none.'),
  context_note: text('The political context, in a sentence or two.'),
  source_urls: urlList("The pledge's sources (sources.csv has their titles), in order."),
  event_ids: idList('The ids of the political events (events.csv) the pledge is linked to.'),
  created_at: timestamp('When the pledge was added to the tracker:'),
  updated_at: timestamp('When the pledge last changed in the tracker:'),
  pledger_kind: oneOf(PLEDGER_KINDS, 'What kind of pledger it is; empty when not recorded.'),
  commitment_kind: oneOf(COMMITMENT_KINDS, 'What kind of commitment it is (purchases and trade are not investment); empty when not recorded.'),
  horizon_start: day('The day the horizon starts (empty: on the announced date):'),
  new_money_usd: amount('The part the pledger described as new, in whole US dollars, at most amount_usd; empty when it did not say.'),
  first_tranche_by: partialDate("The pledge's own date for its first money; empty when it names none:"),
  overdue: { type: 'boolean', description: 'Whether the pledge is overdue on the day of the download (UTC): computed, never stored (docs/methodology.md).', constraints: { required: true } },
});

const sources = fieldsOf(SOURCE_CSV_COLUMNS, {
  pledge_id: id('The pledge (pledges.csv) the source is for.'),
  position: { type: 'integer', description: "The source's place among the pledge's sources, from 0.", constraints: { required: true, minimum: 0 } },
  url: url('The source: a news page, a release or a filing.', true),
  title: text('Its outlet, date and headline, as the tracker names it.'),
});

const events = fieldsOf(EVENT_CSV_COLUMNS, {
  id: id("The event's id (pledges.csv lists the events a pledge is linked to)."),
  occurred_on: partialDate('When it happened:', true),
  title: text('What happened.', true),
  kind: oneOf(EVENT_KINDS, 'What kind of event it is; concession: something a pledger got in return.', true),
  concession_type: oneOf(CONCESSION_TYPES, 'For a concession, what the pledger got; empty for every other kind.'),
  note: text('More on the event and its sources.'),
  source_url: url('Its first source; empty when it has none.'),
  source_title: text('The title of its first source.'),
  source_urls: urlList('Every source URL of the event, the first included, in order.'),
  created_at: timestamp('When the event was added to the tracker:'),
  updated_at: timestamp('When the event last changed in the tracker:'),
});

const relations = fieldsOf(RELATION_CSV_COLUMNS, {
  id: id("The relation's id."),
  pledge_id: id('The pledge the relation is read from: "pledge_id kind other_id".'),
  kind: oneOf(RELATION_KINDS, 'supersedes, contains, overlaps or repeats (docs/methodology.md says how each is counted).', true),
  other_id: id('The other pledge; empty only for a repeat of an earlier plan the tracker does not hold.', false),
  amount_usd: amount('The dollars concerned, in whole US dollars; empty when unknown (for contains: all of the other pledge).'),
  note: text('Why the two are related.'),
  source_url: url('The source that relates them; empty when none.'),
  source_title: text('The title of that source.'),
  created_at: timestamp('When the relation was added:'),
  updated_at: timestamp('When the relation last changed:'),
});

const concessions = fieldsOf(CONCESSION_CSV_COLUMNS, {
  pledge_id: id('The pledge (pledges.csv) the concession answered.'),
  pledger: text("The pledge's pledger.", true),
  project: text("The pledge's project."),
  amount_usd: amount("The pledge's amount, in whole US dollars; empty when undisclosed."),
  announced_on: partialDate('When the pledge was announced:', true),
  concession_id: id('The concession: an event (events.csv) of the kind concession.'),
  concession: text("The concession's title.", true),
  concession_type: oneOf(CONCESSION_TYPES, 'What the pledger got.', true),
  occurred_on: partialDate('When the concession happened:', true),
  days_between: { type: 'integer', description: 'Days from the pledge to the concession, negative when the concession came first; empty unless both dates have a day.' },
  source_urls: urlList("Every source URL of the concession, in order."),
  note: text('More on the concession.'),
});

const revisions = fieldsOf(REVISION_CSV_COLUMNS, {
  id: id("The revision's id: revisions are numbered in the order they were written."),
  entity: oneOf(['pledge', 'event'], 'What was changed: a pledge or an event.', true),
  entity_id: id('The id of the pledge or event (it may since have been deleted).'),
  action: oneOf(['create', 'update', 'delete'], 'What was done.', true),
  author: text('Who did it, by public name as /changes shows it: an editor\'s display name, a tool\'s name or "A former editor"; never a username.', true),
  at: timestamp('When:'),
  reason: text("The editor's reason."),
  changes: { type: 'object', description: 'Each field changed, from what to what: {"field": {"from": …, "to": …}}, as JSON.', constraints: { required: true } },
});

interface Resource {
  name: string;
  title: string;
  description: string;
  fields: Field[];
  primaryKey: string | string[];
  foreignKeys?: { fields: string | string[]; reference: { resource: string; fields: string | string[] } }[];
}

const toPledge = (field: string) => ({ fields: field, reference: { resource: 'pledges', fields: 'id' } });

const RESOURCES: Resource[] = [
  { name: 'pledges', title: 'Pledges', description: 'Every pledge, one row each, by id: the same file as /pledges.csv without a filter.', fields: pledges, primaryKey: 'id' },
  { name: 'sources', title: "Pledges' sources", description: "Every source of every pledge, with its title, in the pledge's order.", fields: sources, primaryKey: ['pledge_id', 'position'], foreignKeys: [toPledge('pledge_id')] },
  { name: 'events', title: 'Political events', description: 'The political events around the pledges, concessions included, by id.', fields: events, primaryKey: 'id' },
  {
    name: 'relations',
    title: 'Relations between pledges',
    description: 'Which pledges supersede, contain, overlap or repeat others, and by how much where known.',
    fields: relations,
    primaryKey: 'id',
    foreignKeys: [toPledge('pledge_id'), toPledge('other_id')],
  },
  {
    name: 'concessions',
    title: 'What the pledgers got',
    description: 'Each concession beside each pledge it answered (a join of events.csv and pledges.csv, for convenience).',
    fields: concessions,
    primaryKey: ['concession_id', 'pledge_id'],
    foreignKeys: [toPledge('pledge_id'), { fields: 'concession_id', reference: { resource: 'events', fields: 'id' } }],
  },
  {
    name: 'revisions',
    title: 'Change log',
    description: 'Every change to a pledge or an event, oldest first: the public change log of /changes.',
    fields: revisions,
    primaryKey: 'id',
  },
];

/** The tables the package describes, by resource name: each is served at /NAME.csv. */
export const RESOURCE_NAMES = RESOURCES.map((resource) => resource.name);

const DESCRIPTION = [
  'Investment pledges that companies and governments announced under political pressure, the political events around',
  'them, what the pledgers got, how the pledges overlap, and every change made to them, each figure with its sources.',
  'Amounts are whole US dollars; an unknown value is an empty cell, never 0. Dates are YYYY, YYYY-MM or YYYY-MM-DD to the',
  'precision known: such fields are strings with a pattern, since Table Schema\'s date type would refuse a year or a month',
  'alone. A text cell that a spreadsheet would run as a formula (one starting with =, +, -, @, a tab, CR, LF, NUL or their',
  'full-width forms) is written with a leading apostrophe. The whole database, without the editors\' accounts, sessions',
  'and tokens, is at /pledges.db. Licence: the repository states one licence, MIT (package.json), and none separately',
  'for the data; the titles of sources are their publishers\'.',
].join(' ');

/** The descriptor: the same for every request (paths are relative to /datapackage.json, at the site's root). */
export const DATA_PACKAGE = {
  profile: 'tabular-data-package',
  name: 'pledge-tracker',
  title: 'Pledge Tracker: investment pledges under political pressure',
  description: DESCRIPTION,
  keywords: ['investment pledges', 'United States', 'tariffs', 'export controls', 'industrial policy'],
  licenses: [{ name: 'MIT', title: 'MIT License: the licence package.json states for the repository; it names no separate licence for the data' }],
  sources: [
    {
      title:
        'US investment pledges under political pressure, Nov 2024 – Nov 2025: a fact sheet compiled from public reporting (news pages, company releases, government and law-firm pages), re-checked on 2026-11-29; each row cites its own sources',
    },
    { title: 'The facts of the April 2025 article on Nvidia\'s H20 chips that the tracker grew from' },
  ],
  resources: RESOURCES.map(({ name, title, description, fields, primaryKey, foreignKeys }) => ({
    profile: 'tabular-data-resource',
    name,
    path: `${name}.csv`,
    title,
    description,
    format: 'csv',
    mediatype: 'text/csv',
    encoding: 'utf-8',
    dialect: { delimiter: ',', lineTerminator: '\r\n', quoteChar: '"', doubleQuote: true, header: true },
    schema: { fields, missingValues: [''], primaryKey, ...(foreignKeys ? { foreignKeys } : {}) },
  })),
};
