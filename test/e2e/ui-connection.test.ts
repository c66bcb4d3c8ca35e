// The web UI in a real Chromium against a real host: token handoff, live tracks, host loss and recovery, wrong tokens, keyboard.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, type StylebridgeServer } from '../../src/node/server/index.js';
import { TestPlugin } from '../support/protocol-client.js';
import { browserSkipReason, buildUi, launchBrowser, type BrowserSession } from '../support/browser.js';

const skip = browserSkipReason();
const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));

/** Lists visible text whose contrast with its background is under WCAG AA (run in the page). */
const CONTRAST_SCRIPT = `(() => {
  const parse = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const chan = (v) => { const x = v / 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); };
  const lum = (c) => 0.2126 * chan(c[0]) + 0.7152 * chan(c[1]) + 0.0722 * chan(c[2]);
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c.length >= 3 && (c[3] === undefined || c[3] > 0.5)) return c;
    }
    return [14, 16, 20];
  };
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || !n.textContent.trim()) continue;
    const r = el.getBoundingClientRect();
    const st = getComputedStyle(el);
    if (r.width === 0 || r.height === 0 || st.visibility === 'hidden' || el.closest('[disabled], :disabled, .visually-hidden, [aria-hidden="true"]')) continue;
    let opacity = 1;
    for (let e = el; e; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
    if (opacity < 0.99) continue;
    const fg = parse(st.color);
    const bg = background(el);
    const a = lum(fg), b = lum(bg);
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(st.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(st.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) out.push(ratio.toFixed(2) + ' "' + n.textContent.trim().slice(0, 30) + '" ' + st.color + ' on rgb(' + bg.slice(0, 3).join(',') + ')');
  }
  return out;
})()`;

