/**
 * Errors a user can cause (bad YAML, bad data, bad options). Executors print them as one line,
 * `file:line:col: path: message`, with no stack trace; anything else is our bug. Messages show the
 * user's text through `quote` (quote.ts); `format` escapes whatever line break is left, so the line
 * stays one line whatever reached it (an error message from a user's module, say).
 */
import { escapeControls } from './quote';

export interface SourceLocation {
  file?: string;
  line?: number;
  col?: number;
  /** Dotted path inside the config, e.g. `space.lr` or `data.label`. */
  path?: string;
}

export class UserError extends Error {
  readonly location: SourceLocation;

  constructor(message: string, location: SourceLocation = {}) {
    super(message);
    this.name = 'UserError';
    this.location = location;
  }

  /** `file:line:col: path: message`, leaving out the parts that are unknown. */
  format(): string {
    const { file, line, col, path } = this.location;
    let where = file ?? '';
    if (file && line !== undefined) where += `:${line}`;
    if (file && line !== undefined && col !== undefined) where += `:${col}`;
    const parts = [where, path, this.message].filter((p) => p !== undefined && p !== '');
    return escapeControls(parts.join(': '));
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError || (typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'UserError' && 'location' in e);
}
