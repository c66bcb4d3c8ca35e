// Progress display for the CLI: a one-line bar on a TTY, nothing otherwise (JSON mode prints results only).

export interface ProgressSink {
  update(fraction: number, label: string): void;
  done(): void;
}

/** A progress bar on stderr when it is a terminal and JSON output is off; a no-op otherwise. */
export function progressBar(stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }, enabled: boolean): ProgressSink {
  if (!enabled || !stream.isTTY) return { update() { /* not a terminal */ }, done() { /* not a terminal */ } };
  let last = '';
  return {
    update(fraction, label) {
      const f = Math.max(0, Math.min(1, fraction));
      const width = 30;
      const filled = Math.round(f * width);
      const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(f * 100)).padStart(3)}% ${label}`;
      const cols = stream.columns ?? 100;
      const text = line.slice(0, cols - 1);
      if (text !== last) stream.write(`\r${text.padEnd(last.length)}`);
      last = text;
    },
    done() {
      if (last) stream.write(`\r${' '.repeat(last.length)}\r`);
      last = '';
    },
  };
}
