/** `@nx-hpo/plugin:train` — train one configuration of a tune.yaml and save the model. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { defaultParams } from '@nx-hpo/optimizers';
import { loadTuneConfig, parseParamOverrides } from '../../config';
import type { TuneConfig } from '../../config/types';
import { prepareDataset } from '../../data/dataset';
import { selectBackend } from '../../training/backend';
import { writeModel } from '../../training/save';
import type { EpochLog } from '../../training/train';
import { formatDuration, formatValue } from '../../sweep/format';
import { runTrial } from '../../sweep/trial';
import { trainingSeed } from '../../sweep/runner';
import { defaultOutput } from '../tune/executor';
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
    const params = { ...defaultParams(config.space), ...parseParamOverrides(options.params, config.space) };
    const seed = options.seed ?? trainingSeed(config);
    const dataset = prepareDataset(config.data);
    const backend = await selectBackend(options.backend ?? 'auto');
    console.log(`backend: ${backend.backend}${backend.fallbackReason ? ` (${backend.fallbackReason})` : ''}`);
    console.log(`training ${JSON.stringify(params)}  seed ${seed}  ${dataset.nTrain} train / ${dataset.nVal} validation rows`);
    const epochs = (config.training as { epochs?: number }).epochs;
    const run = await runTrial({ config, dataset, params, seed, backend, onEpoch: (log) => console.log(epochLine(log, epochs)) });
    const outputDir = join(context.root, options.outputPath ?? defaultOutput(context, config));
    mkdirSync(outputDir, { recursive: true });
    writeModel(outputDir, run.model);
    const metrics = {
      params,
      seed,
      backend: backend.backend,
      objective: { metric: config.objective.metric, direction: config.objective.direction, value: run.value },
      final: run.final,
      epochs: run.history,
    };
    writeFileSync(join(outputDir, 'metrics.json'), JSON.stringify(metrics, null, 2) + '\n');
    console.log(`${config.objective.metric}=${formatValue(run.value)}  model and metrics.json written to ${outputDir}`);
    return { success: true };
  } catch (e) {
    return reportFailure(locateInConfig(e, config), options.verbose);
  }
}

function epochLine(log: EpochLog, epochs: number | undefined): string {
  const metrics = Object.entries(log)
    .filter(([k, v]) => !['epoch', 'durationMs', 'lr'].includes(k) && typeof v === 'number')
    .map(([k, v]) => `${k}=${formatValue(v as number)}`)
    .join(' ');
  return `epoch ${log.epoch}${epochs ? `/${epochs}` : ''}  ${metrics}  lr=${formatValue(log.lr)}  ${formatDuration(log.durationMs)}`;
}
