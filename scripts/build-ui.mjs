// Bundles the web UI into dist/ui (served by the host at / and loaded by Electron) and the Electron main/preload into dist/electron.
// Usage: node scripts/build-ui.mjs [--watch] [--no-minify] [--out DIR] [--electron-out DIR] [--ui-only]. Offline: esbuild runs locally, nothing is fetched.
import { build, context } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const args = new Set(argv);
const minify = !args.has('--no-minify');
const outIdx = argv.indexOf('--out');
const uiOut = outIdx >= 0 && argv[outIdx + 1] ? resolve(argv[outIdx + 1]) : join(root, 'dist', 'ui');
const eIdx = argv.indexOf('--electron-out');
const electronOut = eIdx >= 0 && argv[eIdx + 1] ? resolve(argv[eIdx + 1]) : join(root, 'dist', 'electron');

/** Static files copied as they are. */
const STATIC_FILES = ['index.html', 'icon.svg'];

const uiOptions = {
  absWorkingDir: root,
  entryPoints: { app: 'src/browser/main.ts' },
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome120', 'firefox121', 'safari17'],
  outdir: uiOut,
  minify,
  sourcemap: 'linked',
  legalComments: 'linked',
  // Strict CSP: no eval, no Function(); a dependency that needs them must not be bundled.
  supported: { 'dynamic-import': true },
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
  metafile: true,
};

const cssOptions = {
  absWorkingDir: root,
  entryPoints: { app: 'src/browser/styles.css' },
  bundle: true,
  outdir: uiOut,
  minify,
  target: ['chrome120', 'firefox121', 'safari17'],
  logLevel: 'warning',
};

const electronOptions = {
  absWorkingDir: root,
  entryPoints: { main: 'electron/main.ts', preload: 'electron/preload.ts' },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  outdir: electronOut,
  outExtension: { '.js': '.cjs' },
  external: ['electron'],
  define: { STYLEBRIDGE_VERSION: JSON.stringify(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version) },
  sourcemap: 'linked',
  logLevel: 'warning',
};

function copyStatic() {
  mkdirSync(uiOut, { recursive: true });
  for (const f of STATIC_FILES) copyFileSync(join(root, 'src', 'browser', f), join(uiOut, f));
}

/** Fails the build when the bundle could break the host's CSP (script-src 'self', no 'unsafe-eval'). */
function checkCsp() {
  const js = readFileSync(join(uiOut, 'app.js'), 'utf8');
  const bad = [/\beval\s*\(/, /\bnew\s+Function\s*\(/].find((re) => re.test(js));
  if (bad) throw new Error(`dist/ui/app.js contains ${bad}: it would be blocked by the UI's Content-Security-Policy.`);
  const html = readFileSync(join(uiOut, 'index.html'), 'utf8');
  if (/<script(?![^>]*\bsrc=)[^>]*>/i.test(html) || /\sstyle=/i.test(html) || /<style/i.test(html)) {
    throw new Error('dist/ui/index.html has inline script or style: the CSP forbids them.');
  }
}

if (args.has('--watch')) {
  copyStatic();
  for (const o of [uiOptions, cssOptions, electronOptions]) await (await context(o)).watch();
  process.stdout.write('build-ui: watching src/browser and electron/\n');
} else {
  rmSync(uiOut, { recursive: true, force: true });
  copyStatic();
  const withElectron = !args.has('--ui-only') && existsSync(join(root, 'electron', 'main.ts'));
  const [ui] = await Promise.all([build(uiOptions), build(cssOptions), ...(withElectron ? [build(electronOptions)] : [])]);
  checkCsp();
  const bytes = Object.values(ui.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
  writeFileSync(join(uiOut, 'build.json'), JSON.stringify({ builtAt: new Date().toISOString(), bytes }, null, 2));
  process.stdout.write(`build-ui: ${uiOut} (${(bytes / 1024).toFixed(0)} KiB of scripts incl. maps)${withElectron ? `, ${electronOut}` : ''}\n`);
}
