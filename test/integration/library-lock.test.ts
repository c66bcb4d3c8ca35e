// One writer per project across processes: a second process gets LIBRARY_LOCKED, readers are welcome, and a killed writer frees the project.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasCode } from '../../src/common/errors.js';
import { openProject } from '../../src/node/library/project-library.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHILD = join(ROOT, 'test/support/library-writer-child.ts');

test('while another process writes a project it is locked to writers, readable by readers, and free again once that process is killed', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-lock-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, '7'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
  const exited = new Promise<string | null>((res) => child.on('exit', (_c, sig) => res(sig)));
  // Wait until the writer has committed a few captures.
  await new Promise<void>((res, rej) => {
    let commits = 0;
    child.stdout.setEncoding('utf8').on('data', (d: string) => { commits += (d.match(/^c$/gm) ?? []).length; if (commits >= 3) res(); });
    child.on('exit', () => rej(new Error('writer exited early')));
  });

  assert.throws(() => openProject(dir), (e) => hasCode(e, 'LIBRARY_LOCKED'));
  const reader = openProject(dir, { readOnly: true });
  assert.ok(reader.search({ kind: 'captures' }).total >= 3);
  reader.close();

  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');
  const lib = openProject(dir);
  assert.deepEqual(lib.checkIntegrity(), []);
  lib.close();
});
