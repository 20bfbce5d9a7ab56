/**
 * Named tensors as plain data: their names, shapes and dtypes, and their values in one
 * ArrayBuffer. That can cross a worker-thread boundary (the buffer is transferable) and be written
 * to disk, and it gives back bit-identical tensors, which is what resuming training exactly needs.
 */
import type { Tensor, Tf } from './tf';

export type PackedDtype = 'float32' | 'int32' | 'bool';

export interface PackedTensorSpec {
  name: string;
  shape: number[];
  dtype: PackedDtype;
}

export interface TensorPack {
  specs: PackedTensorSpec[];
  /** The values one after the other, in `specs` order (bool as one byte per element). */
  data: ArrayBuffer;
}

export interface NamedTensor {
  name: string;
  tensor: Tensor;
}

const BYTES: Record<PackedDtype, number> = { float32: 4, int32: 4, bool: 1 };

/** Downloads the tensors' values; the tensors stay the caller's. */
export async function packTensors(list: readonly NamedTensor[]): Promise<TensorPack> {
  const specs: PackedTensorSpec[] = [];
  const parts: Uint8Array[] = [];
  for (const { name, tensor } of list) {
    const dtype = tensor.dtype;
    if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'bool') throw new Error(`cannot pack tensor ${name} of dtype ${dtype}`);
    const values = (await tensor.data()) as Float32Array | Int32Array | Uint8Array;
    specs.push({ name, shape: [...tensor.shape], dtype });
    parts.push(new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice());
  }
  const data = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    data.set(p, offset);
    offset += p.byteLength;
  }
  return { specs, data: data.buffer };
}

/** New tensors holding the pack's values; the caller disposes them. */
export function unpackTensors(tf: Tf, pack: TensorPack): NamedTensor[] {
  let offset = 0;
  const out: NamedTensor[] = [];
  try {
    for (const spec of pack.specs) {
      const size = spec.shape.reduce((n, d) => n * d, 1);
      const bytes = size * BYTES[spec.dtype];
      if (offset + bytes > pack.data.byteLength) throw new Error(`tensor pack too short for ${spec.name}`);
      // A copy, so that the typed array is aligned whatever the offset.
      const chunk = pack.data.slice(offset, offset + bytes);
      offset += bytes;
      const values = spec.dtype === 'float32' ? new Float32Array(chunk) : spec.dtype === 'int32' ? new Int32Array(chunk) : new Uint8Array(chunk);
      out.push({ name: spec.name, tensor: tf.tensor(values, spec.shape, spec.dtype) });
    }
    if (offset !== pack.data.byteLength) throw new Error(`tensor pack has ${pack.data.byteLength - offset} bytes too many`);
  } catch (e) {
    for (const t of out) t.tensor.dispose();
    throw e;
  }
  return out;
}
