// Installed model packages: the models folder in the config folder, listing, adding (verified copy) and finding them.
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { StylebridgeError } from '../../common/errors.js';
import { configDir } from '../discovery.js';
import { readManifest, type ModelManifest } from './manifest.js';
import { verifyModelPackage, type VerifyReport } from './verify.js';

/** $STYLEBRIDGE_MODELS_DIR, else `models/` in the config folder (docs/protocol.md section 1 says where that is). */
export function modelsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.STYLEBRIDGE_MODELS_DIR ? resolve(env.STYLEBRIDGE_MODELS_DIR) : join(configDir(env), 'models');
}

export interface InstalledModel {
  readonly name: string;
  readonly dir: string;
  readonly manifest: ModelManifest | null;
  /** Why the manifest could not be read, when it could not. */
  readonly problem?: { code: string; message: string };
}

/** Every folder in the models folder, with its manifest (or why it is unreadable). */
export async function listModels(dir: string = modelsDir()): Promise<InstalledModel[]> {
  if (!existsSync(dir)) return [];
  const out: InstalledModel[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory() || e.name.startsWith('.')) continue;
    const path = join(dir, e.name);
    try {
      out.push({ name: e.name, dir: path, manifest: await readManifest(path) });
    } catch (err) {
      const se = err instanceof StylebridgeError ? err : undefined;
      out.push({ name: e.name, dir: path, manifest: null, problem: { code: se?.code ?? 'INTERNAL', message: se?.message ?? String(err) } });
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Verifies a package and copies it into the models folder under its manifest name (atomically: into a
 * hidden temp folder, then renamed). A package that fails verification is not added.
 */
export async function addModel(source: string, opts: { dir?: string; replace?: boolean } = {}): Promise<{ report: VerifyReport; installedAt: string }> {
  const dir = opts.dir ?? modelsDir();
  const report = await verifyModelPackage(resolve(source));
  if (!report.ok || !report.manifest) {
    const first = report.problems[0];
    throw new StylebridgeError((first?.code as 'MODEL_FILE_CORRUPT' | undefined) ?? 'MODEL_FILE_CORRUPT', `${source} is not a valid model package: ${first?.message ?? 'verification failed'}`, { problems: report.problems.length });
  }
  const name = report.manifest.name.replace(/[^A-Za-z0-9._-]+/g, '-');
  const target = join(dir, name);
  if (existsSync(target) && !opts.replace) {
    throw new StylebridgeError('MODEL_ALREADY_INSTALLED', `A model named "${name}" is already installed at ${target}.`, { target });
  }
  mkdirSync(dir, { recursive: true });
  const temp = join(dir, `.${name}.${process.pid}.partial`);
  rmSync(temp, { recursive: true, force: true });
  cpSync(resolve(source), temp, { recursive: true });
  if (existsSync(target)) rmSync(target, { recursive: true, force: true });
  renameSync(temp, target);
  return { report, installedAt: target };
}

/** A model given by folder path (a package, or an Optimum-layout folder with config.json) or by installed name. */
export function resolveModel(ref: string, dir: string = modelsDir()): string {
  if (existsSync(join(ref, 'manifest.json')) || existsSync(join(ref, 'config.json'))) return resolve(ref);
  const byName = join(dir, ref);
  if (existsSync(join(byName, 'manifest.json'))) return byName;
  throw new StylebridgeError('MODEL_MANIFEST_MISSING', `No model package at "${ref}" and none installed under that name in ${dir}.`, { ref, modelsDir: dir });
}
