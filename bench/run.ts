// `npm run bench`: runs the benchmarks one after another (each writes bench/out/NAME.json) and prints one summary.
// Usage: npm run bench [-- NAME ...]   NAMEs: server audio library concat render plugin native-audio plugin-fuzz model-small native transformersjs (default: all but the long ones)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const BENCHES: Record<string, { script: string; out: string; long?: boolean }> = {
  server: { script: 'bench/server-bench.ts', out: 'server.json' },
  audio: { script: 'bench/audio-throughput.ts', out: 'audio.json' },
  library: { script: 'bench/library-bench.ts', out: 'library.json' },
  concat: { script: 'bench/concat-bench.ts', out: 'concat.json' },
  render: { script: 'bench/render-throughput.ts', out: 'render.json' },
  plugin: { script: 'bench/plugin-bench.ts', out: 'plugin.json' },
  'plugin-fuzz': { script: 'bench/plugin-fuzz.ts', out: 'plugin-fuzz.json', long: true },
  'model-small': { script: 'bench/model-small-package.ts', out: 'model-small.json', long: true },
  native: { script: 'bench/native-step.ts', out: 'native.json', long: true },
  transformersjs: { script: 'bench/transformersjs.ts', out: 'transformersjs.json', long: true },
  'native-audio': { script: 'bench/native-audio.ts', out: 'native-audio.json' },
};

const asked = process.argv.slice(2);
for (const a of asked) if (!BENCHES[a]) { console.error(`bench: unknown benchmark "${a}"; known: ${Object.keys(BENCHES).join(', ')}`); process.exit(2); }
const names = asked.length ? asked : Object.keys(BENCHES).filter((n) => !BENCHES[n]!.long);
const outDir = new URL('out/', import.meta.url);
mkdirSync(outDir, { recursive: true });
const summary: Record<string, unknown> = { date: new Date().toISOString(), node: process.version, cpus: (await import('node:os')).cpus().length };
for (const name of names) {
  const b = BENCHES[name]!;
  process.stderr.write(`bench: ${name} (${b.script})\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', b.script], { stdio: ['ignore', 'inherit', 'inherit'] });
  const file = new URL(b.out, outDir);
  summary[name] = r.status === 0 && existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : { failed: `exit ${r.status ?? r.signal}` };
}
writeFileSync(new URL('summary.json', outDir), `${JSON.stringify(summary, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(summary)}\n`);
