// Tests that the lint rule keeps src/common free of Node/DOM/electron and src/browser free of Node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ESLint } from 'eslint';

const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

async function ruleIds(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => m.ruleId ?? 'fatal');
}

test('src/common may not import Node built-ins, electron or touch the DOM', async () => {
  assert.deepEqual(await ruleIds("import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n", 'src/common/probe.ts'), ['no-restricted-imports']);
  assert.deepEqual(await ruleIds("import { app } from 'electron';\nexport const a = app;\n", 'src/common/probe.ts'), ['no-restricted-imports']);
  assert.deepEqual(await ruleIds('export const a = document.title;\n', 'src/common/probe.ts'), ['no-restricted-globals']);
  assert.deepEqual(await ruleIds("import { x } from '../node/server/server.js';\nexport const a = x;\n", 'src/common/probe.ts'), ['no-restricted-imports']);
});

test('src/browser may use the DOM but not Node built-ins or src/node', async () => {
  assert.deepEqual(await ruleIds('export const a = document.title;\n', 'src/browser/probe.ts'), []);
  assert.deepEqual(await ruleIds("import path from 'path';\nexport const a = path;\n", 'src/browser/probe.ts'), ['no-restricted-imports']);
  assert.deepEqual(await ruleIds("import { x } from '../node/server/server.js';\nexport const a = x;\n", 'src/browser/probe.ts'), ['no-restricted-imports']);
});

test('src/node may use Node built-ins', async () => {
  assert.deepEqual(await ruleIds("import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n", 'src/node/probe.ts'), []);
});
