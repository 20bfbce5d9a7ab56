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

/**
 * The backend name `selectBackend(request)` is expected to report. `installed` says whether a
 * package can be resolved (tests pass their own, so the choice is checked whatever is installed).
 */
export function expectedBackend(request: BackendRequest = 'auto', installed: (id: string) => boolean = resolvable): 'tensorflow' | 'wasm' | 'cpu' {
  if (request !== 'auto') return request;
  if (installed('@tensorflow/tfjs-node')) return 'tensorflow';
  if (installed('@tensorflow/tfjs-backend-wasm')) return 'wasm';
  return 'cpu';
}
