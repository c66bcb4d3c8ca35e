// The Bounce view: a bar range, a take per track (or one per bar), format and folder; then progress and a way to the folder.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import type { TakeRecord } from '../../common/ui-client/types.js';
import { StylebridgeError } from '../../common/errors.js';
import { desktopApi } from '../connection.js';
import * as fmt from '../format.js';
import { useApp } from './context.js';
import { ErrorNote } from './error-note.js';
import { icons } from './icons.js';

/** Bars an arrangement row shows one select for (the host accepts longer ranges with one take per track). */
export const MAX_ARRANGED_BARS = 32;

interface Row { name: string; perBar: boolean; takeIds: string[] }

export function BouncePanel() {
  const { store } = useApp();
  const takes = store.takes.value;
  const [from, setFrom] = useState(1);
  const [to, setTo] = useState(4);
  const [format, setFormat] = useState<'wav' | 'flac'>('wav');
  const [folder, setFolder] = useState('');
  const [rows, setRows] = useState<Row[]>([]);
  const [jobId, setJobId] = useState<string | undefined>(undefined);
  const desktop = desktopApi();
  const barCount = Math.max(0, to - from + 1);

  const names = store.tracks.value.map((t) => t.identity.trackName || 'Untitled track');
  const allRows: Row[] = [...rows, ...names.filter((n) => !rows.some((r) => r.name === n)).map((name) => ({ name, perBar: false, takeIds: [] }))];
  const update = (name: string, f: (r: Row) => Row) => {
    const base = allRows.find((r) => r.name === name);
    if (!base) return;
    setRows([...allRows.filter((r) => r.name !== name), f(base)].filter((r) => r.takeIds.length || r.perBar || rows.some((x) => x.name === r.name)));
  };
  const sorted = [...takes].sort((a, b) => Number(b.favourite) - Number(a.favourite));

  const start = async () => {
    const r = await store.attempt('bounce', () => {
      if (!(from >= 1 && to >= from)) throw new StylebridgeError('INVALID_ARGUMENT', 'The range must start at bar 1 or later and end at or after its start.');
      const tracks = allRows.filter((r) => r.takeIds.some(Boolean)).map((r) => ({ name: r.name, takeIds: r.perBar ? Array.from({ length: barCount }, (_, i) => r.takeIds[i] ?? r.takeIds.find(Boolean) ?? '') : [r.takeIds[0] ?? ''] }));
      if (!tracks.length) throw new StylebridgeError('INVALID_ARGUMENT', 'Choose a take for at least one track.');
      return store.client.call('bounce', { fromBar: from - 1, toBar: to, tracks, format, ...(folder.trim() ? { folder: folder.trim() } : {}) });
    });
    if (r) setJobId(r.jobId);
  };

  const job = jobId ? store.jobs.value.get(jobId) : undefined;
  const outFolder = job?.state === 'done' ? resultFolder(job.result) ?? folder : undefined;

  return html`<section class="panel bounce wide" aria-labelledby="bounce-h">
    <header class="panel-head"><h2 id="bounce-h">Bounce stems</h2><span class="muted">one file per track, one folder</span></header>
    <form class="form bounce-form" onSubmit=${(e: Event) => { e.preventDefault(); void start(); }}>
      <div class="row-4">
        <label class="field"><span>From bar</span><input type="number" min="1" class="w-num" value=${from} onInput=${(e: Event) => setFrom(Number((e.target as HTMLInputElement).value))} /></label>
        <label class="field"><span>To bar</span><input type="number" min="1" class="w-num" value=${to} onInput=${(e: Event) => setTo(Number((e.target as HTMLInputElement).value))} /></label>
        <label class="field"><span>Format</span>
          <select value=${format} onChange=${(e: Event) => setFormat((e.target as HTMLSelectElement).value as 'wav' | 'flac')}>
            <option value="wav">WAV (BWF, tempo)</option><option value="flac">FLAC</option>
          </select>
        </label>
        <label class="field grow"><span>Folder</span>
          <span class="input-with-btn">
            <input type="text" placeholder="project bounces folder" value=${folder} onInput=${(e: Event) => setFolder((e.target as HTMLInputElement).value)} />
            ${desktop ? html`<button type="button" class="btn btn-ghost" onClick=${async () => { const f = await desktop.chooseFolder(); if (f) setFolder(f); }}>${icons.folder()} Choose…</button>` : null}
          </span>
        </label>
      </div>
      <table class="bounce-table">
        <thead><tr><th scope="col">Track</th><th scope="col">Per bar</th><th scope="col">Take${barCount > 1 ? 's' : ''}</th></tr></thead>
        <tbody>
          ${allRows.length === 0 ? html`<tr><td colspan="3" class="muted">No tracks connected. Connect the plugin, or render takes first.</td></tr>` : null}
          ${allRows.map((r) => html`<tr>
            <th scope="row">${r.name}</th>
            <td><input type="checkbox" aria-label=${`One take per bar for ${r.name}`} checked=${r.perBar} onChange=${(e: Event) => update(r.name, (x) => ({ ...x, perBar: (e.target as HTMLInputElement).checked }))} /></td>
            <td class="take-picks">
              ${(r.perBar ? Array.from({ length: Math.min(barCount, MAX_ARRANGED_BARS) }, (_, i) => i) : [0]).map((i) => html`
                <${TakeSelect} takes=${sorted} value=${r.takeIds[i] ?? ''} label=${r.perBar ? `Bar ${from + i}` : `Take for ${r.name}`}
                  onChange=${(id: string) => update(r.name, (x) => { const ids = x.takeIds.slice(); ids[i] = id; return { ...x, takeIds: ids }; })} />`)}
            </td>
          </tr>`)}
        </tbody>
      </table>
      <div class="form-foot">
        <button type="submit" class="btn btn-primary" disabled=${store.connection.value.state !== 'open'}>Bounce ${barCount} bar${barCount === 1 ? '' : 's'}</button>
        ${job ? html`<div class="bounce-progress">
          <progress max="1" value=${job.progress} aria-label="Bounce progress"></progress>
          <span class="num">${job.state === 'running' ? fmt.percent(job.progress) : job.state}</span>
        </div>` : null}
        ${outFolder ? html`<${RevealLink} folder=${outFolder} />` : null}
      </div>
    </form>
    <${ErrorNote} error=${job?.error ?? store.errors.value.bounce} onDismiss=${() => store.clearError('bounce')} />
  </section>`;
}

