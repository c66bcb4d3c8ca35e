// The grooves of the test material: six styles written as note events, each at two tempos.
import type { Meter } from '../../src/common/timing.js';

/** A General MIDI part rendered by fluidsynth. */
export interface GmPart {
  readonly kind: 'gm';
  readonly channel: number;
  readonly program: number;
  readonly volume?: number;
  readonly pan?: number;
}

/** A drum sample from a Hydrogen kit, mixed by the material generator's own sample placer. */
export interface SamplePart {
  readonly kind: 'sample';
  /** Kit folder under /usr/share/hydrogen/data/drumkits and the sample's file name. */
  readonly kit: string;
  readonly file: string;
  readonly gain: number;
  /** -1 (left) .. 1 (right). */
  readonly pan: number;
}

export type Part = GmPart | SamplePart;

export interface NoteEvent {
  readonly part: string;
  /** Position in quarter notes from the bar line. */
  readonly at: number;
  /** Length in quarter notes (GM parts; samples play to their end). */
  readonly len: number;
  /** MIDI key (GM parts; ignored for samples). */
  readonly key: number;
  readonly vel: number;
}

export interface StyleDef {
  readonly id: string;
  readonly description: string;
  readonly meter: Meter;
  readonly tempos: readonly number[];
  readonly sampleRate: number;
  readonly parts: Readonly<Record<string, Part>>;
  /** The events of one bar (every bar of the groove is the same). */
  readonly bar: readonly NoteEvent[];
}

const ev = (part: string, at: number, vel: number, key = 0, len = 0.25): NoteEvent => ({ part, at, len, key, vel });
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

const EE = 'ElectricEmpireKit';
const VB = 'VariBreaks';
const HE = 'HardElectro1';

// Four-on-the-floor house: sampled kick, clap and hats, synth bass on the off-beats.
const house: StyleDef = {
  id: 'house',
  description: 'four-on-the-floor house (Hydrogen samples + GM synth bass)',
  meter: { numerator: 4, denominator: 4 },
  tempos: [124, 128],
  sampleRate: 48000,
  parts: {
    kick: { kind: 'sample', kit: EE, file: 'EE_Kick_Hard_1.flac', gain: 0.9, pan: 0 },
    clap: { kind: 'sample', kit: EE, file: 'EE_Clap.flac', gain: 0.6, pan: 0.1 },
    hat: { kind: 'sample', kit: EE, file: 'EE_Hat_Cl_Bs.flac', gain: 0.45, pan: -0.3 },
    ohat: { kind: 'sample', kit: EE, file: 'EE_Hat_Op_Dirty.flac', gain: 0.35, pan: 0.3 },
    bass: { kind: 'gm', channel: 0, program: 38, volume: 96 },
  },
  bar: [
    ...range(4).map((b) => ev('kick', b, 115)),
    ev('clap', 1, 110), ev('clap', 3, 110),
    ev('hat', 0.5, 100), ev('ohat', 1.5, 100), ev('hat', 2.5, 100), ev('ohat', 3.5, 100),
    ev('hat', 0.75, 50), ev('hat', 2.75, 50),
    ev('bass', 0.5, 100, 33, 0.3), ev('bass', 1.5, 95, 33, 0.3), ev('bass', 2.5, 100, 36, 0.3), ev('bass', 3.5, 95, 31, 0.3),
  ],
};

// Breakbeat: syncopated sampled kick/snare with ghost notes and swung 16ths.
const swing16 = 0.035;
const breakbeat: StyleDef = {
  id: 'breakbeat',
  description: 'syncopated breakbeat with ghost snares and swung sixteenths (Hydrogen VariBreaks)',
  meter: { numerator: 4, denominator: 4 },
  tempos: [96, 132],
  sampleRate: 44100,
  parts: {
    kick: { kind: 'sample', kit: VB, file: 'VP Kick 1.flac', gain: 0.9, pan: 0 },
    snare: { kind: 'sample', kit: VB, file: 'VP Snare 1.flac', gain: 0.75, pan: 0.05 },
    ghost: { kind: 'sample', kit: VB, file: 'VP Snare 2.flac', gain: 0.3, pan: 0.05 },
    hat: { kind: 'sample', kit: VB, file: 'VP Hat 1 Cl.flac', gain: 0.4, pan: -0.25 },
    ohat: { kind: 'sample', kit: VB, file: 'VP Hat 1 Op.flac', gain: 0.3, pan: -0.25 },
  },
  bar: [
    ev('kick', 0, 120), ev('kick', 0.5, 95), ev('kick', 2.5, 115), ev('kick', 2.75 + swing16, 90),
    ev('snare', 1, 120), ev('snare', 3, 120),
    ev('ghost', 1.75 + swing16, 70), ev('ghost', 2.25 + swing16, 60), ev('ghost', 3.75 + swing16, 75),
    ...range(8).filter((i) => i !== 7).map((i) => ev('hat', i * 0.5, i % 2 === 0 ? 100 : 80)),
    ev('ohat', 3.5, 90),
  ],
};

