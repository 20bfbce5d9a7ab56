/**
 * Compares two algorithms run by bench/optimizers.ts on many seeds, where the medians of ten seeds
 * are too noisy to rank samplers this close:
 *
 *   npx tsx packages/optimizers/bench/optimizers.ts --algorithms auto --trials 25 --seeds 0-39 --no-cost --out a.json
 *   npx tsx packages/optimizers/bench/optimizers.ts --algorithms bayesian --trials 25 --seeds 0-39 --no-cost --out b.json
 *   npx tsx packages/optimizers/bench/compare-runs.ts a.json:auto b.json:bayesian
 *
 * (FILE:ALGORITHM picks one algorithm's runs from a file; both default to the file's only one.)
 * Per function: both medians; one-sided Mann–Whitney p each way; which side has the lower median
 * in each block of ten seeds (0–9, 10–19, …: what one run of the protocol would see); and
 * the share of seeds whose best beats the best Optuna sampler's 50-trial median. The sum of those
 * shares is the expected number of functions on which one seed beats Optuna.
 */
import { readFileSync } from 'node:fs';
import { bestOptuna, mannWhitneyGreater, median, OPTUNA_REFERENCE } from './optimizers';

interface Run {
  function: string;
  algorithm: string;
  seed: number;
  best: number;
}

function load(arg: string): { label: string; runs: Run[] } {
  const [file, wanted] = arg.split(':') as [string, string | undefined];
  const runs = (JSON.parse(readFileSync(file, 'utf8')) as { runs: Run[] }).runs;
  const algorithms = [...new Set(runs.map((r) => r.algorithm))];
  const algorithm = wanted ?? algorithms[0];
  if (wanted === undefined && algorithms.length > 1) throw new Error(`${file} holds ${algorithms.join(', ')}: name one as ${file}:ALGORITHM`);
  return { label: `${algorithm} (${file})`, runs: runs.filter((r) => r.algorithm === algorithm).sort((a, b) => a.seed - b.seed) };
}

function main(): void {
  const [argA, argB] = process.argv.slice(2);
  if (!argA || !argB) throw new Error('usage: compare-runs.ts A.json[:algorithm] B.json[:algorithm]');
  const a = load(argA);
  const b = load(argB);
  console.log(`A = ${a.label}\nB = ${b.label}\n`);
  console.log('| function | seeds | A median | B median | p (A worse) | p (B worse) | lower median per 10 seeds | A beats best Optuna | B beats best Optuna |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  let shareA = 0;
  let shareB = 0;
  for (const fn of [...new Set(a.runs.map((r) => r.function))]) {
    const seeds = new Set(b.runs.filter((r) => r.function === fn).map((r) => r.seed));
    const va = a.runs.filter((r) => r.function === fn && seeds.has(r.seed)).map((r) => r.best);
    const vb = b.runs.filter((r) => r.function === fn && seeds.has(r.seed)).map((r) => r.best);
    if (va.length === 0 || va.length !== vb.length) continue;
    const ref = OPTUNA_REFERENCE[fn];
    const target = ref ? bestOptuna(ref) : undefined;
    const share = (v: number[]): number => (target === undefined ? NaN : v.filter((x) => x < target).length / v.length);
    shareA += share(va);
    shareB += share(vb);
    const blocks = Array.from({ length: Math.floor(va.length / 10) }, (_, k) =>
      median(va.slice(k * 10, k * 10 + 10)) < median(vb.slice(k * 10, k * 10 + 10)) ? 'A' : 'B',
    ).join('');
    const fmt = (x: number): string => x.toPrecision(5);
    console.log(
      `| ${fn} | ${va.length} | ${fmt(median(va))} | ${fmt(median(vb))} | ${mannWhitneyGreater(va, vb).toFixed(3)} | ${mannWhitneyGreater(vb, va).toFixed(3)} | ${blocks} | ${share(va).toFixed(2)} | ${share(vb).toFixed(2)} |`,
    );
  }
  console.log(`\nExpected functions on which one seed beats the best Optuna sampler: A ${shareA.toFixed(2)}, B ${shareB.toFixed(2)}`);
}

main();
