/**
 * The numeric CSV fast path must read exactly what the general reader reads (the same float32 bits
 * for every value) or step aside; and the prepared-data cache must give back the very arrays.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseCsv } from '../src/data/csv';
import { parseNumericCsv, parseNumericCsvFile } from '../src/data/csv-numeric';
import { loadRawData, prepareDataset } from '../src/data/dataset';
import { loadPreparedData } from '../src/data/prepare';
import { PreparedDataCache, preparedKey } from '../src/data/prepared-cache';
import { encodeClasses, encodeNumericClasses } from '../src/data/labels';
import { config, csv } from './data-helpers';

/** What the general reader makes of each feature: `Number` of the trimmed text (then stored as float32). */
function general(text: string): number[] {
  const rows = parseCsv(text).rows;
  return (rows.flatMap((r) => r.slice(0, -1).map((f) => (f.trim() === '' ? NaN : Number(f.trim())))));
}

const numberText = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => String(v)),
  fc.double({ min: -1e6, max: 1e6, noNaN: true }).chain((v) => fc.integer({ min: 0, max: 12 }).map((d) => v.toFixed(d))),
  fc.double({ noNaN: true, noDefaultInfinity: true }).chain((v) => fc.integer({ min: 0, max: 20 }).map((d) => v.toExponential(d))),
  fc.integer().map((v) => String(v)),
  fc.stringMatching(/^[+-]?\d{0,20}\.?\d{0,20}([eE][+-]?\d{1,3})?$/).filter((s) => /\d/.test(s) && Number.isFinite(Number(s))),
  fc.constantFrom('0', '-0', '+1', '.5', '5.', '-.25', '007', '1e22', '1e-22', '123456789012345678', '0.1e1', ' 3 ', '0x1F', '1E+05'),
);

test('fast path: the same float32 bits as Number() of every field, for any numbers written any way', () => {
  fc.assert(
    fc.property(fc.array(fc.array(numberText, { minLength: 2, maxLength: 5 }), { minLength: 1, maxLength: 8 }), fc.constantFrom('\n', '\r\n'), fc.nat(2), (rows, eol, trailing) => {
      const width = rows[0]!.length;
      const table = rows.map((r) => [...r.slice(0, width), ...Array(Math.max(0, width - r.length)).fill('1')].slice(0, width));
      // With or without line breaks after the last row.
      const text = table.map((r) => [...r, '0'].join(',')).join(eol) + eol.repeat(trailing);
      const fast = parseNumericCsv(Buffer.from(text), { header: false }, (n) => n - 1);
      const expected = general(text);
      // A value the general reader rejects (e.g. 2e+308 is Infinity) is its to report.
      if (!expected.every((v) => Number.isFinite(v))) return assert.equal(fast, undefined);
      assert.ok(fast, `the fast path stepped aside on ${JSON.stringify(text)}`);
      assert.equal(fast.x.length, expected.length);
      for (let i = 0; i < expected.length; i++) assert.ok(Object.is(fast.x[i], Math.fround(expected[i]!)), `${JSON.stringify(text)}: value ${i} is ${fast.x[i]}, Number says ${expected[i]}`);
    }),
    { numRuns: 400 },
  );
});

test('fast path: steps aside for quotes, bad values, ragged rows, blank lines and lone CRs', () => {
  const label = (n: number) => n - 1;
  for (const text of ['"1",2\n3,4\n', 'x,1\n2,3\n', '1,2\n3\n', '1,2\n\n3,4\n', '1,2\r3,4\n', '1,2 \r53,4\n', '1 \r5,2\n3,4\n', '1,2,\n3,4,\n', '1,2\n3,\n']) {
    assert.equal(parseNumericCsv(Buffer.from(text), { header: false }, label), undefined, JSON.stringify(text));
  }
  // …and reads CRLF, a header, a trailing blank line and string labels itself.
  const ok = parseNumericCsv(Buffer.from('a;b;y\r\n1;2;cat\r\n3;4;dog\r\n\r\n'), { header: true }, label)!;
  assert.deepEqual(ok.header, ['a', 'b', 'y']);
  assert.deepEqual([...ok.x], [1, 2, 3, 4]);
  assert.deepEqual(ok.labelTexts, ['cat', 'dog']);
});

