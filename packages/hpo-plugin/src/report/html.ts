/**
 * report.html: one self-contained file (inline style, inline script, the data as embedded JSON; no
 * network, no CDN), written atomically so a browser reloading it mid-sweep never sees half a page.
 *
 * The charts are SVG drawn in the page by our own small renderer (src/report/client/, bundled with
 * esbuild at build time into dist/report/client.js, ~43 kB minified), from the same pure scale and
 * layout modules the unit tests check. No chart library: the ones that would do (Plotly 3.5 MB,
 * ECharts 1 MB, Vega 800 kB) would dwarf the data of a typical study, and what we draw (marks,
 * axes, brushes) is a few hundred lines.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { packReport, type ReportData } from './model';

/** `<`, U+2028 and U+2029 escaped: the JSON cannot close its <script> element or break the parser. */
export function embedJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));
}

export function renderReportHtml(data: ReportData, clientJs: string = clientScript()): string {
  const script = clientJs.replace(/<\/script/gi, '<\\/script');
  const title = `${data.kind === 'compare' ? 'Compare studies' : 'Sweep report'}: ${data.title}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="nx-hpo">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main id="app"><noscript>This report draws its charts with JavaScript; the data is in trials.jsonl beside it.</noscript></main>
<div id="tooltip" role="tooltip" hidden></div>
<script type="application/json" id="report-data">${embedJson(packReport(data))}</script>
<script>${script}</script>
</body>
</html>
`;
}

/** Writes `path` through a temporary file in the same folder and a rename (atomic on POSIX). */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = join(dirname(path), `.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

let cachedClient: string | undefined;

/**
 * The bundled page script. The build puts it in dist/report/client.js; running from TypeScript
 * sources without a build, it is bundled here on the fly with esbuild (which tsx brings along).
 */
export function clientScript(): string {
  if (cachedClient !== undefined) return cachedClient;
  const built = __filename.endsWith('.js') ? join(__dirname, 'client.js') : join(__dirname, '..', '..', 'dist', 'report', 'client.js');
  if (existsSync(built)) {
    cachedClient = readFileSync(built, 'utf8');
    return cachedClient;
  }
  const source = join(__dirname, 'client', 'main.ts');
  if (!existsSync(source)) throw new Error(`the report's page script is missing (${built}); rebuild @nx-hpo/plugin`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof import('esbuild');
  cachedClient = bundleClient(esbuild, source);
  return cachedClient;
}

/** One esbuild configuration for the build script and the fallback above. */
export function bundleClient(esbuild: typeof import('esbuild'), entry: string): string {
  const out = esbuild.buildSync({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'es2020',
    platform: 'browser',
    legalComments: 'none',
    write: false,
  });
  return (out.outputFiles[0] as { text: string }).text;
}

const STYLE = `
:root{--fg:#1b1f24;--muted:#5b6470;--line:#d8dde3;--bg:#fff;--panel:#f7f8fa;--accent:#0072B2;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
body{margin:0}main{max-width:1180px;margin:0 auto;padding:20px 24px 60px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:0 0 2px}
.sub{color:var(--muted);margin:0 0 6px}.note{color:var(--muted);font-size:12px;margin:2px 0 6px}
.banner{background:#fff4d6;border:1px solid #e6c35c;padding:6px 10px;border-radius:6px;margin:8px 0}
.chips{display:flex;flex-wrap:wrap;gap:6px;margin:8px 0 14px}.chip{background:var(--panel);border:1px solid var(--line);border-radius:12px;padding:2px 10px;font-size:12px}
.card{border:1px solid var(--line);border-radius:8px;padding:12px 14px;margin:0 0 14px;background:var(--bg)}
.row{display:grid;grid-template-columns:1fr 1fr;gap:14px}.row>.card{margin:0 0 14px;min-width:0}
@media (max-width:900px){.row{grid-template-columns:1fr}}
svg{display:block;width:100%;height:auto;overflow:visible;font-size:11px;font-family:inherit}
svg text{fill:var(--fg)}svg .axis line,svg .axis path{stroke:#8a939e;stroke-width:1;fill:none}svg .grid line{stroke:#eef0f3}
svg .label{fill:var(--muted);font-size:11px}svg .title{font-weight:600;font-size:12px}
.mark{cursor:pointer}.dim{opacity:.06!important}.mark.hi{stroke:#000!important;stroke-width:2px!important;opacity:1!important}
.brush{fill:rgba(0,114,178,.15);stroke:#0072B2}
.plot{position:relative}.plot>canvas,.plot>svg.over{position:absolute;left:0;top:0;width:100%;height:100%;pointer-events:none}.brush-area{fill:transparent;cursor:crosshair}
#tooltip{position:fixed;z-index:10;pointer-events:none;background:#1b1f24;color:#fff;padding:6px 8px;border-radius:6px;font-size:12px;max-width:360px;box-shadow:0 2px 8px rgba(0,0,0,.25)}
#tooltip b{color:#fde725}#tooltip table{border-collapse:collapse}#tooltip td{padding:0 6px 0 0}
.best{display:grid;grid-template-columns:auto 1fr;gap:4px 14px;align-items:start}
code,pre{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}pre.cmd{background:#0f1720;color:#e6edf3;padding:8px 10px;border-radius:6px;white-space:pre-wrap;word-break:break-all;margin:6px 0 0}
button{font:inherit;font-size:12px;border:1px solid var(--line);background:var(--panel);border-radius:5px;padding:2px 8px;cursor:pointer}
table.trials{border-collapse:collapse;width:100%;font-size:12px}table.trials th,table.trials td{padding:3px 6px;line-height:17px;border-bottom:1px solid #eef0f3;text-align:right;white-space:nowrap}
table.trials th{position:sticky;top:0;background:var(--panel);cursor:pointer;user-select:none}table.trials th[aria-sort=ascending]::after{content:" \\25B2"}table.trials th[aria-sort=descending]::after{content:" \\25BC"}
table.trials td.l,table.trials th.l{text-align:left}table.trials tr.is-best{background:#eaf4fb;font-weight:600}table.trials tbody tr:hover{background:#f3f6f9}
.tablewrap{max-height:520px;overflow:auto;border:1px solid var(--line);border-radius:6px}
.state-complete{color:#0072B2}.state-pruned{color:#9a6700}.state-failed{color:#D55E00}
.legend{display:flex;gap:12px;flex-wrap:wrap;font-size:12px;color:var(--muted);margin:4px 0}.legend i{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:4px;vertical-align:-1px}
`;
