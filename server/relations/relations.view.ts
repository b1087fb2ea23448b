// Helpers the relation templates use, registered with the others as app.locals.
import { formatUsdCompact } from '../lib/amounts.ts';
import { formatPartialDate } from '../lib/dates.ts';
import { DEFAULT_LANGUAGE, LOCALES, translator, type Language } from '../platform/i18n.ts';
import { ROLE_LABELS, ROLES, type RelatedPledge, type Role } from './relation.model.ts';

/** The form's choice of role, read as a sentence about the pledge whose page it is. */
const ROLE_CHOICES: Record<Role, string> = {
  supersedes: 'supersedes (replaces) the other pledge',
  superseded_by: 'is superseded (replaced) by the other pledge',
  contains: 'contains the other pledge, or part of it',
  contained_in: 'is contained, whole or in part, in the other pledge',
  overlaps: 'overlaps the other pledge (some dollars are counted in both)',
  repeats: 're-announces an earlier pledge or plan',
  repeated_by: 'is re-announced by the other pledge',
};

/**
 * The relation templates' words in a language: the choices of pledges, "#12 Apple: US manufacturing ($500B, Feb
 * 2025)", their amount and date as the language writes them ("500 Mrd. $, Feb. 2025"); names stay as entered.
 */
export function relationWordsOf(language: Language) {
  const locale = LOCALES[language];
  const undisclosed = translator(language)('relations.undisclosed');
  const pledgeLabel = (pledge: RelatedPledge): string => {
    const amount = pledge.amount_usd === null ? undisclosed : formatUsdCompact(pledge.amount_usd, locale);
    return `#${pledge.id} ${pledge.pledger}${pledge.project ? `: ${pledge.project}` : ''} (${amount}, ${formatPartialDate(pledge.announced_on, locale)})`;
  };
  return {
    pledgeOptions: (choices: RelatedPledge[]) => choices.map((pledge) => ({ value: String(pledge.id), label: pledgeLabel(pledge) })),
  };
}

export const relationViewHelpers = {
  roleLabel: (role: Role): string => ROLE_LABELS[role],
  roleOptions: ROLES.map((value) => ({ value, label: ROLE_CHOICES[value] })),
  ...relationWordsOf(DEFAULT_LANGUAGE),
};
