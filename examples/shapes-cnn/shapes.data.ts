/**
 * A data module: `load` returns image-shaped examples ([n, 8, 8, 1]) and their labels. It draws
 * noisy, shifted copies of the shapes in data/templates.txt (the file it reads, declared under
 * data.files in tune.yaml so that editing it retrains) with the seeded generator in ./rng.ts (a
 * local import: the trial key covers it too).
 */
import { readFileSync } from 'node:fs';
import { seeded } from './rng';

interface Ctx {
  options: { perClass?: number; noise?: number; seed?: number };
  files: string[];
}

const SIZE = 8;

export function load({ options, files }: Ctx) {
  const file = files.find((f) => f.endsWith('templates.txt'));
  if (!file) throw new Error('data.files must list data/templates.txt');
  const shapes = parseTemplates(readFileSync(file, 'utf8'));
  const perClass = options.perClass ?? 150;
  const noise = options.noise ?? 0.25;
  const next = seeded(options.seed ?? 1);
  const n = perClass * shapes.length;
  const x = new Float32Array(n * SIZE * SIZE);
  const y: string[] = [];
  for (let i = 0; i < n; i++) {
    const { name, ink } = shapes[i % shapes.length]!;
    // Shift by -1..1 pixels each way, then flip each pixel with probability `noise / 4` and add jitter.
    const dr = Math.floor(next() * 3) - 1;
    const dc = Math.floor(next() * 3) - 1;
    for (let r = 0; r < SIZE; r++) {
      for (let c = 0; c < SIZE; c++) {
        const sr = r - dr;
        const sc = c - dc;
        let v = sr >= 0 && sr < SIZE && sc >= 0 && sc < SIZE && ink[sr * SIZE + sc] ? 1 : 0;
        if (next() < noise / 4) v = 1 - v;
        x[i * SIZE * SIZE + r * SIZE + c] = v * 0.8 + next() * noise;
      }
    }
    y.push(name);
  }
  return { x, y, shape: [n, SIZE, SIZE, 1], files: [file] };
}

function parseTemplates(text: string): Array<{ name: string; ink: boolean[] }> {
  const blocks = text
    .split('\n')
    .filter((l) => !l.startsWith('#') || /^[#.]+$/.test(l))
    .join('\n')
    .split(/\n\s*\n/)
    .map((b) => b.trim().split('\n'))
    .filter((b) => b.length > 1);
  return blocks.map(([name, ...rows]) => {
    if (rows.length !== SIZE || rows.some((r) => r.length !== SIZE)) throw new Error(`shape ${name} must be ${SIZE} rows of ${SIZE} characters`);
    return { name: name!.trim(), ink: rows.join('').split('').map((ch) => ch === '#') };
  });
}
