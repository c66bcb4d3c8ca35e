// A canvas waveform that loads its peaks only when scrolled into view, with an optional beat grid and a live play cursor.
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Signal } from '@preact/signals';
import { describeError } from '../../common/ui-client/ui-client.js';
import type { UiErrorInfo } from '../../common/ui-client/types.js';
import { loadPeaks } from '../waveform/audio-cache.js';
import { drawWaveform, type DrawStyle, type GridSpec } from '../waveform/draw.js';
import type { Peaks } from '../waveform/peaks.js';
import type { TransportSample } from '../store.js';
import { useApp } from './context.js';

const STYLE: DrawStyle = { wave: '#8fb7d8', waveDim: '#4d6478', bar: 'rgba(232,236,242,0.22)', beat: 'rgba(232,236,242,0.07)', center: 'rgba(232,236,242,0.06)' };
const STYLE_PLAYING: DrawStyle = { ...STYLE, wave: '#f5b041' };
const STYLE_SOURCE: DrawStyle = { ...STYLE, wave: '#b3c4d6', bar: 'rgba(232,236,242,0.32)', beat: 'rgba(232,236,242,0.12)' };

export interface CursorSpec {
  readonly transport: Signal<TransportSample | undefined>;
  /** Bar (0-based) the audio started at on the timeline; undefined while armed. */
  readonly startsAtBar: number | undefined;
  readonly bars: number;
}

export function Waveform(props: { audioUrl: string; grid?: GridSpec; tone?: 'take' | 'playing' | 'source'; cursor?: CursorSpec; label: string }) {
  const { token } = useApp();
  const canvas = useRef<HTMLCanvasElement>(null);
  const [peaks, setPeaks] = useState<Peaks | undefined>(undefined);
  const [error, setError] = useState<UiErrorInfo | undefined>(undefined);

  useEffect(() => {
    const el = canvas.current;
    if (!el || !props.audioUrl) return;
    let live = true;
    setPeaks(undefined);
    setError(undefined);
    const io = new IntersectionObserver((entries) => {
      if (!entries.some((e) => e.isIntersecting)) return;
      io.disconnect();
      loadPeaks(props.audioUrl, token()).then((p) => { if (live) setPeaks(p); }, (e: unknown) => { if (live) setError(describeError(e)); });
    }, { rootMargin: '300px' });
    io.observe(el);
    return () => { live = false; io.disconnect(); };
  }, [props.audioUrl]);

  const style = props.tone === 'playing' ? STYLE_PLAYING : props.tone === 'source' ? STYLE_SOURCE : STYLE;
  useEffect(() => {
    const el = canvas.current;
    if (!el) return;
    const draw = () => {
      const r = el.getBoundingClientRect();
      const dpr = Math.min(2, globalThis.devicePixelRatio || 1);
      const w = Math.max(1, Math.round(r.width * dpr));
      const h = Math.max(1, Math.round(r.height * dpr));
      if (el.width !== w) el.width = w;
      if (el.height !== h) el.height = h;
      const ctx = el.getContext('2d');
      if (ctx) drawWaveform(ctx, w, h, peaks, style, props.grid);
    };
    draw();
    const ro = new ResizeObserver(draw);
    ro.observe(el);
    return () => ro.disconnect();
  }, [peaks, style, props.grid]);

  return html`<div class="wave" data-state=${error ? 'error' : peaks ? 'ready' : 'loading'}>
    <canvas ref=${canvas} role="img" aria-label=${props.label}></canvas>
    ${props.cursor ? html`<${Cursor} spec=${props.cursor} />` : null}
    ${error ? html`<div class="wave-error" title=${`${error.code}: ${error.message}${error.hint ? ` ${error.hint}` : ''}`}><code>${error.code}</code></div>` : null}
  </div>`;
}

/** Where the play head is inside a looping take of `bars` bars, 0..1, or undefined before it starts. */
export function cursorFraction(s: TransportSample | undefined, startsAtBar: number | undefined, bars: number, nowMs: number): number | undefined {
  if (!s || startsAtBar === undefined || bars < 1) return undefined;
  const t = s.t;
  let beat = t.beat;
  let bar = t.bar;
  if (t.playing) {
    // Move on between transport updates (at most uiTransportHz): quarters elapsed -> denominator beats.
    const quarters = ((nowMs - s.at) / 1000) * (t.bpm / 60);
    beat += Math.min(quarters, 2) * (t.meterDen / 4);
    while (beat >= t.meterNum) { beat -= t.meterNum; bar += 1; }
  }
  if (bar < startsAtBar) return undefined;
  const pos = ((bar - startsAtBar) % bars) + beat / t.meterNum;
  return Math.max(0, Math.min(1, pos / bars));
}

function Cursor(props: { spec: CursorSpec }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let raf = 0;
    const tick = () => {
      const d = el.current;
      if (d) {
        const f = cursorFraction(props.spec.transport.peek(), props.spec.startsAtBar, props.spec.bars, performance.now());
        if (f === undefined) d.style.opacity = '0';
        else {
          d.style.opacity = '1';
          d.style.left = `${(f * 100).toFixed(3)}%`;
        }
      }
      raf = requestAnimationFrame(tick);
    };
    raf = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(raf);
  }, [props.spec.startsAtBar, props.spec.bars, props.spec.transport]);
  return html`<div class="wave-cursor" ref=${el} aria-hidden="true"></div>`;
}
