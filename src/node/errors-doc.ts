// Renders the table of stable error codes as Markdown (docs/errors.md is this text, checked by a test).
import { ERROR_CODES } from '../common/error-codes.js';
import { EXIT_CODES, exitCodeFor } from './cli/exit-codes.js';

const esc = (s: string): string => s.replace(/\|/g, '\\|');

export function renderErrorsDoc(): string {
  const lines = [
    '# Error codes',
    '',
    'Generated from `src/common/error-codes.ts` by `npm run docs:errors`; a test fails when this file is stale.',
    'Every error that crosses a boundary (protocol, API, CLI, file, model) carries one of these codes.',
    'A code never changes meaning once released. The CLI exit code for each is in the last column.',
    '',
    '| code | what went wrong | what to do next | CLI exit |',
    '|---|---|---|---|',
  ];
  for (const [code, info] of Object.entries(ERROR_CODES)) {
    lines.push(`| \`${code}\` | ${esc(info.summary)} | ${esc(info.hint)} | ${exitCodeFor(code as keyof typeof ERROR_CODES)} |`);
  }
  lines.push('', '## CLI exit codes', '', '| exit | meaning |', '|---|---|');
  for (const [name, e] of Object.entries(EXIT_CODES)) lines.push(`| ${e.code} | ${name}: ${esc(e.meaning)} |`);
  lines.push('');
  return lines.join('\n');
}
