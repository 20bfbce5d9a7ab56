/**
 * The live status block on a terminal: each running trial with its epoch and last value, the best so
 * far, elapsed time and ETA, redrawn in place under the permanent progress lines. Used only when
 * stdout is a TTY; logs (CI, pipes) get the plain lines alone.
 */
import type { Params } from '@nx-hpo/optimizers';
import { formatDuration, formatParam, formatValue } from './format';

/** What the sweep tells a progress display (all optional for the sweep to call). */
export interface SweepProgress {
  /** The sweep's real budget (a grid may have fewer points than `trials`). */
  setTotal?(total: number): void;
  trialStarted(id: number, params: Params, slot: number): void;
  epoch(id: number, epoch: number, value: number): void;
  trialFinished(id: number, done: number, best: { trial: number; value: number } | undefined): void;
}

export interface RunningTrial {
  id: number;
  slot: number;
  params: Params;
  startedAt: number;
  epoch?: number;
  value?: number;
}

export interface StatusState {
  metric: string;
  total: number;
  /** Epochs of a full trial (for progress within running trials), when known. */
  epochs?: number;
  done: number;
  best?: { trial: number; value: number };
  startedAt: number;
  running: RunningTrial[];
}

/** Remaining time from finished trials plus the finished share of running ones. */
export function eta(state: StatusState, now: number): number | undefined {
  const partial = state.epochs ? state.running.reduce((s, r) => s + Math.min(1, (r.epoch ?? 0) / (state.epochs as number)), 0) : 0;
  const progress = state.done + partial;
  if (progress <= 0) return undefined;
  return ((now - state.startedAt) / progress) * Math.max(0, state.total - progress);
}

function clip(line: string, width: number): string {
  return line.length > width ? line.slice(0, Math.max(0, width - 1)) + '…' : line;
}

/** The block's lines (pure, for tests). */
export function statusBlock(state: StatusState, now: number, width = 100): string[] {
  const left = eta(state, now);
  const best = state.best ? `best ${state.metric}=${formatValue(state.best.value)} (trial ${state.best.trial})` : 'best -';
  const head = `▸ ${state.done}/${state.total} trials done · ${state.running.length} running · ${best} · ${formatDuration(now - state.startedAt)} elapsed${left !== undefined ? ` · eta ${formatDuration(left)}` : ''}`;
  const idWidth = Math.max(...state.running.map((r) => String(r.id).length), 1);
  const rows = [...state.running]
    .sort((a, b) => a.slot - b.slot)
    .map((r) => {
      const epoch = r.epoch === undefined ? 'starting' : `epoch ${r.epoch}${state.epochs ? `/${state.epochs}` : ''}`;
      const value = r.value === undefined ? '' : `  ${state.metric}=${formatValue(r.value)}`;
      const params = Object.entries(r.params).map(([k, v]) => `${k}=${formatParam(v)}`).join(' ');
      return `  worker ${r.slot + 1}  trial ${String(r.id).padStart(idWidth)}  ${epoch.padEnd(state.epochs ? 11 : 8)}${value}  ${formatDuration(now - r.startedAt)}  ${params}`;
    });
  return [head, ...rows].map((l) => clip(l, width));
}

export interface StatusStream {
  write(text: string): unknown;
  columns?: number;
}

export class LiveStatus implements SweepProgress {
  private readonly state: StatusState;
  private drawn = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private lastDraw = 0;

  constructor(
    private readonly out: StatusStream,
    opts: { metric: string; total: number; epochs?: number },
    private readonly now: () => number = Date.now,
  ) {
    this.state = { metric: opts.metric, total: opts.total, epochs: opts.epochs, done: 0, startedAt: now(), running: [] };
    // Elapsed time and ETA move even when no trial reports.
    this.timer = setInterval(() => this.draw(), 1000);
    this.timer.unref?.();
  }

  /** A permanent line: printed above the block, which is then drawn again under it. */
  log(line: string): void {
    this.out.write(this.erase() + line + '\n');
    this.drawn = 0;
    this.draw(true);
  }

  setTotal(total: number): void {
    this.state.total = total;
  }

  trialStarted(id: number, params: Params, slot: number): void {
    this.state.running.push({ id, slot, params, startedAt: this.now() });
    this.draw(true);
  }

  epoch(id: number, epoch: number, value: number): void {
    const r = this.state.running.find((t) => t.id === id);
    if (!r) return;
    r.epoch = epoch;
    r.value = value;
    this.draw();
  }

  trialFinished(id: number, done: number, best: { trial: number; value: number } | undefined): void {
    this.state.running = this.state.running.filter((t) => t.id !== id);
    this.state.done = done;
    this.state.best = best;
    this.draw(true);
  }

  /** Removes the block (end of the sweep). */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.out.write(this.erase());
    this.drawn = 0;
  }

  private erase(): string {
    // Cursor to the start of the block's first line, then clear to the end of the screen.
    return this.drawn > 0 ? `\x1b[${this.drawn}F\x1b[J` : '';
  }

  private draw(force = false): void {
    if (!this.timer) return;
    const now = this.now();
    if (!force && now - this.lastDraw < 100) return; // at most 10 redraws a second
    this.lastDraw = now;
    if (this.state.running.length === 0 && this.state.done === 0) return;
    const lines = statusBlock(this.state, now, Math.max(40, (this.out.columns || 100) - 1));
    this.out.write(this.erase() + lines.join('\n') + '\n');
    this.drawn = lines.length;
  }
}
