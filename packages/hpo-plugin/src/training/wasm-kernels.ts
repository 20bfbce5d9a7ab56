/**
 * Kernels the tfjs WebAssembly backend (4.22) lacks but training needs. Without
 * `Conv2DBackpropFilter`, any conv2d layer fails on its first gradient step, so a plain-JS
 * version is registered for `wasm` (the same arithmetic as the cpu backend's).
 */
import type { Tf } from './tf';

interface TensorInfo {
  dataId: object;
  shape: number[];
  dtype: string;
}
/** The part of the wasm backend this kernel uses. */
interface WasmBackendLike {
  readSync(dataId: object): ArrayLike<number>;
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
}

export function registerMissingWasmKernels(tf: Tf): void {
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm') !== undefined) return;
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: (({ inputs, backend, attrs }: { inputs: Record<string, TensorInfo>; backend: WasmBackendLike; attrs: Record<string, unknown> }) =>
      conv2dBackpropFilter(tf, inputs as { x: TensorInfo; dy: TensorInfo }, backend, attrs)) as unknown as Parameters<Tf['registerKernel']>[0]['kernelFunc'],
  });
}

function conv2dBackpropFilter(tf: Tf, inputs: { x: TensorInfo; dy: TensorInfo }, backend: WasmBackendLike, attrs: Record<string, unknown>): TensorInfo {
  const { x, dy } = inputs;
  const filterShape = attrs['filterShape'] as [number, number, number, number];
  const dataFormat = (attrs['dataFormat'] as 'NHWC' | 'NCHW' | undefined) ?? 'NHWC';
  if (dataFormat !== 'NHWC') throw new Error('Conv2DBackpropFilter on wasm supports NHWC only');
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    attrs['strides'] as number | [number, number],
    1,
    attrs['pad'] as 'valid' | 'same' | number,
    attrs['dimRoundingMode'] as 'floor' | 'round' | 'ceil' | undefined,
    false,
    'channelsLast',
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const xv = backend.readSync(x.dataId);
  const dyv = backend.readSync(dy.dataId);
  // dW[r, c, i, o] = Σ_b,y,z x[b, y·sh + r − top, z·sw + c − left, i] · dy[b, y, z, o], in float64.
  const acc = new Float64Array(filterHeight * filterWidth * inChannels * outChannels);
  for (let b = 0; b < batchSize; b++) {
    for (let y = 0; y < outHeight; y++) {
      for (let z = 0; z < outWidth; z++) {
        const dyBase = ((b * outHeight + y) * outWidth + z) * outChannels;
        for (let r = 0; r < filterHeight; r++) {
          const xr = y * strideHeight + r - top;
          if (xr < 0 || xr >= inHeight) continue;
          for (let c = 0; c < filterWidth; c++) {
            const xc = z * strideWidth + c - left;
            if (xc < 0 || xc >= inWidth) continue;
            const xBase = ((b * inHeight + xr) * inWidth + xc) * inChannels;
            const wBase = (r * filterWidth + c) * inChannels * outChannels;
            for (let i = 0; i < inChannels; i++) {
              const xi = xv[xBase + i]!;
              if (xi === 0) continue;
              const row = wBase + i * outChannels;
              for (let o = 0; o < outChannels; o++) acc[row + o] += xi * dyv[dyBase + o]!;
            }
          }
        }
      }
    }
  }
  const out = backend.makeOutput([filterHeight, filterWidth, inChannels, outChannels], 'float32');
  backend.typedArrayFromHeap(out).set(acc);
  return out;
}
