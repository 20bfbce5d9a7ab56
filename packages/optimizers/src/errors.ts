/**
 * Errors of the library's own vocabulary, in a module of their own so that samplers and pruners can
 * throw them without importing the registry that imports them (no import cycle).
 */

/** A bad algorithm name or option; `path` locates it, e.g. `['algorithm']` or `['options', 'xi']`. */
export class AlgorithmError extends Error {
  readonly path: string[];

  constructor(message: string, path: string[] = []) {
    super(message);
    this.name = 'AlgorithmError';
    this.path = path;
  }
}
