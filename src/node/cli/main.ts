// The `stylebridge` command line: parses flags, runs one command, maps every failure to a documented exit code.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { StylebridgeError } from '../../common/errors.js';
import { EXIT_CODES, exitCodeFor } from './exit-codes.js';
import { VERSION } from '../version.js';

/** Parsers for flag values: each rejects garbage with a one-line reason (exit 2). */
export const parse = {
  int(min: number, max: number) {
    return (v: string): number => {
      if (!/^-?\d+$/.test(v.trim())) throw new InvalidArgumentError(`expected a whole number, got "${v}".`);
      const n = Number(v);
      if (n < min || n > max) throw new InvalidArgumentError(`must be between ${min} and ${max}, got ${n}.`);
      return n;
    };
  },
  num(min: number, max: number) {
    return (v: string): number => {
      const n = Number(v);
      if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a number, got "${v}".`);
      if (n < min || n > max) throw new InvalidArgumentError(`must be between ${min} and ${max}, got ${n}.`);
      return n;
    };
  },
  seed(v: string): number {
    if (!/^\d+$/.test(v.trim())) throw new InvalidArgumentError(`expected a whole number 0..4294967295, got "${v}".`);
    const n = Number(v);
    if (n > 0xffffffff) throw new InvalidArgumentError(`must be at most 4294967295, got ${v}.`);
    return n;
  },
};

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('stylebridge')
    .description('Capture a bar in your DAW, get variations in its style, audition them in sync, keep them.')
    .version(VERSION, '-V, --version')
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: () => { /* printed by runCli as one line plus usage */ },
    });

  const run = (loader: () => Promise<{ run: (opts: never, io: CliIo) => Promise<number> }>) =>
    async (opts: Record<string, unknown>): Promise<void> => {
      const mod = await loader();
      setExit(await mod.run(opts as never, io));
    };

  program.command('serve')
    .description('start the host: plugins connect at /plugin, the UI and the CLI at /ui (127.0.0.1 only)')
    .option('--port <port>', 'port to listen on (default: chosen automatically)', parse.int(1, 65535))
    .option('--project <dir>', 'project folder (library database and audio files)', 'stylebridge-project')
    .option('--json', 'print the listening address as JSON')
    .action(run(() => import('./commands/serve.js')));

  program.command('tracks')
    .description('list the plugins connected to the running host')
    .option('--json', 'print JSON')
    .action(run(() => import('./commands/tracks.js')));

  program.command('capture')
    .description('capture bars that a plugin has heard')
    .requiredOption('--track <id|name>', 'plugin instance id or track name')
    .option('--bar <k>', 'bar index (0-based, as the host counts from its bar 1 = 0); default: the last complete bar', parse.int(0, 1_000_000))
    .option('--bars <n>', 'number of bars', parse.int(1, 8), 1)
    .option('--out <file>', 'write the capture to this WAV file')
    .option('--json', 'print JSON')
    .action(run(() => import('./commands/capture.js')));

  program.command('audition')
    .description('send a take to a plugin and play it from the next bar line (or a given bar)')
    .requiredOption('--track <id|name>', 'plugin instance id or track name')
    .requiredOption('--take <id|file>', 'take id from the library, or an audio file')
    .option('--at-bar <k>', 'start at this bar instead of the next bar line', parse.int(0, 1_000_000))
    .addOption(new Option('--mode <mode>', 'replace the track audio or mix with it').choices(['replace', 'mix']).default('replace'))
    .option('--gain <db>', 'take gain in dB', parse.num(-60, 12), 0)
    .option('--json', 'print JSON')
    .action(run(() => import('./commands/audition.js')));

  program.command('stop')
    .description('stop a plugin playing a take (at the next bar line)')
    .requiredOption('--track <id|name>', 'plugin instance id or track name')
    .option('--now', 'stop immediately instead of at the next bar line')
    .option('--json', 'print JSON')
    .action(run(() => import('./commands/stop.js')));

  program.command('render')
    .description('render variations of a bar from an audio file (offline, no host needed)')
    .requiredOption('--in <file>', 'input audio file (WAV, AIFF, FLAC, MP3, OGG)')
    .requiredOption('--bpm <bpm>', 'tempo of the input in quarter notes per minute', parse.num(20, 999))
    .option('--meter <n/d>', 'meter of the input', '4/4')
    .option('--bar <k>', 'the source bar: bar index in the input file (0-based)', parse.int(0, 1_000_000))
    .option('--start <seconds>', 'the source bar starts at this time in the input instead', parse.num(0, 86400))
    .option('--source-bars <n>', 'how many bars of the input form the source', parse.int(1, 8), 1)
    .option('--bars <n>', 'length of each variation in bars', parse.int(1, 64), 1)
    .requiredOption('--variations <n>', 'number of variations', parse.int(1, 64))
    .requiredOption('--out <dir>', 'output folder (created if missing)')
    .option('--engine <name>', 'engine id (see `stylebridge doctor`)', 'concat')
    .option('--model <dir>', 'model package folder (neural engines)')
    .option('--prompt <text>', 'text prompt (engines that understand text)')
    .option('--variant <name>', "the model's quantized LM variant: int8, int4, or q8 (native addon only); default float32")
    .option('--strength <s>', '1..6: 6 stays closest to the source, 1 is freest', parse.int(1, 6))
    .option('--cfg <a>', 'classifier-free guidance coefficient', parse.num(0, 20))
    .option('--cfg-beta <b>', 'double guidance text coefficient', parse.num(0, 20))
    .option('--top-k <k>', 'top-k sampling', parse.int(0, 100000))
    .option('--temperature <t>', 'sampling temperature', parse.num(0.01, 10))
    .option('--seed <n>', 'seed of the first variation', parse.seed, 1)
    .option('--sample-rate <hz>', 'output sample rate (default: the input rate)', parse.int(22050, 192000))
    .addOption(new Option('--format <fmt>', 'output file format').choices(['wav', 'flac']).default('wav'))
    .addOption(new Option('--bit-depth <bits>', 'WAV sample format').choices(['16', '24', '32f']).default('24'))
    .option('--json', 'print JSON')
    .action(run(() => import('./commands/render.js')));

  program.command('bounce')
    .description("write one stem per track from each track's chosen takes over a bar range")
    .requiredOption('--project <dir>', 'project folder')
    .requiredOption('--from-bar <a>', 'first bar (0-based)', parse.int(0, 1_000_000))
    .requiredOption('--to-bar <b>', 'bar after the last one (exclusive)', parse.int(1, 1_000_000))
    .requiredOption('--out <dir>', 'output folder')
    .addOption(new Option('--format <fmt>', 'output file format').choices(['wav', 'flac']).default('wav'))
    .option('--json', 'print JSON')
    .action(run(() => import('./commands/bounce.js')));

  const models = program.command('models').description('neural model packages (docs/model-package.md)');
  models.command('list').description('the installed model packages').option('--json', 'print JSON')
    .action(async (o: Record<string, unknown>) => setExit(await (await import('./commands/models.js')).list(o as never, io)));
  models.command('add').description('verify a package and copy it into the models folder').argument('<dir>', 'package folder')
    .option('--replace', 'replace an installed package of the same name').option('--json', 'print JSON')
    .action(async (dir: string, o: Record<string, unknown>) => setExit(await (await import('./commands/models.js')).add({ ...o, dir } as never, io)));
  models.command('verify').description("check a package's manifest, files and tensor signatures").argument('<dir>', 'package folder or installed name')
    .option('--json', 'print JSON')
    .action(async (dir: string, o: Record<string, unknown>) => setExit(await (await import('./commands/models.js')).verify({ ...o, dir } as never, io)));

  const plugin = program.command('plugin').description('manage the DAW plugin');
  plugin.command('install')
    .description('copy the built VST3, CLAP and LV2 bundles into your user plugin folders (~/.vst3, ~/.clap, ~/.lv2 on Linux)')
    .addOption(new Option('--format <fmt...>', 'only these formats').choices(['vst3', 'clap', 'lv2']))
    .option('--dry-run', 'say where the bundles would go without copying')
    .option('--json', 'print JSON')
    .action(run(() => import('./commands/plugin-install.js')));

  program.command('doctor')
    .description('report what is available: engines, native addon, ONNX Runtime providers, audio devices, plugin builds, paths')
    .option('--json', 'print JSON')
    .action(run(() => import('./commands/doctor.js')));

  return program;
}

/** Runs the CLI with the given arguments (without `node` and the script) and returns the exit code. */
export async function runCli(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let exit: number = EXIT_CODES.OK.code;
  const program = buildProgram(io, (c) => { exit = c; });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exit;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT_CODES.OK.code;
      const sub = program.commands.find((c) => argv.includes(c.name()));
      io.stderr.write(`stylebridge: ${err.message.replace(/^error: /, '')}\n`);
      io.stderr.write((sub ?? program).helpInformation());
      return EXIT_CODES.USAGE.code;
    }
    return reportError(err, io, argv.includes('--json'));
  }
}

/** Prints an error as one line (or JSON) and returns its exit code. */
export function reportError(err: unknown, io: CliIo, json: boolean): number {
  if (err instanceof StylebridgeError) {
    if (json) io.stdout.write(`${JSON.stringify({ ok: false, error: err.toJSON() })}\n`);
    io.stderr.write(`stylebridge: ${err.code}: ${err.message}\n  ${err.hint}\n`);
    return exitCodeFor(err.code);
  }
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  if (json) io.stdout.write(`${JSON.stringify({ ok: false, error: { code: 'INTERNAL', message: String(err) } })}\n`);
  io.stderr.write(`stylebridge: INTERNAL: ${message}\n`);
  return EXIT_CODES.INTERNAL.code;
}
