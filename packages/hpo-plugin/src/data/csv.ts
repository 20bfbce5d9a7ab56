/**
 * A small CSV reader for numeric training data: `.csv` or gzip-compressed `.csv.gz`, an optional
 * header row, simple RFC 4180 quoting (`"a,b"`, `""` for a quote, newlines inside quotes) and a
 * trailing newline. Errors are `UserError`s that name the file, line and column.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { UserError } from '../errors';
import { displayPath as displayPathOf } from '../display-path';
import { quote } from '../quote';

export interface ReadCsvOptions {
  /** The first row holds column names. */
  header?: boolean;
  /** Field separator; when omitted it is sniffed from the first line (`,` unless `\t` or `;` is clearly meant). */
  delimiter?: string;
  /** How the file is named in error messages (default: relative to the working directory when inside it). */
  displayPath?: string;
}

export interface CsvTable {
  header?: string[];
  /** Data rows (the header excluded), every one with the same number of fields. */
  rows: string[][];
  /** The file as named in error messages. */
  file: string;
  /** 1-based line and column where field `field` of data row `row` starts, for error messages. */
  locate(row: number, field: number): { line: number; col: number };
}

const SNIFFED_DELIMITERS = [',', '\t', ';'] as const;

export function readCsv(file: string, options: ReadCsvOptions = {}): CsvTable {
  const shown = options.displayPath ?? displayPathOf(file);
  return parseCsv(decodeCsvBytes(readCsvBytes(file, shown)), { ...options, displayPath: shown });
}

/** The file's bytes, gunzipped when it is gzip (by name or magic number); `shown` names it in errors. */
export function readCsvBytes(file: string, shown = displayPathOf(file)): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, not a file' : (e as Error).message;
    throw new UserError(`cannot read data file: ${why}`, { file: shown });
  }
  if (file.endsWith('.gz') || isGzip(bytes)) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new UserError(`not a valid gzip file: ${(e as Error).message}`, { file: shown });
    }
  }
  // A UTF-8 byte-order mark is not data.
  return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
}

/** The text of CSV bytes (UTF-8, without a byte-order mark). */
export function decodeCsvBytes(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Parses CSV text; `displayPath` names it in errors. */
export function parseCsv(text: string, options: ReadCsvOptions = {}): CsvTable {
  const file = options.displayPath ?? '<csv>';
  const delimiter = options.delimiter ?? sniffDelimiter(text);
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new UserError(`delimiter must be one character other than a quote or newline, got ${quote(delimiter)}`, {
      path: 'data.delimiter',
    });
  }
  const records = parseRecords(text, delimiter, file);

  // Blank lines at the end are a trailing newline or two; blank lines before data are a mistake.
  let end = records.length;
  while (end > 0 && isBlank(records[end - 1]!.fields)) end--;
  const kept = records.slice(0, end);

  let header: string[] | undefined;
  let first = 0;
  if (options.header) {
    const h = kept[0];
    if (!h) throw new UserError('the file is empty: expected a header row', { file, line: 1, col: 1 });
    if (isBlank(h.fields)) throw new UserError('empty header row', { file, line: h.line, col: 1 });
    header = h.fields.map((f) => f.trim());
    first = 1;
  }
  const expected = header?.length ?? kept[0]?.fields.length ?? 0;
  const rows: string[][] = [];
  const starts: Array<{ line: number; offset: number }> = [];
  for (let i = first; i < kept.length; i++) {
    const r = kept[i]!;
    if (isBlank(r.fields)) throw new UserError('empty row', { file, line: r.line, col: 1 });
    if (r.fields.length !== expected) {
      const what = header ? `the header has ${expected}` : `expected ${expected} like the first row`;
      throw new UserError(`row has ${r.fields.length} field${r.fields.length === 1 ? '' : 's'}, ${what}`, {
        file,
        line: r.line,
        col: 1,
      });
    }
    rows.push(r.fields);
    starts.push({ line: r.line, offset: r.offset });
  }

  const locate = (row: number, field: number): { line: number; col: number } => {
    const s = starts[row];
    if (!s) return { line: 1, col: 1 };
    return fieldPosition(text, s.offset, s.line, field, delimiter);
  };
  return header ? { header, rows, file, locate } : { rows, file, locate };
}

