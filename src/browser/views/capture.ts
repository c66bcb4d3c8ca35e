// The Source panel: capture the last bar(s) or a bar range from the selected track, or drop an audio file; shows the source's waveform on its beat grid.
import { html } from 'htm/preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { CaptureRecord } from '../../common/ui-client/types.js';
import type { AudioBuffer } from '../../common/audio-buffer.js';
import { StylebridgeError } from '../../common/errors.js';
import { FrameKind, encodeTransfer } from '../../common/protocol/frame.js';
import { parseMeter } from '../../common/timing.js';
import * as fmt from '../format.js';
import { useApp } from './context.js';
import { ErrorNote } from './error-note.js';
import { icons } from './icons.js';
import { Waveform } from './waveform-view.js';

/** Largest audio file the page sends to the host (the host's own limit is 64 MiB of base64). */
export const MAX_DROP_BYTES = 32 * 1024 * 1024;
/** Rate a dropped file is decoded at when no track is selected. */
export const DEFAULT_IMPORT_RATE = 48000;
/** Frame size used when the host's welcome did not name maxBinaryMessageBytes. */
const DEFAULT_BINARY_MESSAGE_BYTES = 1024 * 1024;
/** Channels kept from a dropped file (the protocol's maxChannels default). */
const MAX_IMPORT_CHANNELS = 8;

const kib = (n: number) => (n >= 1048576 ? `${(n / 1048576).toFixed(1)} MiB` : `${Math.ceil(n / 1024)} KiB`);

