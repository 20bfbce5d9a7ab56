/**
 * The vocabulary shared by the study and every sampler. Kept free of behaviour so that
 * samplers depend on these shapes only, never on each other or on the Study class.
 */
import type { Rng } from './rng';

export type ParamValue = number | string | boolean;
export type Params = Record<string, ParamValue>;

/** A continuous parameter. `step` or `values` make it discrete (needed for grid search). */
export interface FloatParam {
  type: 'float';
  low: number;
  high: number;
  log?: boolean;
  step?: number;
  values?: number[];
  default?: number;
}

/** An integer parameter; `log` samples on a log scale and then rounds. */
export interface IntParam {
  type: 'int';
  low: number;
  high: number;
  log?: boolean;
  step?: number;
  values?: number[];
  default?: number;
}

export interface CategoricalParam {
  type: 'categorical';
  choices: ParamValue[];
  default?: ParamValue;
}

export type ParamSpec = FloatParam | IntParam | CategoricalParam;

/** Parameter name → its spec. Iteration order (insertion order) is the canonical order. */
export type Space = Record<string, ParamSpec>;

export type Direction = 'minimize' | 'maximize';

/** `running` trials were asked but not yet told: samplers treat them as pending. */
export type TrialState = 'running' | 'complete' | 'failed' | 'pruned';

export interface Trial {
  id: number;
  params: Params;
  state: TrialState;
  /** Objective value as the user reported it (not sign-flipped). Set for complete and pruned trials. */
  value?: number;
  error?: string;
  /** Intermediate reports (step, value), in the order they were made. */
  intermediate: Array<[step: number, value: number]>;
  /** The sampler that proposed this trial: the algorithm's name, or a portfolio member's (auto). */
  sampler?: string;
  /**
   * CPU milliseconds the sampler spent proposing this trial (wall-clock where the runtime has no
   * CPU clock), recorded only for samplers that decide
   * from their own cost (`usesCosts`), so that a replay or a resumed study decides from the same numbers.
   */
  askMs?: number;
  /** Milliseconds the trial's evaluation took, when the caller told it (tell's `durationMs`). */
  durationMs?: number;
}

/** What a sampler sees when asked for the next point. */
export interface SamplerContext {
  space: Space;
  direction: Direction;
  /** Every trial so far in id order, including `running` ones (pending evaluations). */
  trials: readonly Trial[];
  /** Id of the trial being asked for. */
  trialId: number;
  /** A generator derived from (study seed, trialId): the only source of randomness allowed. */
  rng: Rng;
  /** The study's planned number of trials, when the caller gave one (StudyConfig.budget). */
  budget?: number;
  /** How many trials are evaluated at once (StudyConfig.parallelism); 1 when absent. */
  parallelism?: number;
  /**
   * The member that proposed this trial in a recorded run (a journal replay): a portfolio (auto)
   * asks that member instead of deciding anew, so a replay never depends on measured times.
   */
  proposer?: string;
}

/** A proposal and the name of the sampler that made it. */
export interface Suggestion {
  params: Params;
  sampler: string;
}

/** What a sampler sees when a trial finishes. */
export type ObserveContext = Omit<SamplerContext, 'rng' | 'trialId' | 'budget' | 'parallelism' | 'proposer'>;

/**
 * One search algorithm. `suggest` must be a pure function of its context and the sampler's own
 * state, so the same seed and the same told values give the same suggestions.
 */
export interface Sampler {
  readonly name: string;
  suggest(ctx: SamplerContext): Params;
  /**
   * Like suggest, naming the sampler that made the proposal (a portfolio's member). The study calls
   * this instead of suggest when it exists; without it the proposer is the sampler's own name.
   */
  propose?(ctx: SamplerContext): Suggestion;
  /**
   * True when the sampler decides from measured costs: the study then records each ask's duration
   * on the trial (Trial.askMs), so that a resumed or replayed study sees the same numbers.
   */
  readonly usesCosts?: boolean;
  /** The suggestion made for `trialId` will not be evaluated (a portfolio picked another member's). */
  discard?(trialId: number): void;
  /** Called when a trial is told (complete, failed or pruned); samplers that learn online update here. */
  observe?(trial: Trial, ctx: ObserveContext): void;
  /** Number of distinct points this sampler can ever propose (grid), or undefined when unbounded. */
  capacity?(space: Space): number | undefined;
  /** JSON-serialisable learned state (e.g. a Q-table); restored with `loadState`. */
  saveState?(): unknown;
  loadState?(state: unknown): void;
}

/** A value to minimise: the objective with the direction folded in. */
export function lossOf(value: number, direction: Direction): number {
  return direction === 'minimize' ? value : -value;
}

/** Algorithm options as read from a config: a plain JSON mapping, checked by each factory. */
export type SamplerOptions = Record<string, unknown>;

/** A JSON-style mapping (not null, not an array): the shape of a space, a spec or options. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
