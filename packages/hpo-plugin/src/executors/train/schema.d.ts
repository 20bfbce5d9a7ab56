export interface TrainExecutorOptions {
  config: string;
  params?: string | Record<string, unknown>;
  seed?: number;
  backend?: 'auto' | 'tensorflow' | 'wasm' | 'cpu';
  outputPath?: string;
  verbose?: boolean;
  tuneTarget?: string;
  fit?: 'train' | 'full';
}
