/**
 * Which TensorFlow.js backend `auto` will pick, decided without loading TensorFlow.js (the sweep's
 * main thread needs the name for trial keys; only workers load tf).
 */
export type BackendRequest = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

function resolvable(id: string): boolean {
  try {
    require.resolve(id);
    return true;
  } catch {
    return false;
  }
}

/** The backend name `selectBackend(request)` is expected to report. */
export function expectedBackend(request: BackendRequest = 'auto'): 'tensorflow' | 'wasm' | 'cpu' {
  if (request !== 'auto') return request;
  if (resolvable('@tensorflow/tfjs-node')) return 'tensorflow';
  if (resolvable('@tensorflow/tfjs-backend-wasm')) return 'wasm';
  return 'cpu';
}
