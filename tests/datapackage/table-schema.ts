// Checks CSV cells against a Table Schema field (Frictionless Data v1) as the spec reads them: an empty cell is
// missing (missingValues [""]), types by their default formats, then the constraints.
import type { Field } from '../../server/datapackage/datapackage.fields.ts';

const INTEGER = /^[+-]?[0-9]+$/;
const NUMBER = /^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$/;
const DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;
const DATETIME = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$/;

/** The cell's value as its type reads it, or an error message. */
function cast(field: Field, raw: string): { value: string | number | boolean | object } | { error: string } {
  switch (field.type) {
    case 'string':
      if (field.format === 'uri' && !URL.canParse(raw)) return { error: 'not a URI' };
      return { value: raw };
    case 'integer':
      return INTEGER.test(raw) && Number.isSafeInteger(Number(raw)) ? { value: Number(raw) } : { error: 'not an integer' };
    case 'number':
      return NUMBER.test(raw) ? { value: Number(raw) } : { error: 'not a number' };
    case 'boolean':
      // The spec's default trueValues and falseValues.
      if (['true', 'True', 'TRUE', '1'].includes(raw)) return { value: true };
      if (['false', 'False', 'FALSE', '0'].includes(raw)) return { value: false };
      return { error: 'not a boolean' };
    case 'date':
      return DATE.test(raw) && new Date(`${raw}T00:00:00Z`).toISOString().slice(0, 10) === raw ? { value: raw } : { error: 'not a date' };
    case 'datetime':
      return DATETIME.test(raw) && !Number.isNaN(Date.parse(raw)) ? { value: raw } : { error: 'not a datetime' };
    case 'object': {
      try {
        const value = JSON.parse(raw) as unknown;
        return value !== null && typeof value === 'object' && !Array.isArray(value) ? { value } : { error: 'not a JSON object' };
      } catch {
        return { error: 'not JSON' };
      }
    }
  }
}

/** What is wrong with one cell, or null when it is valid. */
export function cellError(field: Field, raw: string): string | null {
  const constraints = field.constraints ?? {};
  if (raw === '') return constraints.required ? 'required, but empty' : null;
  const cast_ = cast(field, raw);
  if ('error' in cast_) return cast_.error;
  const { value } = cast_;
  if (constraints.pattern !== undefined && !new RegExp(`^(?:${constraints.pattern})$`, 'u').test(raw)) return `does not match ${constraints.pattern}`;
  if (constraints.enum !== undefined && !constraints.enum.includes(raw)) return `not one of ${constraints.enum.join(', ')}`;
  if (constraints.minimum !== undefined && (value as number) < constraints.minimum) return `below ${constraints.minimum}`;
  if (constraints.maximum !== undefined && (value as number) > constraints.maximum) return `above ${constraints.maximum}`;
  return null;
}