test('loadRawData reads the same data through the fast path as through the general reader', () => {
  const plain = csv('f1,f2,label\n1.5,-2,b\n3,4e-3,a\n0.25,7,b\n');
  const quoted = csv('f1,f2,label\n"1.5",-2,b\n3,4e-3,a\n0.25,7,"b"\n'); // quotes: the general reader
  const a = loadRawData(config(plain, { header: true }));
  const b = loadRawData(config(quoted, { header: true }));
  assert.deepEqual(a, b);
  assert.deepEqual(a.classes, ['a', 'b']);
  const numeric = loadRawData(config(csv('1,2,10\n3,4,2.0\n5,6,2\n')));
  assert.deepEqual(numeric.classes, ['2', '10']);
  assert.deepEqual([...numeric.y], [1, 0, 0]);
});

test('prepared-data cache: a second load gives the same arrays from the cache, on shared memory', async () => {
  const store = mkdtempSync(join(tmpdir(), 'hpo-prepared-'));
  const cfg = config(csv(Array.from({ length: 40 }, (_, i) => `${i},${(i * 7) % 5},${i % 2}`).join('\n') + '\n'), { scale: 'standard' });
  const first = await loadPreparedData(cfg, { storeRoot: store });
  const second = await loadPreparedData(cfg, { storeRoot: store });
  assert.equal(first.from, 'source');
  assert.equal(second.from, 'cache');
  assert.deepEqual(second.dataset, prepareDataset(cfg));
  assert.ok(second.dataset.xTrain.buffer instanceof SharedArrayBuffer);
  // Another fit, scaling or split seed is another entry.
  assert.notEqual(preparedKey(cfg, 'full'), preparedKey(cfg, 'train'));
  assert.notEqual(preparedKey({ ...cfg, scale: 'minmax' }, 'train'), preparedKey(cfg, 'train'));
  assert.notEqual(preparedKey({ ...cfg, validation: { ...cfg.validation, seed: 1 } }, 'train'), preparedKey(cfg, 'train'));
  const full = await loadPreparedData(cfg, { storeRoot: store, fit: 'full' });
  assert.equal(full.from, 'source');
  assert.deepEqual(full.dataset, prepareDataset(cfg, { fit: 'full' }));
});

test('prepared-data cache: a changed file misses, a damaged entry is ignored with a warning', async () => {
  const store = mkdtempSync(join(tmpdir(), 'hpo-prepared-'));
  const path = csv('1,0\n2,1\n3,0\n4,1\n5,0\n6,1\n7,0\n8,1\n');
  const cfg = config(path);
  const before = preparedKey(cfg, 'train');
  await loadPreparedData(cfg, { storeRoot: store });
  writeFileSync(path, '1,0\n2,1\n3,0\n4,1\n5,0\n6,1\n7,0\n9,1\n');
  // fileHash memoises on (mtime, size): same size, so make sure the mtime moved.
  const later = new Date(Date.now() + 5000);
  (await import('node:fs')).utimesSync(path, later, later);
  assert.notEqual(preparedKey(cfg, 'train'), before);
  assert.equal((await loadPreparedData(cfg, { storeRoot: store })).from, 'source');

  const key = preparedKey(cfg, 'train');
  const dir = join(store, 'prepared', key.slice(0, 2), key);
  assert.deepEqual(readdirSync(dir).sort(), ['arrays.bin', 'meta.json']);
  writeFileSync(join(dir, 'arrays.bin'), Buffer.alloc(3));
  const warnings: string[] = [];
  assert.equal(new PreparedDataCache(store, (m) => warnings.push(m)).get(key), undefined);
  assert.match(warnings[0] ?? '', /ignoring damaged entry .*arrays\.bin has 3 bytes/);
  const again = await loadPreparedData(cfg, { storeRoot: store });
  assert.equal(again.from, 'source');
  assert.equal((await loadPreparedData(cfg, { storeRoot: store })).from, 'cache');
});

