// Writes Standard MIDI Files (format 1) for the test material: tempo, meter, programs and notes.

export interface MidiNote {
  /** Start in ticks from the file's start. */
  readonly tick: number;
  readonly durationTicks: number;
  readonly key: number;
  readonly velocity: number;
}

export interface MidiTrack {
  /** 0-based MIDI channel (9 = General MIDI drums). */
  readonly channel: number;
  /** General MIDI program 0..127 (ignored on channel 9). */
  readonly program: number;
  /** Channel volume (CC7), 0..127. */
  readonly volume?: number;
  /** Pan (CC10), 0..127, 64 = centre. */
  readonly pan?: number;
  readonly notes: readonly MidiNote[];
}

export interface MidiSong {
  /** Ticks per quarter note. */
  readonly ppq: number;
  readonly bpm: number;
  readonly meter: { readonly numerator: number; readonly denominator: number };
  readonly tracks: readonly MidiTrack[];
  /** End of the song in ticks (an end-of-track event is placed there). */
  readonly endTick: number;
}

function varLen(v: number): number[] {
  const bytes = [v & 0x7f];
  v >>>= 7;
  while (v > 0) {
    bytes.unshift((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  return bytes;
}

function chunk(type: string, body: number[]): number[] {
  const n = body.length;
  return [...[...type].map((c) => c.charCodeAt(0)), (n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255, ...body];
}

interface Ev { tick: number; order: number; bytes: number[] }

function trackBody(events: Ev[], endTick: number): number[] {
  events.sort((a, b) => a.tick - b.tick || a.order - b.order);
  const out: number[] = [];
  let last = 0;
  for (const e of events) {
    out.push(...varLen(e.tick - last), ...e.bytes);
    last = e.tick;
  }
  out.push(...varLen(Math.max(0, endTick - last)), 0xff, 0x2f, 0x00);
  return out;
}

/** Encodes a song as SMF format 1: a conductor track (tempo, meter) plus one track per part. */
export function encodeMidi(song: MidiSong): Uint8Array {
  const usPerQuarter = Math.round(60_000_000 / song.bpm);
  const conductor: Ev[] = [
    { tick: 0, order: 0, bytes: [0xff, 0x51, 0x03, (usPerQuarter >>> 16) & 255, (usPerQuarter >>> 8) & 255, usPerQuarter & 255] },
    { tick: 0, order: 1, bytes: [0xff, 0x58, 0x04, song.meter.numerator, Math.log2(song.meter.denominator), 24, 8] },
  ];
  const chunks: number[] = [...chunk('MThd', [0, 1, 0, song.tracks.length + 1, (song.ppq >>> 8) & 255, song.ppq & 255])];
  chunks.push(...chunk('MTrk', trackBody(conductor, song.endTick)));
  for (const t of song.tracks) {
    const ch = t.channel & 15;
    const evs: Ev[] = [
      { tick: 0, order: 0, bytes: [0xb0 | ch, 7, t.volume ?? 100] },
      { tick: 0, order: 1, bytes: [0xb0 | ch, 10, t.pan ?? 64] },
    ];
    if (ch !== 9) evs.push({ tick: 0, order: 2, bytes: [0xc0 | ch, t.program & 127] });
    for (const n of t.notes) {
      const on = Math.max(0, Math.round(n.tick));
      const off = Math.max(on + 1, Math.round(n.tick + n.durationTicks));
      // note-offs sort before note-ons at the same tick so a repeated key retriggers cleanly
      evs.push({ tick: on, order: 4, bytes: [0x90 | ch, n.key & 127, Math.max(1, Math.min(127, Math.round(n.velocity)))] });
      evs.push({ tick: off, order: 3, bytes: [0x80 | ch, n.key & 127, 0] });
    }
    chunks.push(...chunk('MTrk', trackBody(evs, song.endTick)));
  }
  return Uint8Array.from(chunks);
}
