// Tests that every stable error code is documented in docs/errors.md (generated) and has a CLI exit code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERROR_CODES } from '../../src/common/error-codes.js';
import { renderErrorsDoc } from '../../src/node/errors-doc.js';
import { EXIT_CODES, exitCodeFor } from '../../src/node/cli/exit-codes.js';

test('docs/errors.md is the current rendering of the error-code table (run npm run docs:errors)', () => {
  assert.equal(readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8'), renderErrorsDoc());
});

test('every error code maps to a documented CLI exit code, and codes are UPPER_SNAKE', () => {
  const documented = new Set<number>(Object.values(EXIT_CODES).map((e) => e.code));
  for (const code of Object.keys(ERROR_CODES) as Array<keyof typeof ERROR_CODES>) {
    assert.match(code, /^[A-Z][A-Z0-9_]*$/);
    assert.ok(documented.has(exitCodeFor(code)), code);
  }
  assert.equal(exitCodeFor('SERVER_NO_SUCH_TRACK'), EXIT_CODES.NOT_FOUND.code);
  assert.equal(exitCodeFor('AUTH_BAD_TOKEN'), EXIT_CODES.AUTH.code);
  assert.equal(exitCodeFor('CLI_NO_HOST'), EXIT_CODES.NO_HOST.code);
  assert.equal(exitCodeFor('AUDIO_TRUNCATED'), EXIT_CODES.BAD_INPUT.code);
});
