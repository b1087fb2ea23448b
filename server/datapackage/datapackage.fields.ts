// Table Schema field descriptors (Frictionless Data, v1) for the kinds of column the tracker's CSVs hold. Pure.

export interface FieldConstraints {
  required?: boolean;
  enum?: readonly string[];
  minimum?: number;
  maximum?: number;
  /** An XML Schema regular expression: matched against the whole value (no ^ or $). */
  pattern?: string;
}

export interface FieldSpec {
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date' | 'datetime' | 'object';
  format?: 'default' | 'uri';
  title?: string;
  description: string;
  constraints?: FieldConstraints;
}

export interface Field extends FieldSpec {
  name: string;
}

/** A CSV's columns, in its order, each with its spec: the Record makes a column without a spec a type error. */
export function fieldsOf<C extends string>(columns: readonly C[], specs: Record<C, FieldSpec>): Field[] {
  return columns.map((name) => ({ name, ...specs[name] }));
}

/** The largest amount the database accepts (migration 001): $1 quadrillion. */
export const MAX_AMOUNT_USD = 1_000_000_000_000_000;

// A date to the precision known: a year, a month or a day. Table Schema's `date` would refuse the first two, and
// `year`/`yearmonth` the others, so these are strings held to this pattern.
export const PARTIAL_DATE_PATTERN = '[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?';
const URL_PATTERN = 'https?://\\S+';
const URL_LIST_PATTERN = `${URL_PATTERN}( ${URL_PATTERN})*`;

function required(constraints: FieldConstraints, isRequired: boolean): FieldConstraints {
  return isRequired ? { required: true, ...constraints } : constraints;
}

export function id(description: string, isRequired = true): FieldSpec {
  return { type: 'integer', description, constraints: required({ minimum: 1 }, isRequired) };
}

export function text(description: string, isRequired = false): FieldSpec {
  return { type: 'string', description, ...(isRequired ? { constraints: { required: true } } : {}) };
}

export function oneOf(values: readonly string[], description: string, isRequired = false): FieldSpec {
  return { type: 'string', description, constraints: required({ enum: values }, isRequired) };
}

export function amount(description: string): FieldSpec {
  return { type: 'integer', description, constraints: { minimum: 0, maximum: MAX_AMOUNT_USD } };
}

export function partialDate(description: string, isRequired = false): FieldSpec {
  return {
    type: 'string',
    description: `${description} YYYY, YYYY-MM or YYYY-MM-DD, to the precision known (a string with a pattern: Table Schema's date type would refuse a year or a month alone).`,
    constraints: required({ pattern: PARTIAL_DATE_PATTERN }, isRequired),
  };
}

export function day(description: string): FieldSpec {
  return { type: 'date', format: 'default', description: `${description} YYYY-MM-DD.` };
}

export function timestamp(description: string): FieldSpec {
  return { type: 'datetime', format: 'default', description: `${description} UTC, ISO 8601 with milliseconds.`, constraints: { required: true } };
}

export function url(description: string, isRequired = false): FieldSpec {
  return { type: 'string', format: 'uri', description, constraints: required({ pattern: URL_PATTERN }, isRequired) };
}

export function urlList(description: string): FieldSpec {
  return { type: 'string', description: `${description} Separated by single spaces.`, constraints: { pattern: URL_LIST_PATTERN } };
}

export function idList(description: string): FieldSpec {
  return { type: 'string', description: `${description} Separated by single spaces.`, constraints: { pattern: '[0-9]+( [0-9]+)*' } };
}
