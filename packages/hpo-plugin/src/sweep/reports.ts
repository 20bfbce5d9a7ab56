/**
 * Intermediate reports from a training thread to the study on the main thread, and the answer to
 * "should this trial stop?" (pruning). The worker posts each epoch's objective and blocks on a shared
 * flag until the main thread has told the study and written its decision: a pruned trial stops right
 * after the epoch that condemned it, with no training spent on a stale decision.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';

export interface ReportChannel {
  port: MessagePort;
  /** Int32 [answers given, last decision (1 = stop)]. */
  flag: SharedArrayBuffer;
}

interface Report {
  step: number;
  value: number;
}

/**
 * Worker side: reports `value` at `step` and returns the main thread's decision: 'stop', 'go on',
 * or 'timed-out' (no answer in time: the trial goes on, and the sweep warns that it did).
 */
export function reportAndAsk(channel: ReportChannel, step: number, value: number, timeoutMs = 60_000): 'stop' | 'go on' | 'timed-out' {
  const flag = new Int32Array(channel.flag);
  const answered = Atomics.load(flag, 0);
  channel.port.postMessage({ step, value } satisfies Report);
  // Blocks this training thread only.
  if (Atomics.wait(flag, 0, answered, timeoutMs) === 'timed-out') return 'timed-out';
  return Atomics.load(flag, 1) === 1 ? 'stop' : 'go on';
}

/** Main side: one channel per running trial; `decide` tells the study and answers. */
export function openReportChannel(decide: (step: number, value: number) => boolean): {
  channel: ReportChannel;
  close: () => void;
} {
  const { port1, port2 } = new MessageChannel();
  const flag = new SharedArrayBuffer(8);
  const view = new Int32Array(flag);
  port1.on('message', ({ step, value }: Report) => {
    let stop = false;
    try {
      stop = decide(step, value);
    } finally {
      Atomics.store(view, 1, stop ? 1 : 0);
      Atomics.add(view, 0, 1);
      Atomics.notify(view, 0);
    }
  });
  return {
    channel: { port: port2, flag },
    close: () => port1.close(),
  };
}
