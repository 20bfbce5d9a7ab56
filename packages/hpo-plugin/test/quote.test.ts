/**
 * One line means one line: every error that shows the user's text (config values and keys, CSV
 * cells and column names, command-line values, the config file itself) escapes control characters
 * and line breaks and shortens long values, through the one helper in src/quote.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { loadTuneConfig, parseParamOverrides } from '../src/config';
import { parseCsv } from '../src/data/csv';
import { prepareDataset } from '../src/data/dataset';
import { UserError } from '../src/errors';
import { parseShard } from '../src/executors/tune/executor';
import { escapeText, quote, QUOTE_MAX } from '../src/quote';
import { EXAMPLE, load, withLine } from './config-helpers';
import { config, csv } from './data-helpers';

const dir = mkdtempSync(join(tmpdir(), 'hpo-quote-'));
const BIG = 'x'.repeat(5000) + '\n' + 'y'.repeat(5000);
/** Control characters, DEL, C1 controls and the Unicode line separators: none may reach a message. */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** The one line a UserError prints, checked: no raw control character, and short. */
function oneLine(fn: () => unknown, max = 400): string {
  let line: string | undefined;
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UserError, `expected a UserError, got ${(e as Error)?.stack ?? String(e)}`);
    line = e.format();
    return true;
  });
  assert.doesNotMatch(line!, UNPRINTABLE, JSON.stringify(line));
  assert.ok(line!.length <= max, `${line!.length} characters: ${line!.slice(0, 300)}…`);
  return line!;
}

test('quote: escapes control characters and line breaks, keeps other text as it is', () => {
  assert.equal(quote('relu'), "'relu'");
  assert.equal(quote('a\nb\r\tc'), "'a\\nb\\r\\tc'");
  assert.equal(quote('\u0000\u001b[31m\u007f\u0085\u2028'), "'\\x00\\x1b[31m\\x7f\\x85\\u2028'");
  assert.equal(quote('größe – 😀'), "'größe – 😀'");
  assert.equal(escapeText('dir/with\nbreak.csv'), 'dir/with\\nbreak.csv');
});

test('quote: a long value keeps its start and end and says how long it was', () => {
  const q = quote('a'.repeat(40) + 'b'.repeat(9960));
  assert.match(q, /^'a+…b+' \(10000 characters\)$/);
  assert.equal(Array.from(q.slice(1, q.indexOf("' ("))).length, QUOTE_MAX);
  // Characters, not UTF-16 units: an emoji is never cut in half.
  const emoji = quote('😀'.repeat(1000));
  assert.match(emoji, /^'(😀)+…(😀)+' \(1000 characters\)$/u);
  assert.equal(quote('z'.repeat(QUOTE_MAX)), `'${'z'.repeat(QUOTE_MAX)}'`);
});

test('quote (property): any text gives one short line', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 400 }), fc.integer({ min: 4, max: 80 }), (s, max) => {
      const q = quote(s, max);
      assert.doesNotMatch(q, UNPRINTABLE);
      const inner = q.slice(1, q.lastIndexOf("'"));
      // Each kept character escapes to at most 6 ("\u2028").
      assert.ok(Array.from(inner).length <= 6 * max, q);
    }),
  );
});

test('a binary file given as tune.yaml: one line, at the first bad byte', () => {
  const gz = join(dir, 'gzip.yaml');
  writeFileSync(gz, Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x0a, 0x0d, 0x00, 0xff]));
  assert.match(oneLine(() => loadTuneConfig(gz)), /gzip\.yaml:1:4: not a YAML config: a binary file \(it holds NUL bytes\)$/);
  const latin1 = join(dir, 'latin1.yaml');
  writeFileSync(latin1, Buffer.from('data:\n  path: caf\xe9.csv\n', 'latin1'));
  assert.match(oneLine(() => loadTuneConfig(latin1)), /latin1\.yaml:2:12: not a YAML config: the file is not UTF-8 text$/);
  // Text with control characters but no NUL reaches the YAML parser and the schema.
  const controls = join(dir, 'controls.yaml');
  writeFileSync(controls, '\u0001\u0002 \u001b[2J \u0007');
  assert.match(oneLine(() => loadTuneConfig(controls)), /controls\.yaml:1:1: /);
});

test('a 10 kB value in tune.yaml is shortened wherever an error quotes it', () => {
  const cases: Array<[string, string]> = [
    [withLine(5, `  task: "${JSON.stringify(BIG).slice(1, -1)}"`), 'data.task'],
    [withLine(2, `  path: "${JSON.stringify(BIG).slice(1, -1)}"`), 'data.path'],
    // (an explicit key: YAML limits implicit ones to 1024 characters)
    [EXAMPLE + `? "${JSON.stringify(BIG).slice(1, -1)}"\n: 1\n`, 'unknown key'],
    [withLine(15, `  batchSize: "\${${'b'.repeat(10000)}"`), "is not closed by '}'"],
    [withLine(14, `  epochs: "\${${'e'.repeat(10000)}}"`), 'unknown parameter'],
  ];
  for (const [text, part] of cases) assert.ok(oneLine(() => load(text)).includes(part), part);
  assert.match(oneLine(() => load(EXAMPLE, { algorithm: BIG })), /^--algorithm: 'x+…y+' \(10001 characters\) is not a valid algorithm/);
});

test('data: a 10 kB cell or column name, a newline in a header, stay one short line', () => {
  const cell = csv(`a,b,label\n1,2,0\n3,"${BIG}",1\n`);
  assert.match(oneLine(() => prepareDataset(config(cell, { header: true }))), /value 'x+…y+' \(10001 characters\) in column 'b'/);
  const name = csv(`"${BIG}",label\n1,0\n2,1\n3,0\n4,1\n`);
  assert.match(oneLine(() => prepareDataset(config(name, { header: true, label: 'labl' }))), /no column named 'labl'.*'x+…y+' \(10001 characters\)/);
  const header = csv(`"a\nb",c\nx,0\n`);
  assert.match(oneLine(() => prepareDataset(config(header, { header: true }))), /column 'a\\nb' \(index 0\)/);
  oneLine(() => parseCsv('1,2', { delimiter: BIG }));
});

test('command-line values: --params and --shard', () => {
  const space = load(EXAMPLE).space;
  oneLine(() => parseParamOverrides(`${BIG}`, space));
  // Values and names checked by the space (@nx-hpo/optimizers, which shortens in its own messages).
  assert.match(oneLine(() => parseParamOverrides({ units: BIG }, space)), /^params\.units: must be a number \(got "x+…y+" \(10001 characters\)\)$/);
  assert.match(oneLine(() => parseParamOverrides({ [BIG]: 1 }, space)), /^params\.x+…y+: unknown parameter 'x+…y+'; the space has: /);
  assert.match(oneLine(() => parseShard(BIG)), /got 'x+…y+' \(10001 characters\)/);
});

test('the config path itself appears escaped', () => {
  const weird = join(dir, 'new\nline.yaml');
  writeFileSync(weird, 'hello\n');
  assert.match(oneLine(() => loadTuneConfig(weird)), /new\\nline\.yaml:1:1: must be a mapping, got 'hello'$/);
});
