/**
 * How error messages show the user's own text (a value from tune.yaml, a CSV cell, a column name,
 * a command-line argument): on one line, and short. Control characters and line breaks are
 * escaped (`\n`, `\t`, `\x00`, `\u2028`) and a long value keeps its start and end around `…`, so
 * a binary file given as tune.yaml or a 10 kB string still gives one readable line.
 */

/** Longest quoted text, in characters, before it is shortened. */
export const QUOTE_MAX = 60;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** C0 and C1 controls, DEL, and the Unicode line and paragraph separators. */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

function escapeChar(c: string): string {
  const named = NAMED[c];
  if (named !== undefined) return named;
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `s` with every control character and line break escaped (nothing else changes). */
export function escapeControls(s: string): string {
  return s.replace(UNPRINTABLE, escapeChar);
}

/** `s` cut to its first and last code points around `…` when it has more than `max`; or undefined. */
function shortened(s: string, max: number): { start: string; end: string } | undefined {
  // Only the ends are split into code points, so a 10 MB value costs no more than a short one,
  // and a shortened value never ends in half a surrogate pair.
  const head = Array.from(s.slice(0, 2 * max + 2));
  if (head.length <= max) return undefined;
  const keepEnd = Math.floor((max - 1) / 3);
  const tail = keepEnd > 0 ? Array.from(s.slice(-2 * keepEnd - 2)).slice(-keepEnd) : [];
  return { start: head.slice(0, max - 1 - keepEnd).join(''), end: tail.join('') };
}

/**
 * `s` escaped and, beyond `max` characters (code points), shortened to its start and end around
 * `…`. Without quotes: for text that reads as itself, such as a file path.
 */
export function escapeText(s: string, max = QUOTE_MAX): string {
  const cut = shortened(s, max);
  return cut ? `${escapeControls(cut.start)}…${escapeControls(cut.end)}` : escapeControls(s);
}

/**
 * The user's text in single quotes for an error message: escaped, and shortened beyond `max`
 * characters with its full length said (`'abc…xyz' (10000 characters)`).
 */
export function quote(s: string, max = QUOTE_MAX): string {
  const cut = shortened(s, max);
  if (!cut) return `'${escapeControls(s)}'`;
  return `'${escapeControls(cut.start)}…${escapeControls(cut.end)}' (${Array.from(s).length} characters)`;
}

/** Longest file path shown in a message (paths read better long than values do). */
export const PATH_MAX = 120;

/** Longest error message of someone else's code (a model module's `build()`) quoted in ours. */
export const MESSAGE_MAX = 300;
