// Runs the CLI from its TypeScript sources (what bin/stylebridge.js does with the built files), for tests.
import { runCli } from '../../src/node/cli/main.js';

process.exitCode = await runCli(process.argv.slice(2));
