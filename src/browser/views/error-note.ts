// An error shown where it happened: the stable code, the message, and what to do next.
import { html } from 'htm/preact';
import type { UiErrorInfo } from '../../common/ui-client/types.js';
import { icons } from './icons.js';

export function ErrorNote(props: { error: UiErrorInfo | undefined; onDismiss?: () => void }) {
  const e = props.error;
  if (!e) return null;
  return html`<div class="error-note" role="alert">
    <span class="error-icon">${icons.warn()}</span>
    <div class="error-body">
      <div class="error-head"><code class="error-code">${e.code}</code><span class="error-msg">${e.message}</span></div>
      ${e.hint ? html`<div class="error-hint">${e.hint}</div>` : null}
    </div>
    ${props.onDismiss ? html`<button type="button" class="icon-btn" aria-label="Dismiss error" onClick=${props.onDismiss}>${icons.x()}</button>` : null}
  </div>`;
}
