/**
 * `@nx-hpo/plugin:train` — train one configuration of a tune.yaml and save the model: the space's
 * defaults, given parameters, or (`params: best`) the winner of the tune target.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { defaultParams, type Params } from '@nx-hpo/optimizers';
import { loadTuneConfig, parseParamOverrides } from '../../config';
import type { TuneConfig } from '../../config/types';
import { describePrepared, loadPreparedData } from '../../data/prepare';
import { UserError } from '../../errors';
import { selectBackend } from '../../training/backend';
import { writeModel } from '../../training/save';
import type { EpochLog } from '../../training/train';
import { formatDuration, formatValue } from '../../sweep/format';
import { runTrial } from '../../sweep/trial';
import { trainingSeed } from '../../sweep/runner';
import { storeRoot } from '../tune/executor';
import { locateInConfig, reportFailure } from '../user-errors';
import type { TrainExecutorOptions } from './schema';

export default async function trainExecutor(
  options: TrainExecutorOptions,
  context: ExecutorContext,
): Promise<{ success: boolean }> {
  let config: TuneConfig | undefined;
  try {
    const file = isAbsolute(options.config) ? options.config : join(context.root, options.config);
    config = loadTuneConfig(file);
    const chosen = chooseParams(options, context, config);
    const params = { ...defaultParams(config.space), ...chosen.params };
    const seed = options.seed ?? trainingSeed(config);
    const fit = options.fit ?? 'train';
    const prepared = await loadPreparedData(config.data, { fit, storeRoot: storeRoot({}, config, context.root), warn: (m) => console.warn(`warning: ${m}`) });
    console.log(describePrepared(prepared));
    const dataset = prepared.dataset;
    const backend = await selectBackend(options.backend ?? 'auto');
    console.log(`backend: ${backend.backend}${backend.fallbackReason ? ` (${backend.fallbackReason})` : ''}`);
    console.log(`training ${chosen.source}: ${JSON.stringify(params)}`);
    console.log(`seed ${seed}, fit ${fit}: ${dataset.nTrain} training rows${dataset.nVal ? `, ${dataset.nVal} validation rows` : ''}`);
    const epochs = (config.training as { epochs?: number }).epochs;
    const run = await runTrial({ config, dataset, params, seed, backend, requireObjective: fit !== 'full', onEpoch: (log) => console.log(epochLine(log, epochs)) });
    const outputDir = join(context.root, options.outputPath ?? trainOutput(context, config));
    mkdirSync(outputDir, { recursive: true });
    writeModel(outputDir, run.model);
    const metrics = {
      params,
      source: chosen.source,
      seed,
      fit,
      backend: backend.backend,
      objective: { metric: config.objective.metric, direction: config.objective.direction, value: run.value ?? null },
      final: run.final,
      epochs: run.history,
    };
    writeFileSync(join(outputDir, 'metrics.json'), JSON.stringify(metrics, null, 2) + '\n');
    const summary = run.value === undefined ? '' : `${config.objective.metric}=${formatValue(run.value)}  `;
    console.log(`${summary}model and metrics.json written to ${relative(context.root, outputDir) || '.'}`);
    return { success: true };
  } catch (e) {
    return reportFailure(locateInConfig(e, config), options.verbose);
  }
}

/** Without `outputPath`: the train target's own folder (`output:` in the YAML is the tune target's). */
function trainOutput(context: ExecutorContext, config: TuneConfig): string {
  if (context.projectName && context.targetName) return join('dist', 'hpo', context.projectName, context.targetName);
  return relative(context.root, join(config.dir, 'dist', 'hpo', 'train'));
}

/** Which parameters to train: the tune target's best, the given ones, or none (defaults). */
function chooseParams(options: TrainExecutorOptions, context: ExecutorContext, config: TuneConfig): { params: Params; source: string } {
  if (options.params !== 'best') {
    const given = parseParamOverrides(options.params, config.space);
    return { params: given, source: Object.keys(given).length ? 'given parameters' : 'default parameters' };
  }
  const tuneTarget = options.tuneTarget ?? (context.targetName ?? 'train').replace(/^train/, 'tune');
  const project = context.projectName ? context.projectsConfigurations?.projects[context.projectName] : undefined;
  const tuneOptions = (project?.targets?.[tuneTarget]?.options ?? {}) as { outputPath?: string };
  const tuneOutput =
    tuneOptions.outputPath ?? config.output ?? join('dist', 'hpo', context.projectName ?? 'project', tuneTarget);
  const bestFile = join(context.root, tuneOutput, 'best.json');
  if (!existsSync(bestFile)) {
    throw new UserError(
      `params: best needs ${relative(context.root, bestFile)}, which does not exist: run \`nx run ${context.projectName}:${tuneTarget}\` first (the inferred train target depends on it)`,
    );
  }
  const best = JSON.parse(readFileSync(bestFile, 'utf8')) as { trial?: number; params?: Record<string, unknown> };
  if (!best.params) throw new UserError(`${relative(context.root, bestFile)} holds no params`);
  // Checked against the current space: a stale best.json from an edited space is an error, not a guess.
  const params = parseParamOverrides(best.params, config.space);
  return { params, source: `best trial ${best.trial ?? '?'} of ${tuneTarget}` };
}

function epochLine(log: EpochLog, epochs: number | undefined): string {
  const metrics = Object.entries(log)
    .filter(([k, v]) => !['epoch', 'durationMs', 'lr'].includes(k) && typeof v === 'number')
    .map(([k, v]) => `${k}=${formatValue(v as number)}`)
    .join(' ');
  return `epoch ${log.epoch}${epochs ? `/${epochs}` : ''}  ${metrics}  lr=${formatValue(log.lr)}  ${formatDuration(log.durationMs)}`;
}