describe('web UI connection', { skip }, () => {
  let ui: { dir: string; cleanup: () => void };
  let b: BrowserSession;
  let server: StylebridgeServer;
  const plugins: TestPlugin[] = [];

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    ui = buildUi();
    server = await startServer({ staticDir: ui.dir, writeDiscovery: false });
    b = await launchBrowser();
  });

  after(async () => {
    for (const p of plugins) await p.close().catch(() => undefined);
    await server?.close();
    await b?.close();
    ui?.cleanup();
  });

  test('the page takes the token from the address, removes it from the address bar, and connects', async () => {
    const { page } = b;
    const res = await page.goto(server.url);
    assert.equal(res?.status(), 200);
    assert.match(res?.headers()['content-security-policy'] ?? '', /script-src 'self'/);
    await page.locator('.conn[data-state="open"]').waitFor({ timeout: 5000 });
    assert.equal(new URL(page.url()).hash, '', 'the token is gone from the address bar');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('stylebridge.token')), server.token);
    await page.getByText('No plugin connected.').waitFor();
  });

  test('a plugin that connects appears as a track and its transport updates live', async () => {
    const { page } = b;
    const drums = await TestPlugin.connect({ port: server.port, token: server.token, bpm: 92, identity: { host: 'Ardour', hostVersion: '7.3', format: 'lv2', trackName: 'Drums' } });
    plugins.push(drums);
    const row = page.locator(`.track[data-track="${drums.identity.instanceId}"]`);
    await row.waitFor({ timeout: 5000 });
    assert.match(await row.innerText(), /Drums/);
    assert.match(await row.innerText(), /Ardour 7\.3 · LV2 · 48 kHz/);

    // Bar 4 (0-based 3), beat 3 of 4/4 at 92 BPM: shown 1-based as 4.3.1.
    drums.sendTransport(drums.tempo.barStartSample(3) + Math.round(2 * 48000 * 60 / 92));
    await page.waitForFunction((id) => document.querySelector(`.track[data-track="${id}"] .bb`)?.textContent === '4.3.1', drums.identity.instanceId, { timeout: 5000 });
    assert.match(await row.locator('.track-transport').innerText(), /92\s*BPM/);
    assert.match(await row.locator('.track-transport').innerText(), /4\/4/);
    assert.equal(await row.locator('.play-dot.on').count(), 1, 'shown as playing');

    drums.sendTransport(drums.tempo.barStartSample(7), false);
    await page.waitForFunction((id) => document.querySelector(`.track[data-track="${id}"] .bb`)?.textContent === '8.1.1', drums.identity.instanceId, { timeout: 5000 });
    assert.equal(await row.locator('.play-dot.on').count(), 0, 'shown as stopped');

    drums.send({ type: 'status', state: 'idle', take: 0, takes: 0, drops: 3, underruns: 1 });
    await page.waitForFunction((id) => /drops\s*3/.test(document.querySelector(`.track[data-track="${id}"] .health`)?.textContent ?? ''), drums.identity.instanceId, { timeout: 5000 });

    const bass = await TestPlugin.connect({ port: server.port, token: server.token, bpm: 92, identity: { host: 'Ardour', format: 'vst3', trackName: 'Bass', latency: 480 } });
    plugins.push(bass);
    bass.sendTransport(bass.tempo.barStartSample(3));
    await page.locator(`.track[data-track="${bass.identity.instanceId}"]`).waitFor({ timeout: 5000 });
    assert.match(await page.locator(`.track[data-track="${bass.identity.instanceId}"] .health`).innerText(), /10 ms/);
    await page.screenshot({ path: join(SHOTS, 'tracks-live.png') });

    await bass.close();
    await page.locator(`.track[data-track="${bass.identity.instanceId}"]`).waitFor({ state: 'detached', timeout: 5000 });
  });

  test('tabs, tracks and views can be used from the keyboard alone', async () => {
    const { page } = b;
    await page.locator('#tab-session').focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.locator('#tab-bounce').getAttribute('aria-selected'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'tab-bounce');
    await page.keyboard.press('Alt+3');
    assert.equal(await page.locator('#tab-library').getAttribute('aria-selected'), 'true');
    await page.getByRole('heading', { name: 'Library' }).waitFor();
    await page.keyboard.press('Alt+1');
    await page.getByRole('heading', { name: 'Variations' }).waitFor();

    const track = page.locator('.track').first();
    await track.focus();
    await page.keyboard.press('Enter');
    assert.equal(await track.getAttribute('aria-selected'), 'true');

    // Every form control carries a name a screen reader can read.
    const unnamed = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea, button')]
      .filter((el) => {
        const e = el as HTMLInputElement;
        if (e.type === 'hidden' || e.closest('.visually-hidden') && e.type !== 'file') return false;
        const label = e.labels?.length ? [...e.labels].map((l) => l.textContent ?? '').join(' ') : '';
        return !(e.getAttribute('aria-label') || label.trim() || e.textContent?.trim() || e.title);
      }).map((e) => e.outerHTML.slice(0, 80)));
    assert.deepEqual(unnamed, []);
  });

  test('every visible text meets WCAG AA contrast (4.5:1, 3:1 for large text) against its background', async () => {
    const { page } = b;
    // Plain JavaScript (a string): the TypeScript loader would add helpers the page does not have.
    const failures = (await page.evaluate(CONTRAST_SCRIPT)) as string[];
    assert.deepEqual(failures, []);
  });

  test('a lost host shows a reconnecting state, the page stays responsive, and a restarted host is reached with its new address', async () => {
    const { page } = b;
    const port = server.port;
    await server.close();
    await page.locator('.banner-warn').waitFor({ timeout: 5000 });
    assert.match(await page.locator('.banner-warn').innerText(), /Reconnecting/);
    assert.equal(await page.locator('.conn').getAttribute('data-state'), 'reconnecting');
    await page.screenshot({ path: join(SHOTS, 'reconnecting.png') });

    // Not frozen: the page still switches views while the host is away.
    await page.locator('#tab-library').click();
    assert.equal(await page.locator('#tab-library').getAttribute('aria-selected'), 'true');
    await page.locator('#tab-session').click();

    // The host comes back on the same port with a new token (a new run): the page names the refusal and offers the fix.
    server = await startServer({ port, staticDir: ui.dir, writeDiscovery: false });
    await page.locator('.banner-error .token-form').waitFor({ timeout: 20000 });
    const code = await page.locator('.banner-error').getAttribute('data-code');
    assert.ok(code === 'UI_HOST_REFUSED' || code === 'AUTH_BAD_TOKEN', `refusal code, got ${code}`);
    await page.locator('.token-form input').fill(server.url);
    await page.locator('.token-form button').click();
    await page.locator('.conn[data-state="open"]').waitFor({ timeout: 5000 });
    assert.equal(await page.locator('.banner').count(), 0);
  });

  test('a page opened with a wrong token says so, with the code and what to do', async () => {
    const page = await b.context.newPage();
    await page.goto(`http://127.0.0.1:${server.port}/#token=${'0'.repeat(64)}`);
    await page.locator('.banner-error').waitFor({ timeout: 10000 });
    const text = await page.locator('.banner-error').innerText();
    assert.match(text, /UI_HOST_REFUSED|AUTH_BAD_TOKEN/);
    assert.match(text, /stylebridge serve/);
    await page.screenshot({ path: join(SHOTS, 'wrong-token.png') });

    const bare = await b.context.newPage();
    await bare.goto(`http://127.0.0.1:${server.port}/`);
    await bare.locator('.banner-error[data-code="UI_NO_TOKEN"]').waitFor({ timeout: 5000 });
    await page.close();
    await bare.close();
  });

  test('the page runs under the host\'s Content-Security-Policy without violations', () => {
    const csp = b.problems.filter((p) => /Content Security Policy|Refused to/i.test(p));
    assert.deepEqual(csp, []);
    assert.deepEqual(b.problems.filter((p) => p.startsWith('pageerror')), []);
  });
});
