// Child process for the library's kill -9 test: writes captures, takes and bounces into a project in a loop until it is killed.
// Usage: node --import tsx test/support/library-writer-child.ts PROJECT_DIR SEED
// Prints "ready" once loaded (before opening the project, so a kill can land in the open and sweep too),
// then one JSON line with the sweep report of its open, then "c" after each committed capture and "b" after each bounce.
import { openProject } from '../../src/node/library/project-library.js';
import { captureInput, takeInput, wavBytes } from './library-fixtures.js';

const [dir, seedText] = process.argv.slice(2);
if (!dir) {
  process.stderr.write('usage: library-writer-child.ts PROJECT_DIR SEED\n');
  process.exit(2);
}
let x = (Number(seedText) >>> 0) || 1;
const rand = (n: number): number => {
  x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
  return x % n;
};

process.stdout.write('ready\n');
const lib = openProject(dir);
const s = lib.openSweep;
process.stdout.write(`${JSON.stringify({ swept: s ? s.removedTemp.length + s.removedOrphans.length : 0, missing: s?.missing.length ?? 0 })}\n`);

// Rotate through the operations, starting at a different one per seed, so short-lived runs still cover all of them.
let round = Number(seedText) >>> 0;
for (;;) {
  const frames = 100 + rand(20000);
  const cap = await lib.addCapture(captureInput({ audio: { bytes: wavBytes(frames, 2, 48000, rand(1e9)), extension: 'wav' } }, frames));
  process.stdout.write('c\n');
  const takes = [];
  for (let v = 0; v < 1 + rand(3); v++) {
    const tf = 100 + rand(20000);
    takes.push(await lib.addTake(takeInput(cap.id, { variationIndex: v, seed: rand(1e9), audio: { bytes: wavBytes(tf, 2, 48000, rand(1e9)), extension: 'wav' } }, tf)));
  }
  const pick = takes[rand(takes.length)]!;
  switch (round++ % 4) {
    case 0: lib.setFavourite(pick.id, true); break;
    case 1: lib.deleteTake(pick.id); lib.purgeDeletedTakes(); break;
    case 2: {
      const stems = takes.map((t, i) => ({ track: `Track ${i}`, takeIds: [t.id], audio: { bytes: wavBytes(200 + rand(5000), 2, 48000, rand(1e9)), extension: 'wav' } }));
      await lib.addBounce({ fromBar: 0, toBar: 4, format: 'wav', stems });
      process.stdout.write('b\n');
      break;
    }
    default: break;
  }
}
