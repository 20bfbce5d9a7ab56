/**
 * Parameter importance by PED-ANOVA (Watanabe, Bansal & Hutter, "PED-ANOVA: Efficiently Quantifying
 * Hyperparameter Importance in Arbitrary Subspaces", IJCAI 2023), the method optuna-dashboard shows.
 *
 * A parameter matters when the good trials sit somewhere particular in its range: for each parameter
 * we estimate its 1-D density among the top `quantile` of complete trials and among all complete
 * trials (Parzen estimators with Scott's bandwidth on a grid over the parameter's range, on the log
 * scale for log parameters), and measure how far apart they are with the Pearson divergence
 *   D = sum_x p_all(x) * (p_top(x) / p_all(x) - 1)^2.
 * Importances are the divergences normalised to sum to 1.
 *
 * Why PED-ANOVA and not fANOVA on a random forest (Optuna's default): it is closed-form and
 * deterministic (no forest, no seed), depends only on the ranks of the objective (robust to its
 * scale and outliers), and costs O(trials x grid) per parameter, so the report can recompute it after
 * every finished trial even for 10,000-trial studies.
 */
import type { ParamAxis, Value } from './scale';

export interface ImportanceTrial {
  params: Record<string, Value>;
  value: number;
}

export interface Importance {
  name: string;
  /** Share of the total divergence, in [0, 1]; the importances of a study sum to 1 (or all are 0). */
  importance: number;
}

export interface ImportanceResult {
  method: string;
  /** Sorted most important first (ties by name); empty when there are too few trials. */
  values: Importance[];
  /** Complete trials used, and how many of them formed the top group. */
  trials: number;
  top: number;
  /** Why nothing was computed, when `values` is empty. */
  reason?: string;
}

export const IMPORTANCE_METHOD = 'PED-ANOVA';
/** The share of complete trials that counts as good (optuna-dashboard's default 0.1). */
export const DEFAULT_QUANTILE = 0.1;
const GRID = 50;
const MIN_TRIALS = 4;

export function pedAnova(
  params: readonly ParamAxis[],
  trials: readonly ImportanceTrial[],
  direction: 'minimize' | 'maximize',
  quantile = DEFAULT_QUANTILE,
): ImportanceResult {
  const usable = trials.filter((t) => Number.isFinite(t.value));
  const base = { method: IMPORTANCE_METHOD, trials: usable.length };
  if (usable.length < MIN_TRIALS) {
    return { ...base, values: [], top: 0, reason: `needs at least ${MIN_TRIALS} complete trials (has ${usable.length})` };
  }
  if (params.length === 0) return { ...base, values: [], top: 0, reason: 'the search space has no parameters' };
  const sign = direction === 'maximize' ? -1 : 1;
  // Best first; ties broken by original position so the result does not depend on sort stability.
  const order = usable.map((t, i) => i).sort((a, b) => sign * ((usable[a] as ImportanceTrial).value - (usable[b] as ImportanceTrial).value) || a - b);
  const top = Math.min(usable.length - 1, Math.max(2, Math.round(quantile * usable.length)));
  const topTrials = order.slice(0, top).map((i) => usable[i] as ImportanceTrial);
  const raw = params.map((p) => {
    const all = coordinates(p, usable);
    const good = coordinates(p, topTrials);
    return { name: p.name, d: pearsonDivergence(density(p, good.coords, good.size), density(p, all.coords, all.size)) };
  });
  const total = raw.reduce((s, r) => s + r.d, 0);
  const values = raw
    .map((r) => ({ name: r.name, importance: total > 0 ? r.d / total : 0 }))
    .sort((a, b) => b.importance - a.importance || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { ...base, values, top };
}

/** Each trial's position on the parameter's grid axis: [0, 1] for numbers, the choice index for categories. */
function coordinates(p: ParamAxis, trials: readonly ImportanceTrial[]): { coords: number[]; size: number } {
  if (p.type === 'categorical') {
    const choices = (p.choices ?? []).map(String);
    const coords = trials.map((t) => choices.indexOf(String(t.params[p.name]))).filter((i) => i >= 0);
    return { coords, size: Math.max(1, choices.length) };
  }
  const lo = p.low ?? 0;
  const hi = p.high ?? 1;
  const log = p.log === true && lo > 0;
  const a = log ? Math.log(lo) : lo;
  const b = log ? Math.log(hi) : hi;
  const coords: number[] = [];
  for (const t of trials) {
    const v = t.params[p.name];
    if (typeof v !== 'number' || !Number.isFinite(v)) continue;
    const x = log ? Math.log(v) : v;
    coords.push(b > a ? Math.min(1, Math.max(0, (x - a) / (b - a))) : 0.5);
  }
  return { coords, size: GRID };
}

/** The share of uniform density mixed into every estimate, so no grid cell has zero density. */
const PRIOR = 0.01;

/**
 * A discrete density over the parameter's grid: a Gaussian kernel per trial with Scott's bandwidth
 * (categories: counts), mixed with a little uniform density. The mix is a fixed share, not a
 * pseudo-trial, so two groups of trials with the same spread get the same density whatever their sizes.
 */
export function density(p: ParamAxis, coords: readonly number[], size: number): number[] {
  const cells = new Array<number>(size).fill(0);
  if (p.type === 'categorical') {
    for (const c of coords) cells[c] = (cells[c] ?? 0) + 1;
  } else if (coords.length > 0) {
    const n = coords.length;
    const mean = coords.reduce((s, c) => s + c, 0) / n;
    const sd = Math.sqrt(coords.reduce((s, c) => s + (c - mean) ** 2, 0) / n);
    const step = 1 / (size - 1);
    const h = Math.max(step, 1.059 * sd * n ** -0.2);
    const w = new Array<number>(size);
    for (const c of coords) {
      let sum = 0;
      for (let i = 0; i < size; i++) {
        const z = (i * step - c) / h;
        w[i] = Math.exp(-0.5 * z * z);
        sum += w[i] as number;
      }
      // Each trial contributes a total mass of 1 however close to an edge it is.
      for (let i = 0; i < size; i++) cells[i] = (cells[i] as number) + (w[i] as number) / sum;
    }
  }
  const n = coords.length;
  return cells.map((c) => (n > 0 ? (1 - PRIOR) * (c / n) : 0) + (n > 0 ? PRIOR : 1) / size);
}

/** sum p_all * (p_top / p_all - 1)^2 over the grid. */
export function pearsonDivergence(pTop: readonly number[], pAll: readonly number[]): number {
  let d = 0;
  for (let i = 0; i < pAll.length; i++) {
    const q = pAll[i] as number;
    const r = (pTop[i] as number) / q - 1;
    d += q * r * r;
  }
  return d;
}
