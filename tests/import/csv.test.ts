import { describe, expect, it } from 'vitest';
import { CsvSplitter, MAX_ROW_BYTES, type CsvChunk } from '../../server/import/import.csv.ts';

/** Every record and the problem, feeding the file in the given pieces. */
function split(pieces: (string | Buffer)[], delimiter = ',') {
  const splitter = new CsvSplitter(delimiter);
  const records: { fields: string[]; line: number; bytes: number }[] = [];
  let problem: CsvChunk['problem'] = null;
  let pushed = 0;
  for (const piece of [...pieces, null]) {
    const chunk = splitter.push(piece);
    pushed += 1;
    records.push(...chunk.records);
    if (chunk.problem) {
      problem = chunk.problem;
      break;
    }
  }
  return { records, problem, pushed };
}

/** The file cut into pieces of `size` bytes: cuts fall inside quotes, line breaks and characters. */
function cut(text: string, size: number): Buffer[] {
  const bytes = Buffer.from(text);
  return Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size));
}

const FILE =
  '\uFEFFpledger,project,note\r\n' +
  'Acme,"Plant, north","said ""soon"""\r\n' +
  '\r\n' +
  'Beta,"Two\r\nlines",Münchën €\r\n' +
  'Gamma,,"last"\r\n';

describe('the CSV splitter', () => {
  it('reads quotes, escaped quotes, line breaks in a field, a BOM and empty lines, each record with the line it ends on', () => {
    const { records, problem } = split([FILE]);
    expect(problem).toBeNull();
    expect(records.map((record) => [record.fields, record.line])).toEqual([
      [['pledger', 'project', 'note'], 1],
      [['Acme', 'Plant, north', 'said "soon"'], 2],
      [['Beta', 'Two\r\nlines', 'Münchën €'], 5],
      [['Gamma', '', 'last'], 6],
    ]);
    expect(records.at(-1)!.bytes).toBe(Buffer.byteLength(FILE));
  });

  it('gives the same records wherever the chunks of the file end, inside a quote, a line break or a character', () => {
    const whole = split([FILE]).records.map((record) => [record.fields, record.line]);
    for (let size = 1; size <= 40; size++) {
      const { records, problem } = split(cut(FILE, size));
      expect(problem).toBeNull();
      expect(records.map((record) => [record.fields, record.line])).toEqual(whole);
      expect(records.at(-1)!.bytes).toBe(Buffer.byteLength(FILE));
    }
  });

  it('counts bytes of the file read as it goes, a chunk\'s last record exactly', () => {
    const rows = Array.from({ length: 100 }, (_, i) => `Pledger ${i},Plant é ${i}`);
    const text = `pledger,project\n${rows.join('\n')}\n`;
    const { records } = split(cut(text, 256));
    const bytes = records.map((record) => record.bytes);
    expect(bytes).toEqual([...bytes].sort((a, b) => a - b));
    expect(bytes.at(-1)).toBe(Buffer.byteLength(text));
    // Each record's count is within a few bytes of where it ends in the file.
    let end = 0;
    records.forEach((record, i) => {
      end += Buffer.byteLength(`${i === 0 ? 'pledger,project' : rows[i - 1]}\n`);
      expect(Math.abs(record.bytes - end)).toBeLessThanOrEqual(4);
    });
  });

  it('reads line feeds alone, carriage returns alone, a last line without a break, and semicolons', () => {
    expect(split(['a;b\nc;d\ne;f'], ';').records.map((record) => record.fields)).toEqual([['a', 'b'], ['c', 'd'], ['e', 'f']]);
    expect(split(['a,b\rc,d\r']).records.map((record) => [record.fields, record.line])).toEqual([
      [['a', 'b'], 1],
      [['c', 'd'], 2],
    ]);
  });

  it('keeps a quote inside an unquoted field as typed', () => {
    expect(split(['size,note\n5" pipe,ok\n']).records.map((record) => record.fields)).toEqual([['size', 'note'], ['5" pipe', 'ok']]);
  });

  it('refuses a quote never closed, with the line it opens on', () => {
    const text = 'pledger,project\nAcme,Plant\n"Open,Plant\nmore\n';
    for (const pieces of [[text], cut(text, 3)]) {
      expect(split(pieces)).toMatchObject({
        records: [{ fields: ['pledger', 'project'] }, { fields: ['Acme', 'Plant'] }],
        problem: { line: 3, column: null, message: 'A quote opened here is never closed.' },
      });
    }
  });

  it('refuses text after a closing quote, and a row with another number of columns than the header', () => {
    expect(split(['a,b\n"x"y,1\n']).problem).toEqual({ line: 2, column: null, message: 'A quoted field goes on after its closing quote.' });
    expect(split(['a,b\n1,2\n3\n']).problem).toEqual({ line: 3, column: null, message: 'This row has a different number of columns than the header.' });
    expect(split(['a,b\n1,2,3\n']).problem).toEqual({ line: 2, column: null, message: 'This row has a different number of columns than the header.' });
  });

  it('refuses a row over the limit with its line, read whole or in chunks, and stops reading the file there', () => {
    const message = /larger than 100 kB/;
    const text = `a,b\n1,2\n3,${'x'.repeat(MAX_ROW_BYTES + 1)}\n5,6\n`;
    for (const pieces of [[text], cut(text, 64 * 1024)]) {
      expect(split(pieces)).toMatchObject({ records: [{ line: 1 }, { line: 2 }], problem: { line: 3, message: expect.stringMatching(message) } });
    }
    // A quote opened and never closed in a 20 MB file: the reading stops a few chunks in, holding little.
    const open = cut(`a,b\n"${'x'.repeat(20 * 1024 * 1024)}`, 64 * 1024);
    const { problem, pushed } = split(open);
    expect(problem).toMatchObject({ line: 2, message: expect.stringMatching(message) });
    expect(pushed).toBeLessThan(5);
  });

  it('says nothing more once it has refused the file', () => {
    const splitter = new CsvSplitter(',');
    expect(splitter.push('a,b\n1\n').problem).not.toBeNull();
    expect(splitter.push('2,3\n')).toEqual({ records: [], problem: null });
  });
});
