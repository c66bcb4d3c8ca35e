// `stylebridge models list|add|verify`: the installed model packages, adding one (verified), checking one.
import { listModels, addModel, modelsDir, resolveModel } from '../../models/installed.js';
import { verifyModelPackage } from '../../models/index.js';
import type { CliIo } from '../main.js';
import { emit } from '../output.js';
import { EXIT_CODES } from '../exit-codes.js';

export async function list(opts: { json?: boolean }, io: CliIo): Promise<number> {
  const models = await listModels();
  emit(io, opts.json, { modelsDir: modelsDir(), models: models.map((m) => ({ name: m.name, dir: m.dir, family: m.manifest?.family ?? null, problem: m.problem ?? null })) }, () =>
    models.length === 0
      ? `No models installed in ${modelsDir()}. Add one with \`stylebridge models add DIR\`.`
      : models.map((m) => `${m.name.padEnd(24)} ${m.manifest ? `${m.manifest.family}, ${m.manifest.lm.layers} layers, d ${m.manifest.lm.dim}` : `unreadable: ${m.problem?.code}`}  ${m.dir}`).join('\n'));
  return 0;
}

export async function add(opts: { dir: string; replace?: boolean; json?: boolean }, io: CliIo): Promise<number> {
  const { report, installedAt } = await addModel(opts.dir, { ...(opts.replace ? { replace: true } : {}) });
  emit(io, opts.json, { installedAt, name: report.manifest?.name, family: report.manifest?.family }, () => `added ${report.manifest?.name} (${report.manifest?.family}) at ${installedAt}`);
  return 0;
}

export async function verify(opts: { dir: string; json?: boolean }, io: CliIo): Promise<number> {
  const report = await verifyModelPackage(resolveModel(opts.dir));
  if (opts.json) io.stdout.write(`${JSON.stringify({ ok: report.ok, dir: report.dir, family: report.manifest?.family ?? null, files: report.files, problems: report.problems })}\n`);
  else {
    io.stdout.write(`${report.ok ? 'ok' : 'INVALID'}: ${report.dir}${report.manifest ? ` (${report.manifest.family} "${report.manifest.name}")` : ''}\n`);
    for (const p of report.problems) io.stdout.write(`  ${p.code}: ${p.message}\n`);
    for (const f of report.files) if (f.unverified) io.stdout.write(`  not checked: ${f.file}: ${f.unverified}\n`);
  }
  return report.ok ? 0 : EXIT_CODES.BAD_INPUT.code;
}
