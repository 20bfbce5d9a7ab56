#!/usr/bin/env node
// Bundles the report's page script (packages/hpo-plugin/src/report/client) into
// packages/hpo-plugin/dist/report/client.js, which report.html inlines. Runs after tsc (it uses the
// compiled html.js for the one esbuild configuration shared with the on-the-fly fallback).
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const root = new URL('..', import.meta.url).pathname;
const plugin = join(root, 'packages', 'hpo-plugin');
const { bundleClient } = require(join(plugin, 'dist', 'report', 'html.js'));
const esbuild = require('esbuild');
const out = join(plugin, 'dist', 'report', 'client.js');
const text = bundleClient(esbuild, join(plugin, 'src', 'report', 'client', 'main.ts'));
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, text);
console.log(`report client: ${out} (${(text.length / 1024).toFixed(1)} kB)`);
