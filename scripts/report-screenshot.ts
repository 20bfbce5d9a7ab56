/**
 * docs/report.png, the README's picture of the report: runs the bundled example as a user would
 * (`npx nx run digits-mlp:tune`; an Nx cache hit when nothing changed), opens its report.html in
 * headless Chromium from disk and screenshots the top of the page.
 *
 * Usage: npm run docs:report-screenshot [-- --height 2200]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_FLAGS } from '../e2e/browser';
import { ROOT, runMain } from './bench-common';

async function main(): Promise<void> {
  const at = process.argv.indexOf('--height');
  const height = at > 0 ? Number(process.argv[at + 1]) : 2250;
  const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' };
  const run = spawnSync('npx', ['nx', 'run', 'digits-mlp:tune'], { cwd: ROOT, env, stdio: 'inherit' });
  if (run.status !== 0) throw new Error(`npx nx run digits-mlp:tune exited with ${run.status}`);
  const report = join(ROOT, 'dist', 'hpo', 'digits-mlp', 'tune', 'report.html');
  if (!existsSync(report)) throw new Error(`${report} is missing`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(pathToFileURL(report).href);
    await page.waitForSelector('html[data-ready="true"]');
    mkdirSync(join(ROOT, 'docs'), { recursive: true });
    const out = join(ROOT, 'docs', 'report.png');
    await page.screenshot({ path: out, fullPage: true, clip: { x: 0, y: 0, width: 1280, height } });
    console.log(`wrote ${out}`);
  } finally {
    await browser.close();
  }
}

runMain(main);
