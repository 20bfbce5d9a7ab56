/**
 * How executors end: a user-caused error is one line on stderr (no stack trace); anything else is
 * our bug and keeps its stack behind `verbose`.
 */
import type { TuneConfig } from '../config/types';
import { isUserError, UserError } from '../errors';

/** Gives an error raised with only a config path (e.g. `data.label`) the YAML file, line and column. */
export function locateInConfig(e: unknown, config: TuneConfig | undefined): unknown {
  if (!config || !isUserError(e) || e.location.file || !e.location.path) return e;
  const where = config.locate(e.location.path.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p)));
  return new UserError(e.message, where);
}

export function reportFailure(e: unknown, verbose: boolean | undefined): { success: false } {
  if (isUserError(e)) {
    console.error(e.format());
  } else if (verbose) {
    console.error(e);
  } else {
    const message = e instanceof Error ? e.message : String(e);
    console.error(`error: ${message} (internal error; run with --verbose for the stack trace)`);
  }
  return { success: false };
}