interface CsvRecord {
  fields: string[];
  /** 1-based line the record starts on. */
  line: number;
  /** Offset of its first character in the text. */
  offset: number;
}

function parseRecords(text: string, delimiter: string, file: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  const n = text.length;
  let i = 0;
  let line = 1;
  while (i < n) {
    const record: CsvRecord = { fields: [], line, offset: i };
    for (;;) {
      // One field.
      let value = '';
      if (text[i] === '"') {
        const openLine = line;
        const openOffset = i;
        i++;
        let closed = false;
        let chunkStart = i;
        while (i < n) {
          const c = text.charCodeAt(i);
          if (c === 34 /* " */) {
            value += text.slice(chunkStart, i);
            if (text[i + 1] === '"') {
              value += '"';
              i += 2;
              chunkStart = i;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (c === 10 /* \n */) line++;
          i++;
        }
        if (!closed) {
          throw new UserError('unterminated quoted field', { file, line: openLine, col: openOffset - lineStart(text, openOffset) + 1 });
        }
        // Anything between the closing quote and the delimiter is kept, as lenient readers do.
        const restStart = i;
        while (i < n && text[i] !== delimiter && text[i] !== '\n' && text[i] !== '\r') i++;
        value += text.slice(restStart, i);
      } else {
        const start = i;
        while (i < n && text[i] !== delimiter && text[i] !== '\n' && text[i] !== '\r') i++;
        value = text.slice(start, i);
      }
      record.fields.push(value);
      if (i < n && text[i] === delimiter) {
        i++;
        continue;
      }
      break;
    }
    // End of record: \n, \r\n, \r or end of text.
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    line++;
    records.push(record);
  }
  return records;
}

function isBlank(fields: string[]): boolean {
  return fields.length === 1 && fields[0]!.trim() === '';
}

function lineStart(text: string, i: number): number {
  const nl = text.lastIndexOf('\n', i - 1);
  return nl + 1;
}

/** Re-scans one record to find where a field starts (only needed for error messages). */
function fieldPosition(text: string, offset: number, line: number, field: number, delimiter: string): { line: number; col: number } {
  let i = offset;
  let col = 1;
  let inQuotes = false;
  let f = 0;
  while (i < text.length && f < field) {
    const c = text[i];
    if (inQuotes) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          i += 2;
          col += 2;
          continue;
        }
        inQuotes = false;
      } else if (c === '\n') {
        line++;
        col = 0;
      }
    } else if (c === '"') {
      inQuotes = true;
    } else if (c === delimiter) {
      f++;
    } else if (c === '\n' || c === '\r') {
      break;
    }
    i++;
    col++;
  }
  return { line, col };
}

/** `,` unless the first line has no comma but has tabs or semicolons outside quotes. */
export function sniffDelimiter(text: string): string {
  const counts = new Map<string, number>(SNIFFED_DELIMITERS.map((d) => [d, 0]));
  let inQuotes = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') inQuotes = !inQuotes;
    else if (!inQuotes && (c === '\n' || c === '\r')) {
      if ([...counts.values()].some((v) => v > 0)) break;
    } else if (!inQuotes && counts.has(c)) counts.set(c, counts.get(c)! + 1);
  }
  if (counts.get(',')! > 0) return ',';
  let best = ',';
  let bestCount = 0;
  for (const [d, c] of counts) {
    if (c > bestCount) {
      best = d;
      bestCount = c;
    }
  }
  return best;
}

function isGzip(bytes: Buffer): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

export { displayPathOf };
