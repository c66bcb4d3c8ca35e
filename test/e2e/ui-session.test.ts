// The producer's loop in a real Chromium against the real host: capture, drop-in, render with progress, audition, A/B, drag-out, favourite, delete, 200 takes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestPlugin } from '../support/protocol-client.js';
import { browserSkipReason, buildUi, launchBrowser, type BrowserSession } from '../support/browser.js';
import { materialClip, materialUnavailable } from '../material/render-material.js';
import { barStartSample } from '../../src/common/timing.js';
import { encodeWav } from '../../src/node/audio/wav-write.js';
import { startHostFixture, type HostFixture } from './ui-host-fixture.js';

const skip = browserSkipReason() ?? materialUnavailable();
const SHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));

describe('web UI session flows', { skip }, () => {
  let ui: { dir: string; cleanup: () => void };
  let b: BrowserSession;
  let fx: HostFixture;
  let drums: TestPlugin;
  /** The capture the takes were rendered from. */
  let rendered: string;

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    ui = buildUi();
    fx = await startHostFixture(ui.dir);
    b = await launchBrowser();
    drums = await TestPlugin.connect({ port: fx.host.server.port, token: fx.host.server.token, bpm: 120, identity: { host: 'Ardour', hostVersion: '7.3', format: 'lv2', trackName: 'Drums' } });
    drums.sendTransport(drums.tempo.barStartSample(8) + 1000);
    await b.page.goto(fx.host.server.url);
    await b.page.locator('.conn[data-state="open"]').waitFor({ timeout: 5000 });
  });

  after(async () => {
    await drums?.close().catch(() => undefined);
    await fx?.close();
    await b?.close();
    ui?.cleanup();
  });

  test('capturing the last bar asks the plugin for it and shows its waveform on a beat grid', async () => {
    const { page } = b;
    await page.locator(`.track[data-track="${drums.identity.instanceId}"]`).waitFor();
    await page.getByRole('button', { name: /Capture last bar/ }).click();
    await page.locator('.source-wave .wave[data-state="ready"]').waitFor({ timeout: 10000 });
    const req = drums.requests.find((r) => r.type === 'capture');
    assert.ok(req && req.type === 'capture' && req.at === 'last' && req.bars === 1, 'the plugin was asked for the last complete bar');
    assert.match(await page.locator('.source .meta').innerText(), /120[\s\S]*4\/4[\s\S]*1/);
    // The canvas holds drawn pixels (waveform and grid), not an empty surface.
    const inked = await page.locator('.source-wave canvas').evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i]! > 0) n++;
      return n / (c.width * c.height);
    });
    assert.ok(inked > 0.05, `waveform drawn (${(inked * 100).toFixed(1)}% of pixels)`);
  });

  test('the render panel shows the engine\'s capabilities and a job renders takes with progress', async () => {
    const { page } = b;
    const clip = materialClip('house', 124);
    const cap = await fx.addCapture(clip.audio, clip.bpm, clip.meter, clip.bars, 'Drums');
    rendered = cap.id;
    await page.locator(`.chip[data-capture="${cap.id}"]`).click();
    await page.locator('.source-wave .wave[data-state="ready"]').waitFor({ timeout: 10000 });

    const prompt = page.getByRole('textbox', { name: 'Prompt' });
    assert.equal(await prompt.isDisabled(), true, 'the concat engine takes no text prompt');
    assert.match(await page.locator('#prompt-why').innerText(), /does not understand text prompts/);
    assert.equal(await page.getByRole('spinbutton', { name: 'Guidance a' }).isDisabled(), true);

    await page.getByRole('spinbutton', { name: 'Variations' }).fill('6');
    await page.getByRole('spinbutton', { name: 'Seed' }).fill('1234');
    await page.getByRole('button', { name: /Render 6 variations/ }).click();
    await page.locator('.job').first().waitFor({ timeout: 5000 });
    await page.locator('.job.job-done').first().waitFor({ timeout: 30000 });
    await page.waitForFunction(() => document.querySelectorAll('.take').length === 6, undefined, { timeout: 10000 });
    await page.waitForFunction(() => document.querySelectorAll('.take .wave[data-state="ready"]').length === 6, undefined, { timeout: 15000 });
    const takes = fx.takes(cap.id);
    assert.equal(takes.length, 6);
    assert.equal(takes[0]!.seed >= 0, true);
    await page.screenshot({ path: join(SHOTS, 'session.png') });
  });

  test('key 2 auditions the second take from the next bar line and the grid shows it armed, then playing with a cursor', async () => {
    const { page } = b;
    await page.locator('body').click({ position: { x: 5, y: 300 } });
    await page.keyboard.press('2');
    await page.locator('.take.is-armed, .take.is-playing').waitFor({ timeout: 10000 });
    const play = drums.requests.find((r) => r.type === 'play');
    assert.ok(play && play.type === 'play' && play.at === 'next', 'the plugin was told to play at the next bar');
    const second = await page.locator('.take').nth(1).getAttribute('class');
    assert.match(second ?? '', /is-(armed|playing)/);
    assert.match(await page.locator('.now-playing').innerText(), /take 2/);

    // The plugin reaches the bar and plays: the cursor moves within the take.
    const startBar = drums.playing!.bar;
    drums.send({ type: 'status', state: 'playing', take: drums.playing!.take, bar: startBar, takes: 1, drops: 0, underruns: 0 });
    drums.sendTransport(drums.tempo.barStartSample(startBar) + 24000);
    await page.locator('.take.is-playing .wave-cursor').waitFor({ timeout: 5000 });
    await page.waitForFunction(() => {
      const c = document.querySelector<HTMLElement>('.take.is-playing .wave-cursor');
      return !!c && c.style.opacity === '1' && parseFloat(c.style.left) > 0;
    }, undefined, { timeout: 5000 });
    await page.screenshot({ path: join(SHOTS, 'session-playing.png') });

    await page.keyboard.press('Escape');
    await page.waitForFunction(() => !document.querySelector('.take.is-playing, .take.is-armed'), undefined, { timeout: 5000 });
    assert.ok(drums.requests.some((r) => r.type === 'stop'));
  });

  test('B plays the source for A/B, and a take dragged out in a browser carries a DownloadURL of its WAV', async () => {
    const { page } = b;
    const first = page.locator('.take').first();
    await first.focus();
    const plays = drums.requests.filter((r) => r.type === 'play').length;
    await page.keyboard.press('b');
    await page.waitForFunction(() => /source/.test(document.querySelector('.now-playing')?.textContent ?? ''), undefined, { timeout: 5000 });
    assert.equal(drums.requests.filter((r) => r.type === 'play').length, plays + 1, 'the plugin was told to play the source');

    const data = await first.evaluate((el) => {
      const dt = new DataTransfer();
      el.dispatchEvent(new DragEvent('dragstart', { bubbles: true, cancelable: true, dataTransfer: dt }));
      return { url: dt.getData('DownloadURL'), uri: dt.getData('text/uri-list') };
    });
    assert.match(data.url, /^audio\/wav:stylebridge-[^:]+\.wav:http:\/\/127\.0\.0\.1:\d+\/files\/takes\/take_/);
    const res = await fetch(data.uri);
    assert.equal(res.status, 200);
    assert.equal(new TextDecoder().decode((await res.arrayBuffer()).slice(0, 4)), 'RIFF');
  });

  test('an audio file chosen or dropped anywhere is decoded at the track\'s rate and becomes the source; an oversized one is refused', async () => {
    const { page } = b;
    const clip = materialClip('breakbeat', 96);
    const dir = mkdtempSync(join(tmpdir(), 'sb-drop-'));
    const file = join(dir, 'break-96.wav');
    writeFileSync(file, encodeWav(clip.audio, { encoding: 'pcm24' }));
    const before = fx.captures().length;
    await page.getByRole('textbox', { name: 'Tempo of the dropped file (BPM)' }).fill('96');
    await page.getByRole('textbox', { name: 'Meter of the dropped file' }).fill(`${clip.meter.numerator}/${clip.meter.denominator}`);
    await page.locator('.dropzone input[type="file"]').setInputFiles(file);
    await page.waitForFunction(() => /96/.test(document.querySelector('.source .meta')?.textContent ?? ''), undefined, { timeout: 10000 });
    assert.equal(fx.captures().length, before + 1);
    const cap = fx.captures().find((c) => c.bpm === 96)!;
    assert.equal(cap.sampleRate, drums.identity.sampleRate, 'decoded at the track\'s rate');
    // The host keeps exactly one bar of 96 BPM at that rate.
    assert.equal(cap.frames, barStartSample(1, 96, clip.meter, drums.identity.sampleRate));
    assert.equal(cap.channels, 2);
    await page.locator('.source-wave .wave[data-state="ready"]').waitFor({ timeout: 10000 });

    const huge = join(dir, 'huge.wav');
    writeFileSync(huge, new Uint8Array(33 * 1024 * 1024));
    await page.locator('.dropzone input[type="file"]').setInputFiles(huge);
    const err = page.locator('.source .error-note');
    await err.waitFor({ timeout: 5000 });
    assert.match(await err.innerText(), /UI_FILE_TOO_LARGE[\s\S]*huge\.wav/);
    assert.equal(await page.locator('.conn').getAttribute('data-state'), 'open', 'the connection stays open');
    assert.equal(fx.captures().length, before + 1);
    rmSync(dir, { recursive: true, force: true });
    await page.locator('.source .error-note button').click();

    // A file dropped anywhere on the page (here a take's own WAV, as a DAW or file browser would hand it over).
    await page.getByRole('textbox', { name: 'Tempo of the dropped file (BPM)' }).fill('124');
    const audioUrl = fx.takes()[0]!.file;
    await page.evaluate(async (url) => {
      const res = await fetch(`/files/${url}?token=${sessionStorage.getItem('stylebridge.token')}`);
      const dt = new DataTransfer();
      dt.items.add(new File([await res.blob()], 'from-daw.wav', { type: 'audio/wav' }));
      document.querySelector('.variations')!.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: dt }));
    }, audioUrl);
    await page.waitForFunction((n) => document.querySelectorAll('.capture-strip .chip').length === n, before + 2, { timeout: 10000 });
    assert.equal(fx.captures().length, before + 2);
    await page.locator(`.chip[data-capture="${rendered}"]`).click();
  });

  test('a focused take is favourited with F and deleted with Delete', async () => {
    const { page } = b;
    const first = page.locator('.take').first();
    const id = await first.getAttribute('data-take');
    await first.focus();
    await page.keyboard.press('f');
    await page.locator(`.take[data-take="${id}"].is-fav`).waitFor({ timeout: 5000 });
    assert.equal(fx.host.library.getTake(id!).favourite, true);
    // The grid may re-render when the favourite arrives; read the neighbour once it has, then wait for focus to move.
    const next = await page.locator('.take').nth(1).getAttribute('data-take');
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction((want) => document.activeElement?.getAttribute('data-take') === want, next, { timeout: 5000 });
    await page.locator(`.take[data-take="${id}"]`).focus();
    await page.keyboard.press('Delete');
    await page.locator(`.take[data-take="${id}"]`).waitFor({ state: 'detached', timeout: 5000 });
    assert.equal(fx.takes().some((t) => t.id === id), false);
  });

  test('R regenerates a take with its own seed and Shift+R with a new one, each as a new job', async () => {
    const { page } = b;
    const card = page.locator('.take').first();
    const id = (await card.getAttribute('data-take'))!;
    const seed = fx.host.library.getTake(id).seed;
    const n = await page.locator('.take').count();
    await card.focus();
    await page.keyboard.press('r');
    await page.waitForFunction((k) => document.querySelectorAll('.take').length === k, n + 1, { timeout: 30000 });
    const newest = fx.takes().reduce((a, t) => (t.createdAt >= a.createdAt ? t : a));
    assert.equal(newest.seed, seed, 'the same seed');
    await card.focus();
    await page.keyboard.press('Shift+R');
    await page.waitForFunction((k) => document.querySelectorAll('.take').length === k, n + 2, { timeout: 30000 });
    const fresh = fx.takes().reduce((a, t) => (t.createdAt >= a.createdAt ? t : a));
    assert.notEqual(fresh.seed, seed, 'a new seed');
  });

  test('a running render shows its progress and stops when cancelled', async () => {
    const { page } = b;
    await page.getByRole('spinbutton', { name: 'Variations' }).fill('32');
    await page.getByRole('spinbutton', { name: 'Bars' }).last().fill('8');
    await page.getByRole('button', { name: /Render 32 variations/ }).click();
    const cancel = page.getByRole('button', { name: 'Cancel render job' }).first();
    await cancel.waitFor({ timeout: 10000 });
    await cancel.click();
    await page.locator('.job.job-cancelled').first().waitFor({ timeout: 30000 });
    await page.getByRole('spinbutton', { name: 'Variations' }).fill('2');
    await page.getByRole('spinbutton', { name: 'Bars' }).last().fill('1');
  });

  test('an engine error appears in its job row with its code and what to do next', async () => {
    const { page } = b;
    // A silent bar: the engine itself refuses it (ENGINE_SOURCE_SILENT), and the job fails with that code.
    await fx.addCapture({ sampleRate: 48000, channels: [new Float32Array(96000), new Float32Array(96000)] }, 120, { numerator: 4, denominator: 4 }, 1, 'Silence');
    await page.locator('.chip', { hasText: 'Silence' }).first().click();
    await page.getByRole('spinbutton', { name: 'Variations' }).fill('2');
    await page.getByRole('button', { name: /Render 2 variations/ }).click();
    const err = page.locator('.job.job-failed .error-note').first();
    await err.waitFor({ timeout: 10000 });
    const text = await err.innerText();
    assert.match(text, /ENGINE_SOURCE_SILENT/);
    assert.ok(text.length > 'ENGINE_SOURCE_SILENT'.length + 20, 'the message and the hint are shown too');
    await page.screenshot({ path: join(SHOTS, 'engine-error.png') });
  });

  test('the grid stays usable with 200 takes: cards render, only visible waveforms load, keys still audition', async (t) => {
    const { page } = b;
    const cap = fx.captures().find((c) => c.id === rendered)!;
    await page.locator(`.chip[data-capture="${rendered}"]`).click();
    await page.waitForFunction(() => document.querySelectorAll('.take').length > 0, undefined, { timeout: 10000 });
    // The rendered takes copied as new library records up to 200 (same audio, distinct takes).
    const added = await fx.copyTakes(cap.id, 200);
    const t0 = Date.now();
    await page.waitForFunction((n) => document.querySelectorAll('.take').length === n, added, { timeout: 30000 });
    const shown = Date.now() - t0;
    const loaded = await page.locator('.take .wave[data-state="ready"]').count();
    assert.ok(loaded < 200, `waveforms load lazily (${loaded} of 200 loaded)`);
    const k0 = Date.now();
    await page.keyboard.press('3');
    await page.locator('.take.is-armed, .take.is-playing').waitFor({ timeout: 5000 });
    const keyMs = Date.now() - k0;
    await page.locator('.take-grid').evaluate((g) => { g.scrollTop = g.scrollHeight; });
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(SHOTS, 'grid-200.png') });
    await page.keyboard.press('Escape');
    t.diagnostic(`200 takes: grid complete ${shown} ms after the last take event, key 3 to armed ${keyMs} ms, ${loaded} waveforms loaded before scrolling`);
  });

  test('bounce writes one stem per chosen track into a folder the page names; the library finds captures by tempo', async () => {
    const { page } = b;
    await page.keyboard.press('Alt+2');
    await page.getByRole('heading', { name: 'Bounce stems' }).waitFor();
    const pick = page.getByRole('combobox', { name: 'Take for Drums' });
    assert.ok((await pick.locator('option').count()) > 1, 'takes to choose from');
    await pick.selectOption({ index: 1 });
    await page.getByRole('spinbutton', { name: 'To bar' }).fill('2');
    await page.getByRole('button', { name: /Bounce 2 bars/ }).click();
    const reveal = page.locator('.reveal code');
    await reveal.waitFor({ timeout: 30000 });
    const shown = await reveal.innerText();
    // The host names bounce folders relative to the project folder.
    const folder = shown.startsWith('/') ? shown : join(fx.projectDir, shown);
    const stems = readdirSync(folder).filter((f) => /Drums.*\.wav$/.test(f));
    assert.equal(stems.length, 1, `one Drums stem in ${folder}`);
    await page.screenshot({ path: join(SHOTS, 'bounce.png') });

    await page.keyboard.press('Alt+3');
    await page.getByRole('spinbutton', { name: 'BPM from' }).fill('123');
    await page.getByRole('spinbutton', { name: 'to' }).fill('125');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('.lib-results').waitFor({ timeout: 5000 });
    const rows = await page.locator('.lib-results table').first().locator('tbody tr').count();
    assert.equal(rows, fx.captures().filter((c) => c.bpm >= 123 && c.bpm <= 125).length);
    assert.ok(rows >= 1);
    await page.screenshot({ path: join(SHOTS, 'library.png') });
  });
});
