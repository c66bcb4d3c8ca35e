// Runs the real `stylebridge` command line from source (as bin/stylebridge.js runs the built one), for the app's lifecycle tests.
import { runCli } from '../../src/node/cli/main.js';

process.exitCode = await runCli(process.argv.slice(2));
