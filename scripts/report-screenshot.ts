/**
 * docs/report.png, the README's picture of the report: runs the bundled example as a user would,
 * `npx nx run digits-mlp:tune`, with a fresh trial store and no Nx cache (so every trial is trained
 * and the page comes from the current renderer), opens its report.html in headless Chromium from
 * disk and screenshots the page down to the slice plots.
 *
 * Usage: npm run docs:report-screenshot
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_FLAGS } from '../e2e/browser';
import { ROOT, runMain } from './bench-common';

async function main(): Promise<void> {
  const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' };
  const store = mkdtempSync(join(tmpdir(), 'nx-hpo-docs-store-'));
  try {
    const run = spawnSync('npx', ['nx', 'run', 'digits-mlp:tune', '--skip-nx-cache', `--store=${store}`], { cwd: ROOT, env, stdio: 'inherit' });
    if (run.status !== 0) throw new Error(`npx nx run digits-mlp:tune exited with ${run.status}`);
  } finally {
    rmSync(store, { recursive: true, force: true });
  }
  const report = join(ROOT, 'dist', 'hpo', 'digits-mlp', 'tune', 'report.html');
  if (!existsSync(report)) throw new Error(`${report} is missing`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(pathToFileURL(report).href);
    await page.waitForSelector('html[data-ready="true"]');
    mkdirSync(join(ROOT, 'docs'), { recursive: true });
    const out = join(ROOT, 'docs', 'report.png');
    const slices = await page.locator('#view-slices').boundingBox();
    const height = Math.ceil((slices?.y ?? 2000) + (slices?.height ?? 0) + 16);
    await page.screenshot({ path: out, fullPage: true, clip: { x: 0, y: 0, width: 1280, height } });
    console.log(`wrote ${out}`);
  } finally {
    await browser.close();
  }
}

runMain(main);