// Half-time trap: backbeat on beat 3, sixteenth hats with a triplet roll, long 808-style bass.
const trap: StyleDef = {
  id: 'trap',
  description: 'half-time trap with hat rolls and a long synth bass (Hydrogen HardElectro1 + GM)',
  meter: { numerator: 4, denominator: 4 },
  tempos: [140, 150],
  sampleRate: 48000,
  parts: {
    kick: { kind: 'sample', kit: HE, file: 'PowR_BD_1.flac', gain: 0.85, pan: 0 },
    clap: { kind: 'sample', kit: HE, file: 'Clap_1.flac', gain: 0.7, pan: 0 },
    hat: { kind: 'sample', kit: HE, file: 'Hard_CHH_01.flac', gain: 0.35, pan: 0.2 },
    ohat: { kind: 'sample', kit: HE, file: 'Hard_Hse_OHH_1.flac', gain: 0.3, pan: -0.2 },
    bass: { kind: 'gm', channel: 0, program: 39, volume: 110 },
  },
  bar: [
    ev('kick', 0, 120), ev('kick', 1.75, 100), ev('kick', 2.5, 110),
    ev('clap', 2, 120),
    ...range(12).map((i) => ev('hat', i * 0.25, i % 2 === 0 ? 95 : 70)),
    ...range(6).map((i) => ev('hat', 3 + i / 6, 60 + i * 8)),
    ev('ohat', 3.5, 90),
    ev('bass', 0, 115, 28, 1.5), ev('bass', 2.5, 110, 31, 1.0),
  ],
};

// 6/8 shuffle: GM kit with kick on 1, snare on 4, swung ride, walking bass and organ stabs.
const shuffle: StyleDef = {
  id: 'shuffle68',
  description: '6/8 shuffle (GM drums, bass and organ through fluidsynth)',
  meter: { numerator: 6, denominator: 8 },
  tempos: [84, 100],
  sampleRate: 48000,
  parts: {
    drums: { kind: 'gm', channel: 9, program: 0, volume: 110 },
    bass: { kind: 'gm', channel: 1, program: 33, volume: 100 },
    organ: { kind: 'gm', channel: 2, program: 17, volume: 70, pan: 80 },
  },
  bar: [
    ev('drums', 0, 120, 36), ev('drums', 2.5 * 0.5, 95, 36), ev('drums', 1.5, 120, 38),
    ...range(6).map((i) => ev('drums', i * 0.5, i % 3 === 0 ? 110 : 80, 51)),
    ...range(6).map((i) => ev('drums', i * 0.5 + 0.33, 55, 42)),
    ev('bass', 0, 110, 38, 0.7), ev('bass', 1.0, 95, 41, 0.45), ev('bass', 1.5, 105, 45, 0.7), ev('bass', 2.5, 95, 43, 0.45),
    ev('organ', 1.0, 90, 62, 0.3), ev('organ', 1.0, 90, 65, 0.3), ev('organ', 1.0, 90, 69, 0.3),
    ev('organ', 2.5, 90, 60, 0.3), ev('organ', 2.5, 90, 64, 0.3), ev('organ', 2.5, 90, 67, 0.3),
  ],
};

// Bass and keys: electric-piano chord stabs over a fingered bass line, no drums.
const keys: StyleDef = {
  id: 'basskeys',
  description: 'bass-and-keys loop: electric piano stabs and fingered bass (GM through fluidsynth)',
  meter: { numerator: 4, denominator: 4 },
  tempos: [92, 110],
  sampleRate: 44100,
  parts: {
    ep: { kind: 'gm', channel: 0, program: 4, volume: 100, pan: 70 },
    bass: { kind: 'gm', channel: 1, program: 33, volume: 110, pan: 60 },
  },
  bar: [
    ...[57, 60, 64, 67].map((k) => ev('ep', 0, 95, k, 0.7)),
    ...[57, 60, 64, 67].map((k) => ev('ep', 1.5, 85, k, 0.4)),
    ...[50, 53, 57, 60, 64].map((k) => ev('ep', 2.5, 95, k, 0.45)),
    ...[50, 53, 57, 60, 64].map((k) => ev('ep', 3.25, 80, k, 0.5)),
    ev('bass', 0, 115, 33, 0.45), ev('bass', 0.75, 95, 45, 0.2), ev('bass', 1.5, 105, 36, 0.45),
    ev('bass', 2.5, 110, 38, 0.45), ev('bass', 3.25, 100, 40, 0.3), ev('bass', 3.75, 95, 43, 0.2),
  ],
};

// 7/8 grouped 2+2+3: GM kit with cowbell on the long group, picked bass.
const seven: StyleDef = {
  id: 'odd78',
  description: '7/8 groove grouped 2+2+3 (GM drums, cowbell and picked bass through fluidsynth)',
  meter: { numerator: 7, denominator: 8 },
  tempos: [120, 140],
  sampleRate: 44100,
  parts: {
    drums: { kind: 'gm', channel: 9, program: 0, volume: 110 },
    bass: { kind: 'gm', channel: 1, program: 34, volume: 105 },
  },
  bar: [
    ev('drums', 0, 120, 36), ev('drums', 1.0, 115, 38), ev('drums', 2.0, 110, 36), ev('drums', 3.0, 110, 38),
    ...range(7).map((i) => ev('drums', i * 0.5, [0, 2, 4].includes(i) ? 105 : 70, 42)),
    ev('drums', 2.0, 95, 56), ev('drums', 2.5, 75, 56),
    ev('bass', 0, 110, 40, 0.45), ev('bass', 1.0, 100, 43, 0.45), ev('bass', 2.0, 105, 45, 0.7), ev('bass', 3.0, 95, 47, 0.3),
  ],
};

export const STYLES: readonly StyleDef[] = [house, breakbeat, trap, shuffle, keys, seven];
