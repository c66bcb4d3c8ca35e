// The Tracks column: every connected plugin, live (DAW, track, tempo, meter, bar.beat, playing) with connection health.
import { html } from 'htm/preact';
import type { TrackInfo } from '../../common/ui-client/types.js';
import * as fmt from '../format.js';
import { useApp } from './context.js';
import { ErrorNote } from './error-note.js';
import { icons } from './icons.js';

export function TracksPanel() {
  const { store } = useApp();
  const tracks = store.tracks.value;
  const selected = store.selectedTrack.value;
  return html`<section class="panel tracks" aria-labelledby="tracks-h">
    <header class="panel-head"><h2 id="tracks-h">Tracks</h2><span class="count" aria-label=${`${tracks.length} connected`}>${tracks.length}</span></header>
    <${ErrorNote} error=${store.errors.value.tracks} />
    ${tracks.length === 0
      ? html`<div class="empty">
          <div class="empty-icon">${icons.plug()}</div>
          <p>No plugin connected.</p>
          <p class="muted">Put the Stylebridge plugin on a track in your DAW. It finds this host by itself.</p>
        </div>`
      : html`<ul class="track-list" role="listbox" aria-label="Connected tracks">
          ${tracks.map((t) => html`<${TrackRow} key=${t.id} track=${t} selected=${selected?.id === t.id} />`)}
        </ul>`}
  </section>`;
}

function TrackRow(props: { track: TrackInfo; selected: boolean }) {
  const { store } = useApp();
  const t = props.track;
  const tr = store.transportOf(t.id).value?.t;
  const st = store.statusOf(t.id).value;
  const name = t.identity.trackName || 'Untitled track';
  const select = () => { store.selectedTrackId.value = t.id; };
  const playing = tr?.playing ?? false;
  const latency = t.identity.latency;
  const health = (st?.drops ?? 0) + (st?.underruns ?? 0) > 0 ? 'warn' : 'ok';
  return html`<li role="option" aria-selected=${props.selected} tabindex="0" class=${`track ${props.selected ? 'is-selected' : ''}`} data-track=${t.id}
      onClick=${select} onKeyDown=${(e: KeyboardEvent) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); select(); } }}>
    <div class="track-top">
      <span class=${`play-dot ${playing ? 'on' : ''}`} aria-label=${playing ? 'playing' : 'stopped'} role="img"></span>
      <span class="track-name" title=${name}>${name}</span>
      ${st && st.state !== 'idle' ? html`<span class=${`badge badge-${st.state}`}>${st.state}</span>` : null}
    </div>
    <div class="track-daw">${t.identity.host}${t.identity.hostVersion ? ` ${t.identity.hostVersion}` : ''} · ${t.identity.format.toUpperCase()} · ${fmt.khz(t.identity.sampleRate)}</div>
    <div class="track-transport">
      <span class="bb" aria-label="bar and beat">${tr ? fmt.barBeat(tr.bar, tr.beat) : '–.–.–'}</span>
      <span class="num">${tr ? fmt.bpm(tr.bpm) : '–'}<small> BPM</small></span>
      <span class="num">${tr ? fmt.meter(tr.meterNum, tr.meterDen) : '–/–'}</span>
    </div>
    <dl class=${`health health-${health}`} aria-label="connection health">
      <div><dt>drops</dt><dd>${st?.drops ?? 0}</dd></div>
      <div><dt>underruns</dt><dd>${st?.underruns ?? 0}</dd></div>
      <div><dt>latency</dt><dd>${fmt.ms(latency, t.identity.sampleRate)}</dd></div>
    </dl>
  </li>`;
}
