// `stylebridge plugin install`: copies the built VST3, CLAP and LV2 bundles into the user's plugin folders.
import { installPlugins, type PluginFormat } from '../../plugin-install.js';
import type { CliIo } from '../main.js';
import { emit } from '../output.js';

export async function run(opts: { format?: PluginFormat[]; dryRun?: boolean; json?: boolean }, io: CliIo): Promise<number> {
  const done = installPlugins({ ...(opts.format ? { formats: opts.format } : {}), ...(opts.dryRun ? { dryRun: true } : {}) });
  emit(io, opts.json, { installed: done, dryRun: Boolean(opts.dryRun) }, () =>
    [`${opts.dryRun ? 'would install' : 'installed'}:`, ...done.map((d) => `  ${d.format.padEnd(5)} ${d.to}`), 'Rescan plugins in your DAW to find Stylebridge.'].join('\n'));
  return 0;
}
