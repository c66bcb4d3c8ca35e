// Writes docs/errors.md from src/common/error-codes.ts (the one table of stable error codes).
import { writeFileSync } from 'node:fs';
import { renderErrorsDoc } from '../src/node/errors-doc.js';

const target = new URL('../docs/errors.md', import.meta.url);
writeFileSync(target, renderErrorsDoc());
process.stdout.write(`wrote ${target.pathname}\n`);
