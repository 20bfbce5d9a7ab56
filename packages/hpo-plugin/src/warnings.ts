/**
 * Warnings that never stop a sweep but must never be silent either (a trial the store could not
 * keep, a remote cache that answers 5xx, a worker thread's error, a pruning decision that timed
 * out): each kind is said once per run, as one line, with what it means for the results.
 */
export type Warn = (message: string, kind?: string) => void;

export class Warnings {
  private readonly said = new Set<string>();

  constructor(private readonly print: (line: string) => void) {}

  /** Says `message` unless a warning of the same kind (default: the same message) was said this run. */
  readonly warn: Warn = (message, kind = message) => {
    if (this.said.has(kind)) return;
    this.said.add(kind);
    this.print(message.startsWith('warning: ') ? message : `warning: ${message}`);
  };
}

/** An error's message with its errno code, for a warning line. */
export function describeError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  const message = e instanceof Error ? e.message : String(e);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
