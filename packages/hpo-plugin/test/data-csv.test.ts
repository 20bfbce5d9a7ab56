import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseCsv, readCsv, sniffDelimiter } from '../src/data/csv';
import { UserError } from '../src/errors';

const dir = mkdtempSync(join(tmpdir(), 'hpo-csv-'));
function file(name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

/** Asserts `fn` throws a UserError whose formatted line is exactly `line`. */
function throwsLine(fn: () => unknown, line: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    assert.equal(e.format(), line);
    return true;
  });
}

test('plain rows, no header, trailing newline', () => {
  const t = readCsv(file('a.csv', '1,2,3\n4,5,6\n'), { displayPath: 'a.csv' });
  assert.equal(t.header, undefined);
  assert.deepEqual(t.rows, [
    ['1', '2', '3'],
    ['4', '5', '6'],
  ]);
});

test('header row, CRLF line ends, no trailing newline, several trailing blank lines', () => {
  assert.deepEqual(parseCsv('a,b\r\n1,2\r\n3,4').rows, [
    ['a', 'b'],
    ['1', '2'],
    ['3', '4'],
  ]);
  const t = parseCsv('a, b \r\n1,2\r\n3,4\r\n\r\n\n', { header: true });
  assert.deepEqual(t.header, ['a', 'b']);
  assert.deepEqual(t.rows, [
    ['1', '2'],
    ['3', '4'],
  ]);
});

test('gzip-compressed files are read by extension or by magic bytes', () => {
  const gz = gzipSync(Buffer.from('x,y\n1,2\n'));
  assert.deepEqual(readCsv(file('b.csv.gz', gz), { header: true }).rows, [['1', '2']]);
  assert.deepEqual(readCsv(file('b-no-ext.csv', gz), { header: true }).rows, [['1', '2']]);
  throwsLine(() => readCsv(file('bad.csv.gz', 'plain text'), { displayPath: 'bad.csv.gz' }), 'bad.csv.gz: not a valid gzip file: incorrect header check');
});

test('quoted fields: delimiters, doubled quotes and newlines inside quotes', () => {
  const t = parseCsv('name,v\n"a,b",1\n"say ""hi""",2\n"two\nlines",3\n"",4\n', { header: true });
  assert.deepEqual(t.rows, [
    ['a,b', '1'],
    ['say "hi"', '2'],
    ['two\nlines', '3'],
    ['', '4'],
  ]);
  // A record spanning two lines still reports the right line for the next one.
  assert.deepEqual(t.locate(3, 1), { line: 6, col: 4 });
});

test('byte-order mark is ignored', () => {
  assert.deepEqual(parseCsv('\ufeffa,b\n1,2\n', { header: true }).header, ['a', 'b']);
});

test('delimiter: given, or sniffed from the first line', () => {
  assert.deepEqual(parseCsv('1;2\n3;4\n', { delimiter: ';' }).rows, [
    ['1', '2'],
    ['3', '4'],
  ]);
  assert.equal(sniffDelimiter('a\tb\tc\n1\t2\t3\n'), '\t');
  assert.equal(sniffDelimiter('a;b\n'), ';');
  assert.equal(sniffDelimiter('"x;y",b\n'), ',');
  assert.equal(sniffDelimiter('"x;y"\n'), ',');
  assert.deepEqual(parseCsv('a\tb\n1\t2\n', { header: true }).rows, [['1', '2']]);
  throwsLine(() => parseCsv('1,2', { delimiter: '::' }), "data.delimiter: delimiter must be one character other than a quote or newline, got '::'");
});

test('a row with the wrong number of fields names file, line and column', () => {
  const rows = ['1,2,3', '4,5,6', '7,8'].join('\n');
  throwsLine(() => parseCsv(rows, { displayPath: 'data/x.csv' }), 'data/x.csv:3:1: row has 2 fields, expected 3 like the first row');
  throwsLine(() => parseCsv('a,b\n1,2,3\n', { header: true, displayPath: 'h.csv' }), 'h.csv:2:1: row has 3 fields, the header has 2');
});

test('an empty row in the middle is an error; blank lines at the end are not', () => {
  throwsLine(() => parseCsv('1,2\n\n3,4\n', { displayPath: 'e.csv' }), 'e.csv:2:1: empty row');
  throwsLine(() => parseCsv('1,2\n   \n3,4\n', { displayPath: 'e.csv' }), 'e.csv:2:1: empty row');
  assert.equal(parseCsv('1,2\n3,4\n\n\n').rows.length, 2);
});

test('an unterminated quote is reported where it opens', () => {
  throwsLine(() => parseCsv('a,b\n1,"2\n3,4\n', { displayPath: 'q.csv' }), 'q.csv:2:3: unterminated quoted field');
});

test('empty file with a header expected, and unreadable files', () => {
  throwsLine(() => parseCsv('', { header: true, displayPath: 'z.csv' }), 'z.csv:1:1: the file is empty: expected a header row');
  assert.deepEqual(parseCsv('').rows, []);
  throwsLine(() => readCsv(join(dir, 'missing.csv'), { displayPath: 'missing.csv' }), 'missing.csv: cannot read data file: file not found');
  throwsLine(() => readCsv(dir, { displayPath: 'd' }), 'd: cannot read data file: is a directory, not a file');
});

test('locate gives the line and character column of a field', () => {
  const t = parseCsv('h1,h2,h3\n10,200,3\n"q,q",x,y\n', { header: true });
  assert.deepEqual(t.locate(0, 0), { line: 2, col: 1 });
  assert.deepEqual(t.locate(0, 2), { line: 2, col: 8 });
  assert.deepEqual(t.locate(1, 1), { line: 3, col: 7 });
});

test('files inside the working directory are named relative to it', () => {
  const t = readCsv(join(process.cwd(), 'examples/digits-mlp/data/digits.csv.gz'));
  assert.equal(t.file, join('examples', 'digits-mlp', 'data', 'digits.csv.gz'));
  assert.equal(t.rows.length, 1797);
  assert.equal(t.rows[0]!.length, 65);
});
