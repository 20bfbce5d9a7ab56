/** The compare executor's reading of other sweeps' outputs. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readStudy, spaceFromTrials, studyFolder } from '../src/executors/report/executor';
import { isUserError } from '../src/errors';
import { SYNTHETIC_SPACE, syntheticStudy } from './report-fixtures';

describe('compare studies: reading a sweep\'s outputs', () => {
  test('trials.jsonl, study.json and best.json make a study; a torn last line is skipped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nx-hpo-compare-'));
    try {
      const { records } = syntheticStudy(12, 4);
      writeFileSync(join(dir, 'trials.jsonl'), records.map((r) => JSON.stringify(r)).join('\n') + '\n{"id": 99, "par');
      writeFileSync(join(dir, 'study.json'), JSON.stringify({ space: SYNTHETIC_SPACE, algorithm: 'tpe', direction: 'maximize' }));
      writeFileSync(join(dir, 'best.json'), JSON.stringify({ metric: 'val_accuracy' }));
      const s = readStudy('app:tune', dir, tmpdir());
      assert.equal(s.records.length, 12);
      assert.deepEqual({ ...s.info, space: undefined }, { name: 'app:tune', algorithm: 'tpe', metric: 'val_accuracy', direction: 'maximize', space: undefined });
      assert.deepEqual(s.info.space, SYNTHETIC_SPACE);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a folder without trials.jsonl is one clear line', () => {
    try {
      readStudy('app:tune', join(tmpdir(), 'no-such-sweep'), tmpdir());
      assert.fail('expected an error');
    } catch (e) {
      assert.ok(isUserError(e));
      assert.match((e as Error).message, /has no trials\.jsonl \(run `nx run app:tune` first\)/);
    }
  });

  test('without study.json the space is inferred from the trials', () => {
    const space = spaceFromTrials(syntheticStudy(30, 5).records);
    assert.equal(space['units']?.type, 'int');
    assert.equal(space['lr']?.type, 'float');
    assert.equal(space['activation']?.type, 'categorical');
  });

  test('project:target resolves to the target\'s outputPath or the default output folder', () => {
    const ctx = {
      root: '/ws',
      projectsConfigurations: {
        version: 2,
        projects: { app: { root: 'apps/app', targets: { tune: { options: { outputPath: 'out/tune' } }, 'tune-bohb': {} } } },
      },
    };
    assert.equal(studyFolder('app:tune', ctx), '/ws/out/tune');
    assert.equal(studyFolder('app:tune-bohb', ctx), '/ws/dist/hpo/app/tune-bohb');
    assert.equal(studyFolder('saved/run-1', ctx), '/ws/saved/run-1');
    assert.throws(() => studyFolder('app:nope', ctx), /no target 'nope' in project 'app'/);
  });
});
