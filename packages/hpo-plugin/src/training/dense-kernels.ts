/**
 * Float32 buffers and a matrix product for the fused dense trainer (dense-fast.ts).
 *
 * On the WebAssembly backend the buffers live on the wasm heap and the product is the backend's
 * own SIMD `BatchMatMul` (XNNPACK), called directly: one call per product, without tfjs's engine
 * (tensor bookkeeping, the gradient tape, a new output allocation per op), which is where most of
 * a small model's training time goes. Elsewhere (`cpu`) the buffers are Float32Arrays and the
 * product is a plain loop.
 *
 * The wasm route uses backend internals of tfjs-backend-wasm 4.22 (`dataIdMap`, `cwrap`,
 * `tfjs.registerTensor`). `wasmKernels` checks them with a product it knows the answer to, and
 * returns undefined when anything differs, so the trainer falls back to plain tfjs.
 */
import type { Tf } from './tf';

/** A float32 buffer; `v` is its current view (on the wasm heap, refreshed after heap growth). */
export interface Buf {
  readonly size: number;
  v: Float32Array;
}

export interface DenseKernels {
  readonly name: 'wasm' | 'js';
  alloc(size: number): Buf;
  /**
   * out[m×n] = a[m×k] · b[k×n] (+ bias[n]) (then relu when `relu`), row-major. Every `v` may be
   * replaced: read views after the call.
   */
  matmul(a: Buf, b: Buf, out: Buf, m: number, k: number, n: number, bias?: Buf, relu?: boolean): void;
  dispose(): void;
}

export function denseKernels(tf: Tf): DenseKernels | undefined {
  return tf.getBackend() === 'wasm' ? wasmKernels(tf) : jsKernels();
}

export function jsKernels(): DenseKernels {
  return {
    name: 'js',
    alloc: (size) => ({ size, v: new Float32Array(size) }),
    matmul(a, b, out, m, k, n, bias, relu) {
      const A = a.v;
      const B = b.v;
      const O = out.v;
      for (let i = 0; i < m; i++) {
        const o = i * n;
        if (bias) O.set(bias.v.subarray(0, n), o);
        else O.fill(0, o, o + n);
        for (let p = 0; p < k; p++) {
          const x = A[i * k + p]!;
          if (x === 0) continue;
          const r = p * n;
          for (let j = 0; j < n; j++) O[o + j] += x * B[r + j]!;
        }
        if (relu) for (let j = o; j < o + n; j++) O[j] = O[j]! > 0 ? O[j]! : 0;
      }
    },
    dispose() {},
  };
}

interface WasmData {
  id: number;
  memoryOffset: number;
}
interface WasmBackend {
  wasm: {
    HEAPU8: Uint8Array;
    cwrap(name: string, ret: null, args: string[]): (...args: unknown[]) => void;
    tfjs: { registerTensor(id: number, size: number, offset: number): void; disposeData(id: number): void };
  };
  dataIdMap: { get(dataId: object): WasmData | undefined };
  makeOutput(shape: number[], dtype: 'float32'): { dataId: object };
  disposeData(dataId: object, force?: boolean): boolean;
}

/** tfjs-backend-wasm's FusableActivation codes. */
const LINEAR = 0;
const RELU = 1;

interface WasmBuf extends Buf {
  id: number;
  offset: number;
  dataId: object;
}

