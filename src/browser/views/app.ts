// The app shell: header with views and the connection state, the tracks column, and the active view.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { ERROR_CODES } from '../../common/error-codes.js';
import type { ConnectionStatus } from '../../common/ui-client/ui-client.js';
import type { View } from '../store.js';
import { BouncePanel } from './bounce.js';
import { CapturePanel } from './capture.js';
import { useApp } from './context.js';
import { icons } from './icons.js';
import { LibraryPanel } from './library.js';
import { RenderPanel } from './render-panel.js';
import { TracksPanel } from './tracks.js';
import { VariationsPanel } from './variations.js';

const VIEWS: readonly { id: View; label: string; key: string }[] = [
  { id: 'session', label: 'Session', key: 'Alt+1' },
  { id: 'bounce', label: 'Bounce', key: 'Alt+2' },
  { id: 'library', label: 'Library', key: 'Alt+3' },
];

export function App() {
  const { store } = useApp();
  const view = store.view.value;
  const conn = store.connection.value;

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey) return;
      const v = VIEWS[Number(e.key) - 1];
      if (v) { e.preventDefault(); store.view.value = v.id; }
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);

  const onTabKey = (e: KeyboardEvent) => {
    const i = VIEWS.findIndex((v) => v.id === store.view.peek());
    const d = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (!d) return;
    e.preventDefault();
    const next = VIEWS[(i + d + VIEWS.length) % VIEWS.length];
    if (next) {
      store.view.value = next.id;
      document.getElementById(`tab-${next.id}`)?.focus();
    }
  };

  const offline = conn.state !== 'open';
  return html`<div class=${`shell ${offline ? 'is-offline' : ''}`}>
    <header class="topbar">
      <div class="brand"><img src="icon.svg" alt="" width="20" height="20" /><span>Stylebridge</span></div>
      <nav class="tabs" role="tablist" aria-label="Views" onKeyDown=${onTabKey}>
        ${VIEWS.map((v) => html`<button type="button" role="tab" id=${`tab-${v.id}`} aria-selected=${view === v.id} aria-controls="main" tabindex=${view === v.id ? 0 : -1}
            aria-keyshortcuts=${v.key} class=${`tab ${view === v.id ? 'is-on' : ''}`} onClick=${() => { store.view.value = v.id; }}>${v.label}</button>`)}
      </nav>
      <span class="spacer"></span>
      <${ConnectionPill} status=${conn} />
    </header>
    <${ConnectionBanner} status=${conn} />
    <div class="body">
      <${TracksPanel} />
      <main id="main" role="tabpanel" aria-labelledby=${`tab-${view}`} class=${`main view-${view}`} aria-busy=${conn.state === 'connecting'}>
        ${view === 'session' ? html`<div class="session"><div class="session-center"><${CapturePanel} /><${VariationsPanel} /></div><${RenderPanel} /></div>` : null}
        ${view === 'bounce' ? html`<${BouncePanel} />` : null}
        ${view === 'library' ? html`<${LibraryPanel} />` : null}
      </main>
    </div>
  </div>`;
}

function ConnectionPill(props: { status: ConnectionStatus }) {
  const s = props.status;
  const text = s.state === 'open' ? `Connected${s.server ? ` · host ${s.server.version}` : ''}` : s.state === 'reconnecting' ? 'Reconnecting' : s.state === 'failed' ? 'Not connected' : 'Connecting';
  return html`<div class=${`conn conn-${s.state}`} role="status" aria-live="polite" data-state=${s.state}><span class="conn-dot"></span>${text}</div>`;
}

/** Failures that a fresh token fixes. */
const TOKEN_CODES = new Set(['UI_NO_TOKEN', 'UI_HOST_REFUSED', 'AUTH_BAD_TOKEN', 'AUTH_MISSING_TOKEN']);

function ConnectionBanner(props: { status: ConnectionStatus }) {
  const { store, useToken } = useApp();
  const s = props.status;
  const [, tick] = useState(0);
  useEffect(() => {
    if (s.state !== 'reconnecting') return;
    const id = setInterval(() => tick((n) => n + 1), 250);
    return () => clearInterval(id);
  }, [s.state]);
  if (s.state === 'open' || s.state === 'idle' || s.state === 'closed') return null;
  if (s.state === 'connecting') return html`<div class="banner banner-info" role="status">Connecting to the host…</div>`;
  const err = s.error;
  if (s.state === 'failed') {
    // The code table speaks to every peer; a page with a bad token needs the page's way out.
    const hint = err && TOKEN_CODES.has(err.code) ? ERROR_CODES.UI_HOST_REFUSED.hint : err?.hint;
    return html`<div class="banner banner-error" role="alert" data-code=${err?.code}>
      <span class="banner-icon">${icons.warn()}</span>
      <div class="banner-text">
        <strong>Cannot connect to the host.</strong> ${err ? html`<code>${err.code}</code> ${err.message}` : null}
        ${hint ? html`<div class="banner-hint">${hint}</div>` : null}
      </div>
      ${err && TOKEN_CODES.has(err.code) ? html`<form class="token-form" onSubmit=${(e: Event) => {
        e.preventDefault();
        const input = (e.currentTarget as HTMLFormElement).elements.namedItem('token') as HTMLInputElement | null;
        if (input && !useToken(input.value)) input.setCustomValidity('Paste the address that ends in #token=… or the 64-character token.');
        input?.reportValidity();
      }}>
        <input name="token" type="text" autocomplete="off" spellcheck="false" aria-label="Address or token from stylebridge serve" placeholder="Paste the address from stylebridge serve"
          onInput=${(e: Event) => (e.target as HTMLInputElement).setCustomValidity('')} />
        <button type="submit" class="btn">Connect</button>
      </form>` : null}
      <button type="button" class="btn btn-ghost" onClick=${() => store.client.retry()}>Try again</button>
    </div>`;
  }
  const left = Math.max(0, Math.ceil(((s.retryAt ?? Date.now()) - Date.now()) / 1000));
  return html`<div class="banner banner-warn" role="alert" data-code=${err?.code}>
    <span class="spinner" aria-hidden="true"></span>
    <div class="banner-text">
      <strong>Host connection lost. Reconnecting…</strong>
      <span class="muted"> attempt ${s.attempt}${left > 0 ? `, next try in ${left} s` : ''}${err ? html` · <code>${err.code}</code>` : null}</span>
      <div class="banner-hint">The page keeps what it shows and reconnects by itself. If the host was restarted, it asks for its new address.</div>
    </div>
    <button type="button" class="btn btn-ghost" onClick=${() => store.client.retry()}>Retry now</button>
  </div>`;
}
