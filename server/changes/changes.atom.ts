// The change log as an Atom feed (RFC 4287), written by the `feed` library: every link absolute, from the base
// URL the request was made to.
import ejs from 'ejs';
import { Feed } from 'feed';
import { changeTime, type ShownChange, type ShownField } from './changes.view.ts';

// Characters XML 1.0 cannot carry: the C0 controls but tab and line ends (the C1 controls it allows), unpaired
// surrogates (which the u flag reads as Cs), U+FFFE and U+FFFF. A feed with one does not parse.
const CONTROLS_AND_SURROGATES = /[\p{Cc}\p{Cs}\uFFFE\uFFFF]/gu;
const xmlAllows = (char: string) => char === '\t' || char === '\n' || char === '\r' || (char >= '\u007F' && char <= '\u009F');

/** Text any XML may carry. */
export function xmlText(text: string): string {
  return text.replace(CONTROLS_AND_SURROGATES, (char) => (xmlAllows(char) ? char : ''));
}

/**
 * Text as HTML: the titles, summaries and contents of the feed are HTML (type="html"). Escaped, the text holds no
 * ">" either, so no "]]>" can end the CDATA section the library wraps them in.
 */
function html(text: string): string {
  return ejs.escapeXML(xmlText(text));
}

function cell(value: ShownField['from']): string {
  return value.exact ? `<td><abbr title="${html(value.exact)}">${html(value.text)}</abbr></td>` : `<td>${html(value.text)}</td>`;
}

/** The fields of a change as an HTML table: from → to for an edit, the values of a creation or of a deletion. */
function fieldsTable(change: ShownChange): string {
  if (change.fields.length === 0) return '';
  const edit = change.action === 'update';
  const head = edit ? '<tr><th>Field</th><th>From</th><th>To</th></tr>' : `<tr><th>Field</th><th>${change.action === 'delete' ? 'Last value' : 'Value'}</th></tr>`;
  const rows = change.fields.map((field) => {
    const values = edit ? `${cell(field.from)}${cell(field.to)}` : cell(change.action === 'delete' ? field.from : field.to);
    return `<tr><th>${html(field.label)}</th>${values}</tr>`;
  });
  return `<table>${head}${rows.join('')}</table>`;
}

export function entryTitle(change: ShownChange): string {
  return `${change.verb} ${change.what}: ${change.title}`;
}

export interface FeedOptions {
  /** The scheme, host and port the request named, without a trailing slash: https://tracker.example. */
  base: string;
  /** The feed's own path (/changes.atom) and the page it follows (/changes, /pledges/12). */
  selfPath: string;
  pagePath: string;
  title: string;
  changes: ShownChange[];
}

/** The feed as XML. Its date is the newest change's, so that an unchanged log gives the same bytes (and ETag). */
export function atomFeed({ base, selfPath, pagePath, title, changes }: FeedOptions): string {
  const feed = new Feed({
    id: `${base}${pagePath}`,
    title: xmlText(title),
    link: `${base}${pagePath}`,
    feedLinks: { atom: `${base}${selfPath}` },
    updated: new Date(changes[0]?.at ?? 0),
    generator: 'Pledge Tracker',
    author: { name: 'Pledge Tracker' },
    description: 'Every change to the tracker’s public data: what changed, from what to what, why, when and by whom.',
  });
  for (const change of changes) {
    const byline = `${change.verb} by ${change.author} on ${changeTime(change.at)}.`;
    const reason = change.reason ? `Reason: “${change.reason}”` : 'No reason given.';
    feed.addItem({
      id: `${base}/changes#change-${change.id}`,
      title: html(entryTitle(change)),
      link: `${base}${change.path ?? `/changes#change-${change.id}`}`,
      date: new Date(change.at),
      published: new Date(change.at),
      author: [{ name: xmlText(change.author) }],
      description: html(`${byline} ${reason}`),
      content: `<p>${html(byline)}</p><p>${html(reason)}</p>${fieldsTable(change)}`,
    });
  }
  return feed.atom1();
}
