/**
 * Picks the TensorFlow.js backend for this thread. `auto` prefers the native `tfjs-node` (an optional
 * peer dependency: its install downloads libtensorflow), then WebAssembly, then plain JS (`cpu`).
 * The backend is global to a thread's tfjs engine, so each worker thread selects its own once.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../errors';
import type { Tf } from './tf';
import { registerMissingWasmKernels } from './wasm-kernels';

export type { Tf } from './tf';

export type BackendName = 'auto' | 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_NAMES: readonly BackendName[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

export interface Backend {
  /** The tfjs namespace to use (tfjs-node's when the native backend is used). */
  tf: Tf;
  /** The engine's backend name: `tensorflow`, `wasm` or `cpu`. */
  backend: string;
  /** Why `auto` did not get its first choice, to tell the user once. */
  fallbackReason?: string;
}

type Attempt = { ok: true; tf: Tf } | { ok: false; reason: string };

export async function selectBackend(requested: BackendName = 'auto'): Promise<Backend> {
  if (!BACKEND_NAMES.includes(requested)) {
    throw new UserError(`unknown backend ${JSON.stringify(requested)}: use one of ${BACKEND_NAMES.join(', ')}`);
  }
  const reasons: string[] = [];
  if (requested === 'auto' || requested === 'tensorflow') {
    const native = await tryNative();
    if (native.ok) return { tf: native.tf, backend: 'tensorflow' };
    if (requested === 'tensorflow') throw unavailable('tensorflow', native.reason, ['wasm', 'cpu']);
    reasons.push(native.reason);
  }
  if (requested === 'auto' || requested === 'wasm') {
    const wasm = await tryWasm();
    if (wasm.ok) return withReason({ tf: wasm.tf, backend: 'wasm' }, reasons);
    if (requested === 'wasm') throw unavailable('wasm', wasm.reason, ['cpu']);
    reasons.push(wasm.reason);
  }
  const tf = loadTfjs();
  // The cpu backend prints a "install tfjs-node" banner on first use; production mode silences it.
  tf.enableProdMode();
  if (!(await tf.setBackend('cpu'))) throw new Error('the tfjs cpu backend failed to initialise');
  return withReason({ tf, backend: 'cpu' }, reasons);
}

function withReason(b: Backend, reasons: string[]): Backend {
  return reasons.length > 0 ? { ...b, fallbackReason: reasons.join('; ') } : b;
}

function unavailable(name: string, reason: string, others: string[]): UserError {
  return new UserError(`backend '${name}' is not available: ${reason}; available here: ${others.join(', ')} (or auto)`);
}

// Loaded through a variable so that bundlers and tsc leave the optional dependency alone.
const load = (id: string): unknown => require(id);

function loadTfjs(): Tf {
  return load('@tensorflow/tfjs') as Tf;
}

async function tryNative(): Promise<Attempt> {
  // libtensorflow logs every kernel choice at the default level; keep warnings and errors only.
  process.env['TF_CPP_MIN_LOG_LEVEL'] ??= '2';
  let tf: Tf;
  try {
    tf = load('@tensorflow/tfjs-node') as Tf;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const missing = err.code === 'MODULE_NOT_FOUND' && /@tensorflow\/tfjs-node['"]/.test(err.message);
    return {
      ok: false,
      reason: missing
        ? '@tensorflow/tfjs-node is not installed; `npm install @tensorflow/tfjs-node@4.22.0` adds native speed'
        : `@tensorflow/tfjs-node failed to load: ${firstLine(err.message)}`,
    };
  }
  try {
    if (!(await tf.setBackend('tensorflow'))) return { ok: false, reason: 'the tfjs-node backend failed to initialise' };
  } catch (e) {
    return { ok: false, reason: `the tfjs-node backend failed to initialise: ${firstLine((e as Error).message)}` };
  }
  return { ok: true, tf };
}

let wasmPathsSet = false;

async function tryWasm(): Promise<Attempt> {
  if (typeof (globalThis as { WebAssembly?: unknown }).WebAssembly !== 'object') return { ok: false, reason: 'this Node.js has no WebAssembly' };
  const tf = loadTfjs();
  let wasm: { setWasmPaths(prefix: string): void };
  let distDir: string;
  try {
    wasm = load('@tensorflow/tfjs-backend-wasm') as typeof wasm;
    distDir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  } catch (e) {
    return { ok: false, reason: `@tensorflow/tfjs-backend-wasm failed to load: ${firstLine((e as Error).message)}` };
  }
  if (!wasmPathsSet && tf.findBackend('wasm') === null) {
    // The Node build looks for its .wasm files next to its own bundle, which holds inside the npm
    // package but not once bundled; point it at the package's dist directory explicitly.
    if (!existsSync(join(distDir, 'tfjs-backend-wasm-simd.wasm')) && !existsSync(join(distDir, 'tfjs-backend-wasm.wasm'))) {
      return { ok: false, reason: `no .wasm files in ${distDir}` };
    }
    wasm.setWasmPaths(distDir + '/');
    wasmPathsSet = true;
  }
  registerMissingWasmKernels(tf);
  const warnings: string[] = [];
  const ok = await captureWarnings(warnings, () => tf.setBackend('wasm'));
  if (!ok) {
    const why = warnings.map(firstLine).filter((w) => w && !/^Initialization of backend/.test(w))[0];
    return { ok: false, reason: `the WebAssembly backend failed to initialise${why ? `: ${why}` : ''}` };
  }
  return { ok: true, tf };
}

/** tfjs reports a failed backend initialisation only through console.warn; keep it for the reason. */
async function captureWarnings<T>(into: string[], fn: () => Promise<T>): Promise<T> {
  const original = console.warn;
  console.warn = (...args: unknown[]) => {
    into.push(args.map((a) => (a instanceof Error ? a.message : String(a))).join(' '));
  };
  try {
    return await fn();
  } finally {
    console.warn = original;
  }
}

function firstLine(s: string): string {
  return (s.split('\n').find((l) => l.trim() !== '') ?? '').trim();
}
