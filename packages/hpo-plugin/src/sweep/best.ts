/**
 * Which trial is best, ties included. Small validation splits make exact ties common (several
 * trials at val_accuracy = 1), so ties are broken by a documented rule instead of finishing order:
 *
 *   1. the objective, in its direction;
 *   2. the objective's companion metric (val_accuracy ↔ val_loss, accuracy ↔ loss, val_mae → val_loss,
 *      mae → loss), in its own direction — the finer-grained of the two breaks the tie;
 *   3. the earlier trial (smaller id).
 */
import { lossOf, type Direction } from '@nx-hpo/optimizers';

/** What ranking needs of a trial record (outputs.ts's Ranked has all of it). */
export interface Ranked {
  id: number;
  state: string;
  value?: number;
  metrics?: Record<string, number>;
}

export interface Objective {
  metric: string;
  direction: Direction;
}

const COMPANION: Record<string, Objective> = {
  val_accuracy: { metric: 'val_loss', direction: 'minimize' },
  val_loss: { metric: 'val_accuracy', direction: 'maximize' },
  accuracy: { metric: 'loss', direction: 'minimize' },
  loss: { metric: 'accuracy', direction: 'maximize' },
  val_mae: { metric: 'val_loss', direction: 'minimize' },
  mae: { metric: 'loss', direction: 'minimize' },
};

/** The metric that breaks ties of `metric`, if any. */
export function companionOf(metric: string): Objective | undefined {
  return COMPANION[metric];
}

/** A missing or non-finite metric ranks after every finite one. */
function lossOrWorst(value: number | undefined, direction: Direction): number {
  return value !== undefined && Number.isFinite(value) ? lossOf(value, direction) : Infinity;
}

/** Negative when complete trial `a` is better than `b` under the tie-break rule above. */
export function compareComplete(a: Ranked, b: Ranked, objective: Objective): number {
  const primary = lossOrWorst(a.value, objective.direction) - lossOrWorst(b.value, objective.direction);
  if (primary !== 0 && !Number.isNaN(primary)) return primary;
  const companion = companionOf(objective.metric);
  if (companion) {
    const second = lossOrWorst(a.metrics?.[companion.metric], companion.direction) - lossOrWorst(b.metrics?.[companion.metric], companion.direction);
    if (second !== 0 && !Number.isNaN(second)) return second;
  }
  return a.id - b.id;
}

/** How the best trial was chosen among those sharing its value, for best.json. */
export interface TieBreak {
  /** Every complete trial with the best value, best first. */
  trials: number[];
  /** What put the best ahead of the runner-up: the companion metric, or the trial id when that tied too. */
  by: string;
}

/** The tie the best trial won, or undefined when its value is unique. */
export function tieBreakOf(best: Ranked, records: readonly Ranked[], objective: Objective): TieBreak | undefined {
  const tied = records.filter((r) => r.state === 'complete' && r.value === best.value).sort((a, b) => compareComplete(a, b, objective));
  if (tied.length < 2) return undefined;
  const companion = companionOf(objective.metric);
  const [first, second] = tied as [Ranked, Ranked];
  const companionDecided =
    companion !== undefined &&
    lossOrWorst(first.metrics?.[companion.metric], companion.direction) !== lossOrWorst(second.metrics?.[companion.metric], companion.direction);
  return { trials: tied.map((r) => r.id), by: companionDecided && companion ? companion.metric : 'trial id' };
}