function TakeSelect(props: { takes: readonly TakeRecord[]; value: string; label: string; onChange: (id: string) => void }) {
  return html`<select aria-label=${props.label} value=${props.value} onChange=${(e: Event) => props.onChange((e.target as HTMLSelectElement).value)}>
    <option value="">–</option>
    ${props.takes.map((t) => html`<option value=${t.id}>${t.favourite ? '★ ' : ''}#${t.seed} · s${t.strength} · ${fmt.bpm(t.bpm)} BPM · ${t.bars} bar${t.bars > 1 ? 's' : ''}</option>`)}
  </select>`;
}

function RevealLink(props: { folder: string }) {
  const desktop = desktopApi();
  const { store } = useApp();
  if (desktop) {
    return html`<a href="#" class="link reveal" onClick=${async (e: Event) => {
      e.preventDefault();
      const r = await desktop.revealFolder(props.folder);
      if (!r.ok && r.error) store.setError('bounce', r.error);
    }}>${icons.folder()} Show ${props.folder}</a>`;
  }
  return html`<span class="reveal">${icons.folder()} <code>${props.folder}</code>
    <button type="button" class="btn btn-ghost" onClick=${() => void navigator.clipboard?.writeText(props.folder)}>Copy path</button></span>`;
}

function resultFolder(result: unknown): string | undefined {
  if (result && typeof result === 'object' && 'folder' in result && typeof (result as { folder: unknown }).folder === 'string') return (result as { folder: string }).folder;
  return undefined;
}