export function CapturePanel() {
  const { store } = useApp();
  const track = store.selectedTrack.value;
  const tr = track ? store.transportOf(track.id).value?.t : undefined;
  const cap = store.selectedCapture.value;
  const [bars, setBars] = useState(1);
  const [fromBar, setFromBar] = useState('');
  const [busy, setBusy] = useState<string | undefined>(undefined);
  const [dragOver, setDragOver] = useState(false);
  const [dropBpm, setDropBpm] = useState('');
  const [dropMeter, setDropMeter] = useState('');
  const libraryOn = store.hostFeatures.value.library;

  const capture = async () => {
    if (!track) return;
    setBusy('capture');
    const bar = fromBar.trim() === '' ? undefined : Number(fromBar) - 1;
    const r = await store.attempt('capture', () => {
      if (bar !== undefined && (!Number.isInteger(bar) || bar < 0)) throw new StylebridgeError('INVALID_ARGUMENT', 'The first bar must be a whole number from 1.');
      return store.client.call('captures.take', { track: track.id, bars, ...(bar !== undefined ? { bar } : {}) });
    });
    setBusy(undefined);
    if (r) addCapture(r.capture);
  };

  const addCapture = (c: CaptureRecord) => {
    if (!store.captures.peek().some((x) => x.id === c.id)) store.captures.value = [c, ...store.captures.peek()];
    store.selectCapture(c.id);
  };

  const importFile = async (file: File) => {
    setBusy('import');
    const r = await store.attempt('capture', async () => {
      if (file.size > MAX_DROP_BYTES) throw new StylebridgeError('UI_FILE_TOO_LARGE', `${file.name} is ${kib(file.size)}; at most ${kib(MAX_DROP_BYTES)} can be dropped.`, { limit: 'maxDropBytes', max: MAX_DROP_BYTES, value: file.size });
      const bpm = dropBpm.trim() ? Number(dropBpm) : tr?.bpm ?? 120;
      const meter = dropMeter.trim() ? parseMeter(dropMeter.trim()) : { numerator: tr?.meterNum ?? 4, denominator: tr?.meterDen ?? 4 };
      // Decoded here at the track's rate (the rate takes are rendered at), then sent as audio frames after the call.
      const rate = track?.identity.sampleRate ?? DEFAULT_IMPORT_RATE;
      const audio = await decodeFile(file, rate);
      const limits = store.connection.peek().limits ?? {};
      const frames = audio.channels[0]?.length ?? 0;
      const bytes = frames * audio.channels.length * 4;
      if ((limits.maxTransferFrames !== undefined && frames > limits.maxTransferFrames) || (limits.maxTransferBytes !== undefined && bytes > limits.maxTransferBytes)) {
        throw new StylebridgeError('UI_FILE_TOO_LARGE', `${file.name} decodes to ${(frames / rate).toFixed(1)} s (${kib(bytes)} of samples); the host takes at most ${kib(limits.maxTransferBytes ?? bytes)} in one transfer.`, { limit: 'maxTransferBytes', max: limits.maxTransferBytes, value: bytes });
      }
      const maxMessage = limits.maxBinaryMessageBytes ?? DEFAULT_BINARY_MESSAGE_BYTES;
      return store.client.call('captures.import', { name: file.name.slice(0, 255), bpm, meter, sampleRate: rate, channels: audio.channels.length, frames }, {
        afterSend: (id) => { for (const f of encodeTransfer(FrameKind.take, id, audio, maxMessage)) store.client.sendBinary(f); },
      });
    });
    setBusy(undefined);
    if (r) addCapture(r.capture);
  };

  // A file dropped anywhere on the page becomes the source (and never makes the browser open it instead).
  const importRef = useRef(importFile);
  importRef.current = importFile;
  useEffect(() => {
    const hasFiles = (e: DragEvent) => [...(e.dataTransfer?.types ?? [])].includes('Files');
    const over = (e: DragEvent) => { if (hasFiles(e)) e.preventDefault(); };
    const drop = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      const file = e.dataTransfer?.files[0];
      if (file && libraryOn) void importRef.current(file);
    };
    addEventListener('dragover', over);
    addEventListener('drop', drop);
    return () => { removeEventListener('dragover', over); removeEventListener('drop', drop); };
  }, [libraryOn]);

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    e.stopPropagation();
    setDragOver(false);
    const file = e.dataTransfer?.files[0];
    if (file) void importFile(file);
  };

  const grid = useMemo(() => cap ? { bars: cap.bars, bpm: cap.bpm, meter: cap.meter, sampleRate: cap.sampleRate, frames: cap.frames } : undefined, [cap?.id]);
  const trackName = track ? track.identity.trackName || 'Untitled track' : undefined;

  return html`<section class="panel source" aria-labelledby="source-h">
    <header class="panel-head">
      <h2 id="source-h">Source</h2>
      <span class="muted">${trackName ? html`from <strong>${trackName}</strong>` : 'no track selected'}</span>
    </header>
    <div class="source-controls">
      <button type="button" class="btn btn-primary" disabled=${!track || !!busy || !libraryOn} onClick=${capture} aria-keyshortcuts="c">
        ${icons.capture()} ${busy === 'capture' ? 'Capturing…' : fromBar.trim() ? 'Capture range' : bars === 1 ? 'Capture last bar' : `Capture last ${bars} bars`}
      </button>
      <label class="field field-inline"><span>Bars</span>
        <select value=${String(bars)} onChange=${(e: Event) => setBars(Number((e.target as HTMLSelectElement).value))}>
          ${[1, 2, 4, 8].map((n) => html`<option value=${String(n)}>${n}</option>`)}
        </select>
      </label>
      <label class="field field-inline"><span>From bar</span>
        <input type="number" min="1" inputmode="numeric" placeholder="last" class="w-num" value=${fromBar} onInput=${(e: Event) => setFromBar((e.target as HTMLInputElement).value)} />
      </label>
      <div class=${`dropzone ${dragOver ? 'is-over' : ''}`} onDragOver=${(e: DragEvent) => { e.preventDefault(); setDragOver(true); }} onDragLeave=${() => setDragOver(false)} onDrop=${onDrop}>
        ${icons.drop()}
        <label class="file-pick">${busy === 'import' ? 'Importing…' : 'Drop audio or '}<span class="link">choose a file</span>
          <input type="file" accept="audio/*,.wav,.flac,.aif,.aiff,.mp3,.ogg" class="visually-hidden" disabled=${!libraryOn}
            onChange=${(e: Event) => { const f = (e.target as HTMLInputElement).files?.[0]; if (f) void importFile(f); }} />
        </label>
        <input type="text" class="w-num" aria-label="Tempo of the dropped file (BPM)" placeholder=${tr ? fmt.bpm(tr.bpm) : '120'} value=${dropBpm} onInput=${(e: Event) => setDropBpm((e.target as HTMLInputElement).value)} />
        <input type="text" class="w-meter" aria-label="Meter of the dropped file" placeholder=${tr ? fmt.meter(tr.meterNum, tr.meterDen) : '4/4'} value=${dropMeter} onInput=${(e: Event) => setDropMeter((e.target as HTMLInputElement).value)} />
      </div>
    </div>
    <${ErrorNote} error=${store.errors.value.capture} onDismiss=${() => store.clearError('capture')} />
    ${!libraryOn ? html`<p class="notice">This host has no project library yet: capture and render need <code>stylebridge serve</code> with a project.</p>` : null}
    <div class="source-body">
      ${cap
        ? html`<div class="source-wave">
            <${Waveform} audioUrl=${cap.audioUrl} grid=${grid} tone="source" label=${`Waveform of the source, ${cap.bars} bars`} />
            <div class="bar-ruler" aria-hidden="true">${Array.from({ length: cap.bars }, (_, i) => html`<span>${(cap.bar ?? 0) + i + 1}</span>`)}</div>
          </div>
          <dl class="meta">
            <div><dt>Tempo</dt><dd>${fmt.bpm(cap.bpm)}</dd></div>
            <div><dt>Meter</dt><dd>${fmt.meter(cap.meter.numerator, cap.meter.denominator)}</dd></div>
            <div><dt>Bars</dt><dd>${cap.bars}</dd></div>
            <div><dt>Key</dt><dd>${cap.key ?? '–'}</dd></div>
            <div><dt>Rate</dt><dd>${fmt.khz(cap.sampleRate)}</dd></div>
            <div><dt>From</dt><dd title=${cap.trackName ?? cap.source}>${cap.trackName ?? cap.source}</dd></div>
          </dl>`
        : html`<div class="source-empty">Capture a bar your DAW just played, or drop a loop here. Variations are made in its style.</div>`}
    </div>
    ${store.captures.value.length > 1 ? html`<div class="capture-strip" role="listbox" aria-label="Recent sources">
      ${store.captures.value.slice(0, 12).map((c) => html`<button type="button" role="option" aria-selected=${c.id === cap?.id} class=${`chip ${c.id === cap?.id ? 'is-on' : ''}`} data-capture=${c.id} onClick=${() => store.selectCapture(c.id)}>
        ${c.trackName ?? 'file'} · ${fmt.bpm(c.bpm)} · ${c.bars} bar${c.bars > 1 ? 's' : ''} · ${fmt.when(c.createdAt)}
      </button>`)}
    </div>` : null}
  </section>`;
}

/** Decodes an audio file with the browser's decoder, resampled to `rate`. */
async function decodeFile(file: File, rate: number): Promise<AudioBuffer> {
  let buf: globalThis.AudioBuffer;
  try {
    buf = await new OfflineAudioContext(1, 1, rate).decodeAudioData(await file.arrayBuffer());
  } catch (err) {
    throw new StylebridgeError('AUDIO_UNSUPPORTED_FORMAT', `${file.name} could not be decoded: ${err instanceof Error ? err.message : String(err)}`, { name: file.name });
  }
  const channels: Float32Array[] = [];
  for (let c = 0; c < Math.min(buf.numberOfChannels, MAX_IMPORT_CHANNELS); c++) channels.push(buf.getChannelData(c).slice());
  return { sampleRate: buf.sampleRate, channels };
}
