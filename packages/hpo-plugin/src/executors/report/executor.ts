/**
 * `@nx-hpo/plugin:report` — compare studies: one report.html overlaying several sweeps' results
 * (other tune targets' outputs, or saved copies of them), with every trial tagged by its study.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import type { Direction, Space } from '@nx-hpo/optimizers';
import { UserError } from '../../errors';
import { compareReport, type StudyInfo } from '../../report/build';
import { renderReportHtml, writeFileAtomic } from '../../report/html';
import { REPORT_FILE } from '../../report/writer';
import type { TrialRecord } from '../../sweep/outputs';
import { reportFailure } from '../user-errors';
import type { ReportExecutorOptions } from './schema';

export default async function reportExecutor(options: ReportExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  try {
    const studies = options.studies.map((spec) => readStudy(spec, studyFolder(spec, context), context.root));
    const title = options.title ?? studies.map((s) => s.info.name).join(' vs ');
    const out = join(context.root, options.outputPath ?? join('dist', 'hpo', context.projectName ?? 'workspace', context.targetName ?? 'report'));
    mkdirSync(out, { recursive: true });
    const file = join(out, REPORT_FILE);
    writeFileAtomic(file, renderReportHtml(compareReport(title, studies)));
    for (const s of studies) console.log(`${s.info.name}: ${s.records.length} trials (${s.info.algorithm}) from ${s.dir}`);
    console.log(`report: ${relative(context.root, file)}`);
    return { success: true };
  } catch (e) {
    return reportFailure(e, false);
  }
}

/** `project:target` → that target's output folder; anything else is a folder path. */
export function studyFolder(spec: string, context: Pick<ExecutorContext, 'root' | 'projectsConfigurations'>): string {
  const m = /^([^:/\\]+):([^:/\\]+)$/.exec(spec);
  if (!m) return isAbsolute(spec) ? spec : join(context.root, spec);
  const [, project, target] = m as unknown as [string, string, string];
  const config = context.projectsConfigurations?.projects?.[project]?.targets?.[target];
  if (!config) throw new UserError(`studies: '${spec}' is not a target of this workspace (no target '${target}' in project '${project}')`);
  const outputPath = (config.options as { outputPath?: unknown } | undefined)?.outputPath;
  return join(context.root, typeof outputPath === 'string' ? outputPath : join('dist', 'hpo', project, target));
}

/** A sweep's outputs as a study: trials.jsonl (required), study.json (space, algorithm), best.json (metric). */
export function readStudy(name: string, dir: string, root: string): { info: StudyInfo; records: TrialRecord[]; dir: string } {
  const shown = relative(root, dir) || '.';
  const trialsFile = join(dir, 'trials.jsonl');
  if (!existsSync(trialsFile)) {
    const hint = name.includes(':') ? `run \`nx run ${name}\` first` : 'point to a tune target\'s output folder';
    throw new UserError(`studies: ${shown} has no trials.jsonl (${hint})`);
  }
  const records: TrialRecord[] = [];
  readFileSync(trialsFile, 'utf8')
    .split('\n')
    .forEach((line, k) => {
      if (!line.trim()) return;
      try {
        records.push(JSON.parse(line) as TrialRecord);
      } catch {
        // A sweep killed mid-write leaves at most a torn last line; say so and keep the rest.
        console.warn(`warning: ${shown}/trials.jsonl line ${k + 1} is not JSON; skipped`);
      }
    });
  const study = readJson(join(dir, 'study.json')) as { space?: Space; algorithm?: string; direction?: Direction } | undefined;
  const best = readJson(join(dir, 'best.json')) as { metric?: string; direction?: Direction } | undefined;
  const info: StudyInfo = {
    name,
    algorithm: study?.algorithm ?? '?',
    metric: best?.metric ?? 'value',
    direction: study?.direction ?? best?.direction ?? 'minimize',
    space: study?.space ?? spaceFromTrials(records),
  };
  return { info, records, dir: shown };
}

function readJson(file: string): unknown {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Without study.json: numbers get a linear axis over the values seen, anything else a category axis. */
export function spaceFromTrials(records: readonly TrialRecord[]): Space {
  const space: Space = {};
  const names = [...new Set(records.flatMap((r) => Object.keys(r.params)))];
  for (const name of names) {
    const values = records.map((r) => r.params[name]).filter((v) => v !== undefined);
    if (values.every((v) => typeof v === 'number')) {
      const nums = values as number[];
      space[name] = { type: nums.every(Number.isInteger) ? 'int' : 'float', low: Math.min(...nums), high: Math.max(...nums) };
    } else space[name] = { type: 'categorical', choices: [...new Set(values)] };
  }
  return space;
}
