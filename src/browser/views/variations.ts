// The Variations grid: a waveform per take; click or keys 1-9 audition from the next bar line; favourite, regenerate, A/B, delete, drag out.
import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import type { TakeRecord } from '../../common/ui-client/types.js';
import { fileHref } from '../waveform/audio-cache.js';
import { desktopApi } from '../connection.js';
import * as fmt from '../format.js';
import type { Store } from '../store.js';
import { useApp } from './context.js';
import { ErrorNote } from './error-note.js';
import { icons } from './icons.js';
import { Waveform } from './waveform-view.js';

/** The grid's actions, shared by the mouse, the keyboard and the tests. */
export function takeActions(store: Store) {
  const track = () => store.selectedTrack.peek()?.id;
  const needTrack = (): string | undefined => {
    const t = track();
    if (!t) store.setError('takes', { code: 'SERVER_NO_SUCH_TRACK', message: 'No track is connected to play on.', hint: 'Connect the plugin on a track in your DAW, then audition.' });
    return t;
  };
  return {
    async audition(take: TakeRecord) {
      const t = needTrack();
      if (!t) return;
      const r = await store.attempt('takes', () => store.client.call('takes.audition', { track: t, takeId: take.id }));
      if (r) store.setAudition({ track: t, takeId: take.id, bars: take.bars, ...(r.startsAtBar !== undefined ? { startsAtBar: r.startsAtBar } : {}) }, t);
    },
    async source(take: TakeRecord) {
      const t = needTrack();
      const cap = store.captures.peek().find((c) => c.id === take.captureId);
      if (!t) return;
      const r = await store.attempt('takes', () => store.client.call('takes.audition', { track: t, captureId: take.captureId }));
      if (r) store.setAudition({ track: t, captureId: take.captureId, bars: cap?.bars ?? take.bars, ...(r.startsAtBar !== undefined ? { startsAtBar: r.startsAtBar } : {}) }, t);
    },
    async stop() {
      const t = track();
      if (!t) return;
      const r = await store.attempt('takes', () => store.client.call('stop', { track: t, at: 'next' }));
      if (r) store.setAudition(undefined, t);
    },
    favourite: (take: TakeRecord) => store.attempt('takes', () => store.client.call('takes.favourite', { takeId: take.id, favourite: !take.favourite })),
    regenerate: (take: TakeRecord, newSeed: boolean) => store.attempt('takes', () => store.client.call('takes.regenerate', { takeId: take.id, newSeed })),
    remove: (take: TakeRecord) => store.attempt('takes', () => store.client.call('takes.delete', { takeId: take.id })),
  };
}

export function VariationsPanel() {
  const { store } = useApp();
  const takes = store.gridTakes.value;
  const track = store.selectedTrack.value;
  const audition = track ? store.auditions.value.get(track.id) : undefined;
  const status = track ? store.statusOf(track.id).value : undefined;
  const actions = takeActions(store);
  const gridRef = useRef<HTMLDivElement>(null);

  // Keys 1-9 audition a take from anywhere outside a text field; Escape stops.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
      if (store.view.peek() !== 'session') return;
      if (/^[1-9]$/.test(e.key)) {
        const take = store.gridTakes.peek()[Number(e.key) - 1];
        if (take) { e.preventDefault(); void actions.audition(take); }
      } else if (e.key === 'Escape' && store.auditions.peek().size) {
        e.preventDefault();
        void actions.stop();
      }
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);

  const onGridKey = (e: KeyboardEvent) => {
    const cards = [...(gridRef.current?.querySelectorAll<HTMLElement>('.take') ?? [])];
    const i = cards.indexOf(document.activeElement as HTMLElement);
    if (i < 0) return;
    const take = takes[i];
    const cols = Math.max(1, Math.round((gridRef.current?.clientWidth ?? 1) / (cards[0]?.offsetWidth || 1)));
    const move = (j: number) => { const c = cards[Math.max(0, Math.min(cards.length - 1, j))]; if (c) { e.preventDefault(); c.focus(); } };
    switch (e.key) {
      case 'ArrowRight': move(i + 1); return;
      case 'ArrowLeft': move(i - 1); return;
      case 'ArrowDown': move(i + cols); return;
      case 'ArrowUp': move(i - cols); return;
      case 'Home': move(0); return;
      case 'End': move(cards.length - 1); return;
    }
    if (!take || e.target !== cards[i]) return;
    const k = e.key.toLowerCase();
    if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); void actions.audition(take); }
    else if (k === 'f') { e.preventDefault(); void actions.favourite(take); }
    else if (k === 'r') { e.preventDefault(); void actions.regenerate(take, e.shiftKey); }
    else if (k === 'b') { e.preventDefault(); void actions.source(take); }
    else if (e.key === 'Delete' || e.key === 'Backspace') { e.preventDefault(); void actions.remove(take); }
  };

  const sourcePlaying = audition?.captureId !== undefined;
  return html`<section class="panel variations" aria-labelledby="var-h">
    <header class="panel-head">
      <h2 id="var-h">Variations</h2>
      <span class="count">${takes.length}</span>
      <span class="spacer"></span>
      ${audition ? html`<span class=${`now-playing ${status?.state === 'armed' ? 'is-armed' : ''}`} role="status">
        ${status?.state === 'armed' ? 'Armed' : 'Playing'} ${sourcePlaying ? 'source' : `take ${(takes.findIndex((t) => t.id === audition.takeId) + 1) || ''}`}
        ${audition.startsAtBar !== undefined ? html` <span class="muted">from bar ${audition.startsAtBar + 1}</span>` : null}
      </span>
      <button type="button" class="btn btn-ghost" onClick=${() => void actions.stop()} aria-keyshortcuts="Escape">${icons.stop()} Stop</button>` : null}
    </header>
    <${ErrorNote} error=${store.errors.value.takes} onDismiss=${() => store.clearError('takes')} />
    ${takes.length === 0
      ? html`<div class="empty grid-empty"><p>No variations yet.</p><p class="muted">Render from the panel on the right; takes appear here as they finish.</p></div>`
      : html`<div class="take-grid" ref=${gridRef} role="grid" aria-label="Variations" aria-rowcount=${-1} onKeyDown=${onGridKey}>
          ${takes.map((t, i) => html`<${TakeCard} key=${t.id} take=${t} index=${i}
              playing=${audition?.takeId === t.id} armed=${audition?.takeId === t.id && status?.state === 'armed'}
              startsAtBar=${audition?.takeId === t.id ? audition.startsAtBar : undefined} trackId=${track?.id} sourcePlaying=${sourcePlaying} />`)}
        </div>`}
    <p class="keys-hint" aria-hidden="true"><kbd>1</kbd>–<kbd>9</kbd> audition · <kbd>←↑↓→</kbd> move · <kbd>Enter</kbd> play · <kbd>F</kbd> favourite · <kbd>B</kbd> source · <kbd>R</kbd> regenerate · <kbd>⇧R</kbd> new seed · <kbd>Del</kbd> delete · <kbd>Esc</kbd> stop</p>
  </section>`;
}