test('fast path on a file, a small window at a time: the same as on the whole bytes (lines across windows, BOM, CRLF, text labels)', () => {
  const label = (n: number) => n - 1;
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.double({ min: -1e3, max: 1e3, noNaN: true }), fc.integer({ min: -50, max: 50 }), fc.constantFrom('0', '1', 'cat', 'dog', '2.5')), { minLength: 1, maxLength: 40 }),
      fc.boolean(),
      fc.boolean(),
      fc.boolean(),
      fc.integer({ min: 8, max: 200 }),
      fc.nat(2),
      (rows, header, crlf, bom, windowBytes, trailing) => {
        const eol = crlf ? '\r\n' : '\n';
        const text = (header ? `a,b,y${eol}` : '') + rows.map(([a, b, y]) => `${a},${b},${y}`).join(eol) + eol.repeat(trailing);
        const path = csv((bom ? '\ufeff' : '') + text);
        const whole = parseNumericCsv(Buffer.from(text), { header }, label);
        const windowed = parseNumericCsvFile(path, { header, windowBytes }, label);
        // A window shorter than a line steps aside; otherwise the very same result.
        const longest = Math.max(...text.split('\n').map((l) => l.length + 1));
        if (windowBytes < longest && windowed === undefined) return;
        assert.deepEqual(windowed, whole);
      },
    ),
    { numRuns: 300 },
  );
});

test('numeric labels: encodeNumericClasses gives the classes and indexes encodeClasses gives for their text (few and many classes)', () => {
  const values = fc.oneof(
    fc.array(fc.constantFrom(0, -0, 1, 2, 2.5, -1, 10), { maxLength: 60 }),
    fc.array(fc.integer({ min: -40, max: 40 }), { maxLength: 200 }),
    fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { maxLength: 40 }),
  );
  fc.assert(
    fc.property(values, (v) => {
      const numeric = encodeNumericClasses(Float64Array.from(v));
      const text = encodeClasses(v.map((x) => String(x)));
      assert.deepEqual(numeric.classes, text.classes);
      assert.deepEqual([...numeric.index], [...text.index]);
    }),
    { numRuns: 300 },
  );
});

test('fast path on arbitrary CSV-like text: it steps aside, or reads every feature and label as the general reader does', () => {
  // Numbers written any way, and now and then a field of number-ish characters, a space, a letter, a quote or a CR.
  const char = fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom('0', '1', '2', '5', '7', '9') },
    { weight: 4, arbitrary: fc.constantFrom('.', '-', '+', 'e', 'E') },
    { weight: 1, arbitrary: fc.constantFrom(' ', 'x', '"', '\r', ',', '\n') },
  );
  const field = fc.oneof({ weight: 10, arbitrary: numberText }, { weight: 1, arbitrary: fc.array(char, { maxLength: 8 }).map((c) => c.join('')) });
  const csvText = fc.integer({ min: 2, max: 4 }).chain((width) =>
    fc.tuple(fc.array(fc.array(field, { minLength: width, maxLength: width }), { minLength: 1, maxLength: 6 }), fc.constantFrom('\n', '\r\n'), fc.nat(2)),
  ).map(([rows, eol, trailing]) => rows.map((r) => r.join(',')).join(eol) + eol.repeat(trailing));
  let read = 0;
  fc.assert(
    fc.property(csvText, (text) => {
      const fast = parseNumericCsv(Buffer.from(text), { header: false, delimiter: ',' }, (n) => n - 1);
      if (!fast) return;
      read++;
      const rows = parseCsv(text, { delimiter: ',' }).rows.filter((r) => !(r.length === 1 && r[0] === ''));
      assert.equal(rows.length, fast.n, JSON.stringify(text));
      const number = (f: string) => (f.trim() === '' ? NaN : Number(f.trim()));
      const features = rows.flatMap((r) => r.slice(0, -1).map(number));
      assert.equal(fast.x.length, features.length, JSON.stringify(text));
      features.forEach((v, i) => assert.ok(Object.is(fast.x[i], Math.fround(v)), `${JSON.stringify(text)}: feature ${i} is ${fast.x[i]}, Number says ${v}`));
      const labels = rows.map((r) => r[r.length - 1]!);
      if (fast.labelValues) assert.deepEqual([...fast.labelValues], labels.map(number), JSON.stringify(text));
      else assert.deepEqual(fast.labelTexts, labels.map((l) => l.trim()), JSON.stringify(text));
    }),
    { numRuns: 2000, seed: 15 },
  );
  // Enough of the texts must be read by the fast path for the comparison to mean something.
  assert.ok(read > 200, `the fast path read only ${read} of 2000 texts`);
});
