/**
 * Keeps report.html current during a sweep: rewritten (atomically) as trials finish, so it can be
 * opened mid-sweep and reloaded, and written once more, final, at the end.
 */
import { join } from 'node:path';
import type { TrialRecord } from '../sweep/outputs';
import { studyReport, type StudyInfo } from './build';
import { renderReportHtml, writeFileAtomic } from './html';

export const REPORT_FILE = 'report.html';

export class HtmlReportWriter {
  private lastWrite = -Infinity;
  private lastCost = 0;
  private failed = false;

  constructor(
    readonly dir: string,
    readonly info: StudyInfo,
    private readonly warn: (line: string) => void,
    /** Intermediate rewrites at most this often, and never more than ~10% of the time (huge studies). */
    private readonly minIntervalMs = 500,
  ) {}

  get path(): string {
    return join(this.dir, REPORT_FILE);
  }

  /** After a finished trial: rewrite unless the last rewrite was too recent. */
  update(records: readonly TrialRecord[]): void {
    const now = performance.now();
    if (now - this.lastWrite < Math.max(this.minIntervalMs, this.lastCost * 10)) return;
    this.write(records, false);
  }

  /** The final page (also after an interrupted sweep, marked as not final then). */
  finish(records: readonly TrialRecord[], final = true): void {
    this.write(records, final);
  }

  private write(records: readonly TrialRecord[], final: boolean): void {
    const t0 = performance.now();
    try {
      writeFileAtomic(this.path, renderReportHtml(studyReport(this.info, records, final)));
    } catch (e) {
      // The report is a view of results kept elsewhere: never let it stop a sweep.
      if (!this.failed) this.warn(`warning: could not write ${REPORT_FILE}: ${e instanceof Error ? e.message : String(e)}`);
      this.failed = true;
    }
    this.lastWrite = performance.now();
    this.lastCost = this.lastWrite - t0;
  }
}
