// Entry point of the web UI: connect to the host with the page's token, wire the store, render the app.
import { html } from 'htm/preact';
import { render } from 'preact';
import { connectPage } from './connection.js';
import { Store } from './store.js';
import { App } from './views/app.js';
import { Ctx } from './views/context.js';

const { client, token, useToken } = connectPage();
const store = new Store(client);
store.wire();

const root = document.getElementById('app');
if (root) {
  root.className = '';
  root.textContent = '';
  render(html`<${Ctx.Provider} value=${{ store, token, useToken }}><${App} /></${Ctx.Provider}>`, root);
}
void client.start();

// Exposed for the end-to-end tests and for debugging from the console (read-only use).
(globalThis as { __stylebridge?: unknown }).__stylebridge = { store, client };
