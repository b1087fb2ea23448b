// The as-of date checked against the data: a view as of a day before the first pledge would show nothing at all.
import type { Db } from '../platform/db.ts';
import type { AsOfCheck } from '../platform/http/as-of.ts';
import { formatPartialDate } from '../lib/dates.ts';
import { FilterError, parseAsOf } from './pledges.filter.ts';
import { firstAnnouncedOn } from './pledges.repository.ts';

/** checkAsOf (a real day, not in the future), and not before the first pledge the tracker holds. */
export function asOfWithData(db: Db): AsOfCheck {
  return (query, today) => {
    const asOf = parseAsOf(query, today);
    if (asOf === null) return null;
    const first = firstAnnouncedOn(db);
    if (first === null) throw new FilterError('as_of', 'the tracker holds no pledge yet: there is nothing to show as of a date.');
    if (asOf < first) {
      const earliest = first.length === 4 ? `${first}-01-01` : first.length === 7 ? `${first}-01` : first;
      throw new FilterError('as_of', `${asOf} is before the first pledge the tracker holds (announced ${formatPartialDate(first)}): choose ${earliest} or later.`);
    }
    return asOf;
  };
}
