/**
 * A throw-away Nx workspace for end-to-end tests: real files on disk, `nx` run as a user would,
 * with this repo's node_modules linked in (the registry is not reachable from tests).
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '..');

export interface NxResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout + stderr, for assertions that do not care where a line went. */
  output: string;
}

export class TempWorkspace {
  readonly root: string;
  /**
   * Nx's local cache for this workspace alone. Nx 24 keeps it in `~/.nx/<workspace id>/cache`,
   * shared by every copy of a workspace: without its own, "the first run trains" could be served
   * from another test's (or an earlier test run's) cache.
   */
  readonly nxCacheDir: string;

  constructor(name = 'nx-hpo-e2e') {
    this.root = mkdtempSync(join(tmpdir(), `${name}-`));
    this.nxCacheDir = mkdtempSync(join(tmpdir(), `${name}-nx-cache-`));
    symlinkSync(join(repoRoot, 'node_modules'), join(this.root, 'node_modules'), 'dir');
    this.writeJson('package.json', {
      name: 'e2e-workspace',
      private: true,
      devDependencies: { nx: '24.0.6', '@nx-hpo/plugin': '0.1.0' },
    });
    this.writeJson('nx.json', { plugins: ['@nx-hpo/plugin'] });
  }

  write(path: string, content: string): void {
    const abs = join(this.root, path);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, content);
  }

  writeJson(path: string, value: unknown): void {
    this.write(path, JSON.stringify(value, null, 2) + '\n');
  }

  /** Copies a file from this repo into the workspace. */
  copy(fromRepoPath: string, toPath: string): void {
    const abs = join(this.root, toPath);
    mkdirSync(dirname(abs), { recursive: true });
    cpSync(join(repoRoot, fromRepoPath), abs, { recursive: true });
  }

  path(...parts: string[]): string {
    return join(this.root, ...parts);
  }

  /** The environment every nx run in this workspace gets (its own cache directory over any inherited one). */
  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      ...process.env,
      NX_DAEMON: 'false',
      NX_NO_CLOUD: 'true',
      NX_TUI: 'false',
      CI: 'true',
      FORCE_COLOR: '0',
      NX_CACHE_DIRECTORY: this.nxCacheDir,
      ...extra,
    };
  }

  private nxCommand(args: string[], env: Record<string, string>) {
    return {
      argv: [join(this.root, 'node_modules', 'nx', 'dist', 'bin', 'nx.js'), ...args],
      options: { cwd: this.root, env: this.env(env) },
    };
  }

  /** Runs nx and waits; blocks this process's event loop (use nxAsync when this process serves requests). */
  nx(args: string[], env: Record<string, string> = {}): NxResult {
    const { argv, options } = this.nxCommand(args, env);
    const r = spawnSync(process.execPath, argv, { ...options, encoding: 'utf8', timeout: 10 * 60 * 1000 });
    const stdout = r.stdout ?? '';
    const stderr = (r.stderr ?? '') + (r.error ? `\n[spawn error: ${r.error.message}]` : '') + (r.signal ? `\n[killed by ${r.signal}]` : '');
    return { code: r.status ?? 1, stdout, stderr, output: stdout + stderr };
  }

  /** Runs nx without blocking this process (e.g. while a test server in this process answers it). */
  nxAsync(args: string[], env: Record<string, string> = {}): Promise<NxResult> {
    const { argv, options } = this.nxCommand(args, env);
    return new Promise((resolve) => {
      const child = spawn(process.execPath, argv, options);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 10 * 60 * 1000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? 1, stdout, stderr, output: stdout + stderr });
      });
    });
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
    rmSync(this.nxCacheDir, { recursive: true, force: true });
  }
}
