// The Library view: past captures and takes across the project, searched by tempo, meter, key, engine, prompt and date.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import type { CaptureRecord, TakeRecord } from '../../common/ui-client/types.js';
import * as fmt from '../format.js';
import { useApp } from './context.js';
import { ErrorNote } from './error-note.js';
import { icons } from './icons.js';
import { takeActions } from './variations.js';

/** Rows asked of the host per search. */
export const LIBRARY_PAGE = 200;

export function LibraryPanel() {
  const { store } = useApp();
  const [q, setQ] = useState({ text: '', bpmMin: '', bpmMax: '', meter: '', key: '', engine: '', from: '', to: '' });
  const [result, setResult] = useState<{ captures: readonly CaptureRecord[]; takes: readonly TakeRecord[] } | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const set = (k: keyof typeof q) => (e: Event) => setQ({ ...q, [k]: (e.target as HTMLInputElement).value });

  const search = async () => {
    setBusy(true);
    const r = await store.attempt('library', () => store.client.call('library.search', {
      limit: LIBRARY_PAGE,
      ...(q.text.trim() ? { text: q.text.trim() } : {}),
      ...(q.bpmMin ? { bpmMin: Number(q.bpmMin) } : {}),
      ...(q.bpmMax ? { bpmMax: Number(q.bpmMax) } : {}),
      ...(q.meter.trim() ? { meter: q.meter.trim() } : {}),
      ...(q.key.trim() ? { key: q.key.trim() } : {}),
      ...(q.engine.trim() ? { engine: q.engine.trim() } : {}),
      ...(q.from ? { from: q.from } : {}),
      ...(q.to ? { to: q.to } : {}),
    }));
    setBusy(false);
    if (r) setResult(r);
  };
  const open = (c: CaptureRecord) => {
    if (!store.captures.peek().some((x) => x.id === c.id)) store.captures.value = [c, ...store.captures.peek()];
    store.selectCapture(c.id);
    store.view.value = 'session';
  };
  const actions = takeActions(store);

  return html`<section class="panel library wide" aria-labelledby="lib-h">
    <header class="panel-head"><h2 id="lib-h">Library</h2><span class="muted">captures and takes of this project</span></header>
    <form class="form lib-form" role="search" onSubmit=${(e: Event) => { e.preventDefault(); void search(); }}>
      <label class="field grow"><span>Prompt or text</span><input type="search" value=${q.text} onInput=${set('text')} placeholder="words in prompts, track names" /></label>
      <label class="field"><span>BPM from</span><input type="number" class="w-num" value=${q.bpmMin} onInput=${set('bpmMin')} /></label>
      <label class="field"><span>to</span><input type="number" class="w-num" value=${q.bpmMax} onInput=${set('bpmMax')} /></label>
      <label class="field"><span>Meter</span><input type="text" class="w-meter" placeholder="4/4" value=${q.meter} onInput=${set('meter')} /></label>
      <label class="field"><span>Key</span><input type="text" class="w-meter" placeholder="Am" value=${q.key} onInput=${set('key')} /></label>
      <label class="field"><span>Engine</span>
        <select value=${q.engine} onChange=${set('engine')}><option value="">any</option>${store.engines.value.map((e) => html`<option value=${e.id}>${e.name}</option>`)}</select>
      </label>
      <label class="field"><span>From</span><input type="date" value=${q.from} onInput=${set('from')} /></label>
      <label class="field"><span>To</span><input type="date" value=${q.to} onInput=${set('to')} /></label>
      <button type="submit" class="btn btn-primary" disabled=${busy}>${icons.search()} Search</button>
    </form>
    <${ErrorNote} error=${store.errors.value.library} onDismiss=${() => store.clearError('library')} />
    ${result ? html`<div class="lib-results">
      <h3 class="sub-head">Captures <span class="count">${result.captures.length}</span></h3>
      <table class="data">
        <thead><tr><th>When</th><th>Track</th><th class="r">BPM</th><th>Meter</th><th>Key</th><th class="r">Bars</th><th></th></tr></thead>
        <tbody>${result.captures.map((c) => html`<tr>
          <td>${fmt.when(c.createdAt)}</td><td>${c.trackName ?? c.source}</td><td class="r num">${fmt.bpm(c.bpm)}</td>
          <td>${fmt.meter(c.meter.numerator, c.meter.denominator)}</td><td>${c.key ?? '–'}</td><td class="r num">${c.bars}</td>
          <td class="r"><button type="button" class="btn btn-ghost" onClick=${() => open(c)}>Open</button></td>
        </tr>`)}</tbody>
      </table>
      <h3 class="sub-head">Takes <span class="count">${result.takes.length}</span></h3>
      <table class="data">
        <thead><tr><th>When</th><th>Engine</th><th>Prompt</th><th class="r">Seed</th><th class="r">Str.</th><th class="r">BPM</th><th></th></tr></thead>
        <tbody>${result.takes.map((t) => html`<tr>
          <td>${fmt.when(t.createdAt)}</td><td>${t.engine}${t.model ? ` · ${t.model}` : ''}</td><td class="prompt-cell">${t.prompt ?? ''}</td>
          <td class="r num">${t.seed}</td><td class="r num">${t.strength}</td><td class="r num">${fmt.bpm(t.bpm)}</td>
          <td class="r nowrap">
            <button type="button" class="icon-btn" aria-label=${`Audition take ${t.seed}`} onClick=${() => void actions.audition(t)}>${icons.play()}</button>
            <button type="button" class=${`icon-btn fav ${t.favourite ? 'on' : ''}`} aria-pressed=${t.favourite} aria-label="Favourite" onClick=${() => void actions.favourite(t)}>${t.favourite ? icons.starFilled() : icons.star()}</button>
          </td>
        </tr>`)}</tbody>
      </table>
    </div>` : html`<p class="empty">Search the project: every capture and take is kept with its parameters and seed.</p>`}
  </section>`;
}