function TakeCard(props: { take: TakeRecord; index: number; playing: boolean; armed: boolean; startsAtBar: number | undefined; trackId: string | undefined; sourcePlaying: boolean }) {
  const { store, token } = useApp();
  const t = props.take;
  const actions = takeActions(store);
  const n = props.index + 1;
  const label = `Take ${n}, seed ${t.seed}, strength ${t.strength}`;
  const onDragStart = (e: DragEvent) => {
    const name = `stylebridge-${fmt.bpm(t.bpm)}bpm-${t.id}.wav`;
    const desktop = desktopApi();
    if (desktop) {
      e.preventDefault();
      desktop.startDrag({ audioUrl: t.audioUrl, label: name });
      return;
    }
    const url = new URL(fileHref(t.audioUrl, token()), location.href).href;
    e.dataTransfer?.setData('DownloadURL', `audio/wav:${name}:${url}`);
    e.dataTransfer?.setData('text/uri-list', url);
    if (e.dataTransfer) e.dataTransfer.effectAllowed = 'copy';
  };
  const cursor = props.playing && props.trackId ? { transport: store.transportOf(props.trackId), startsAtBar: props.startsAtBar, bars: t.bars } : undefined;
  return html`<div class=${`take ${props.playing ? (props.armed ? 'is-armed' : 'is-playing') : ''} ${t.favourite ? 'is-fav' : ''}`}
      role="gridcell" tabindex="0" aria-label=${label} aria-selected=${props.playing} data-take=${t.id} draggable="true" onDragStart=${onDragStart}
      onDblClick=${() => void actions.audition(t)}>
    <div class="take-head">
      <span class="take-num">${n <= 9 ? html`<kbd>${n}</kbd>` : n}</span>
      <span class="take-seed num" title="seed">#${t.seed}</span>
      <span class="take-meta">s${t.strength}${t.cfg !== undefined ? ` · a${t.cfg}` : ''}${t.cfgBeta !== undefined ? ` b${t.cfgBeta}` : ''}</span>
      <span class="spacer"></span>
      <button type="button" tabindex="-1" class=${`icon-btn fav ${t.favourite ? 'on' : ''}`} aria-pressed=${t.favourite} aria-label=${t.favourite ? 'Remove from favourites' : 'Add to favourites'} onClick=${() => void actions.favourite(t)}>${t.favourite ? icons.starFilled() : icons.star()}</button>
    </div>
    <button type="button" tabindex="-1" class="take-wave" aria-label=${`Audition take ${n}`} onClick=${() => void actions.audition(t)}>
      <${Waveform} audioUrl=${t.audioUrl} tone=${props.playing ? 'playing' : 'take'} label=${label}
        grid=${{ bars: t.bars, bpm: t.bpm, meter: t.meter, sampleRate: t.sampleRate, frames: t.frames }} cursor=${cursor} />
    </button>
    <div class="take-actions">
      <button type="button" tabindex="-1" class="icon-btn" aria-label=${props.playing ? 'Playing' : `Audition take ${n}`} title="Audition from the next bar" onClick=${() => void actions.audition(t)}>${icons.play()}</button>
      <button type="button" tabindex="-1" class=${`icon-btn ${props.playing && props.sourcePlaying ? 'on' : ''}`} aria-label="Compare with the source (A/B)" title="A/B with the source" onClick=${() => void (props.sourcePlaying ? actions.audition(t) : actions.source(t))}>${icons.ab()}</button>
      <button type="button" tabindex="-1" class="icon-btn" aria-label="Regenerate with the same seed" title="Regenerate (same seed)" onClick=${() => void actions.regenerate(t, false)}>${icons.again()}</button>
      <button type="button" tabindex="-1" class="icon-btn" aria-label="Regenerate with a new seed" title="Regenerate (new seed)" onClick=${() => void actions.regenerate(t, true)}>${icons.dice()}</button>
      <span class="spacer"></span>
      <span class="drag-grip" title="Drag into your DAW" aria-hidden="true">${icons.drag()}</span>
      <button type="button" tabindex="-1" class="icon-btn danger" aria-label=${`Delete take ${n}`} title="Delete" onClick=${() => void actions.remove(t)}>${icons.trash()}</button>
    </div>
  </div>`;
}

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  return el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || (el.tagName === 'INPUT' && !['button', 'checkbox', 'radio', 'range'].includes((el as HTMLInputElement).type)) || el.isContentEditable;
}
