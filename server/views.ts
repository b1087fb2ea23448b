// Helpers every template may use, registered once as app.locals.
import { formatPercent, formatUsdCompact, formatUsdExact } from './amounts.ts';
import { formatPartialDate } from './dates.ts';
import { EVENT_KINDS, type EventKind } from './events.repository.ts';
import type { Lever, Status } from './pledges.repository.ts';

const JSON_SCRIPT_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/**
 * JSON safe to place inside <script type="application/json">: no character can close the element or
 * start a comment, and JSON.parse reads back exactly the value. Templates embed it with <%- %>, which
 * is correct only because of this escaping.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (char) => JSON_SCRIPT_ESCAPES[char]);
}

const STATUS_LABELS: Record<Status, string> = {
  announced: 'Announced',
  under_way: 'Under way',
  completed: 'Completed',
  stalled: 'Stalled',
  withdrawn: 'Withdrawn',
};

const KIND_LABELS: Record<EventKind, string> = {
  export_controls: 'Export controls',
  tariffs: 'Tariffs',
  subsidies: 'Subsidies',
  white_house_event: 'White House event',
  administration: 'Administration',
  market: 'Market',
  other: 'Other',
};

export const statusLabel = (status: Status): string => STATUS_LABELS[status];
export const leverLabel = (lever: Lever | null): string => (lever === null ? 'None recorded' : KIND_LABELS[lever]);
export const kindLabel = (kind: EventKind): string => KIND_LABELS[kind] ?? kind;

export const viewHelpers = {
  usd: formatUsdCompact,
  usdExact: formatUsdExact,
  percent: formatPercent,
  date: formatPartialDate,
  statusLabel,
  leverLabel,
  kindLabel,
  jsonForScript,
  eventKinds: EVENT_KINDS,
};
