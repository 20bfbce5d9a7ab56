/**
 * Real Chromium for the report's browser tests: Debian's /usr/bin/chromium (or $CHROMIUM_PATH)
 * driven by playwright-core. Without it, tests skip with a message on a developer machine and fail
 * loudly in CI (CI=true), so a missing browser can never pass as green.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { repoRoot } from './workspace';

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** Screenshots and pages the browser tests leave for people to look at (git-ignored). */
export const ARTIFACTS = join(repoRoot, 'tmp', 'report-artifacts');

/** The reason browser tests cannot run here, or undefined when they can. Throws in CI. */
export function chromiumMissing(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const why = `chromium not found at ${CHROMIUM}: install it (apt-get update && apt-get install -y chromium) or set CHROMIUM_PATH`;
  if (process.env['CI']) throw new Error(`${why}. Browser tests must run in CI.`);
  return why;
}

export async function launchChromium(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
}

/** Console errors and uncaught exceptions of a page, collected from the moment it opens. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
  page.on('request', (r) => {
    if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) errors.push(`network request: ${r.url()}`);
  });
  return errors;
}
