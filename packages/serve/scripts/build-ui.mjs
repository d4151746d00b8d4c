// Bundles the web UI of `lab serve` (its TypeScript, vega, vega-lite, vega-embed and the CSS)
// into build/ui, which the server serves itself: no CDN, works offline.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
await build({
  absWorkingDir: root,
  entryPoints: { app: 'src/ui/main.ts' },
  outdir: 'build/ui',
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2020',
  platform: 'browser',
  legalComments: 'eof',
  logLevel: 'warning',
});
await build({
  absWorkingDir: root,
  entryPoints: { app: 'src/ui/app.css' },
  outdir: 'build/ui',
  bundle: true,
  minify: true,
  logLevel: 'warning',
});