function wasmKernels(tf: Tf): DenseKernels | undefined {
  let backend: WasmBackend;
  let batchMatMul: (...args: unknown[]) => void;
  let fusedMatMul: (...args: unknown[]) => void;
  try {
    backend = tf.backend() as unknown as WasmBackend;
    if (typeof backend.wasm?.cwrap !== 'function' || typeof backend.wasm.tfjs?.registerTensor !== 'function' || typeof backend.dataIdMap?.get !== 'function') return undefined;
    batchMatMul = backend.wasm.cwrap('BatchMatMul', null, ['number', 'array', 'number', 'number', 'array', 'number', 'number', 'number', 'number']);
    // a, a's shape, its rank, b, b's shape, its rank, transposeA, transposeB, activation, bias,
    // prelu weights, leaky-relu alpha, out.
    fusedMatMul = backend.wasm.cwrap('_FusedMatMul', null, ['number', 'array', 'number', 'number', 'array', 'number', 'number', 'number', 'number', 'number', 'number', 'number', 'number']);
  } catch {
    return undefined;
  }
  const bufs: WasmBuf[] = [];
  let heap = backend.wasm.HEAPU8.buffer;
  const refresh = () => {
    const now = backend.wasm.HEAPU8.buffer;
    if (now === heap) return;
    heap = now;
    for (const b of bufs) b.v = new Float32Array(heap, b.offset, b.size);
  };
  const shapes = new Map<string, Uint8Array>();
  const shape3 = (r: number, c: number): Uint8Array => {
    const key = `${r},${c}`;
    let s = shapes.get(key);
    if (!s) shapes.set(key, (s = new Uint8Array(new Int32Array([1, r, c]).buffer)));
    return s;
  };
  const kernels: DenseKernels = {
    name: 'wasm',
    alloc(size) {
      const info = backend.makeOutput([Math.max(1, size)], 'float32');
      const data = backend.dataIdMap.get(info.dataId)!;
      refresh();
      const buf: WasmBuf = { size, id: data.id, offset: data.memoryOffset, dataId: info.dataId, v: new Float32Array(heap, data.memoryOffset, size) };
      bufs.push(buf);
      return buf;
    },
    matmul(a, b, out, m, k, n, bias, relu) {
      // XNNPACK caches the packed right operand (and bias) by tensor id; they change in place, so
      // drop that cache entry by re-registering the same memory under the same id.
      for (const x of bias ? [b, bias] : [b]) {
        const w = x as WasmBuf;
        backend.wasm.tfjs.disposeData(w.id);
        backend.wasm.tfjs.registerTensor(w.id, Math.max(1, w.size), w.offset);
      }
      const aId = (a as WasmBuf).id;
      const bId = (b as WasmBuf).id;
      const outId = (out as WasmBuf).id;
      if (bias || relu) fusedMatMul(aId, shape3(m, k), 3, bId, shape3(k, n), 3, false, false, relu ? RELU : LINEAR, bias ? (bias as WasmBuf).id : 0, 0, 0, outId);
      else batchMatMul(aId, shape3(m, k), 3, bId, shape3(k, n), 3, false, false, outId);
      refresh();
    },
    dispose() {
      for (const b of bufs.splice(0)) backend.disposeData(b.dataId, true);
    },
  };
  return selfCheck(kernels) ? kernels : (kernels.dispose(), undefined);
}

/** Products with known answers, again after changing the right operand and bias in place. */
function selfCheck(k: DenseKernels): boolean {
  try {
    const a = k.alloc(6);
    const b = k.alloc(6);
    const bias = k.alloc(2);
    const out = k.alloc(4);
    a.v.set([1, 2, 3, 4, 5, 6]);
    b.v.set([1, 0, 0, 1, 1, 1]);
    k.matmul(a, b, out, 2, 3, 2);
    const first = [...out.v].join();
    b.v.set([2, 0, 0, 2, 0, 0]);
    k.matmul(a, b, out, 2, 3, 2);
    const second = [...out.v].join();
    bias.v.set([1, -5]);
    k.matmul(a, b, out, 2, 3, 2, bias, true);
    const third = [...out.v].join();
    bias.v.set([0, 0]);
    k.matmul(a, b, out, 2, 3, 2, bias, false);
    const fourth = [...out.v].join();
    return first === '4,5,10,11' && second === '2,4,8,10' && third === '3,0,9,5' && fourth === '2,4,8,10';
  } catch {
    return false;
  }
}
