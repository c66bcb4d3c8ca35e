// The Render panel: engine and its capabilities, prompt, strength, guidance, variations, bars, seed; then one progress bar per job, with cancel.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import type { EngineInfo, JobInfo } from '../../common/ui-client/types.js';
import * as fmt from '../format.js';
import { useApp } from './context.js';
import { ErrorNote } from './error-note.js';
import { icons } from './icons.js';

/** Jobs listed under the form (most recent first). */
export const MAX_LISTED_JOBS = 8;

export function RenderPanel() {
  const { store } = useApp();
  const engines = store.engines.value;
  const [engineId, setEngineId] = useState<string | undefined>(undefined);
  const engine: EngineInfo | undefined = engines.find((e) => e.id === engineId) ?? engines.find((e) => e.id === store.defaultEngine.value) ?? engines[0];
  const cap = store.selectedCapture.value;
  const [model, setModel] = useState('');
  const [prompt, setPrompt] = useState('');
  const [strength, setStrength] = useState(3);
  const [cfg, setCfg] = useState('');
  const [cfgBeta, setCfgBeta] = useState('');
  const [variations, setVariations] = useState(4);
  const [bars, setBars] = useState(1);
  const [seed, setSeed] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => { if (engine) setStrength(Math.min(engine.strength.max, Math.max(engine.strength.min, engine.strength.default))); }, [engine?.id]);
  useEffect(() => { if (cap) setBars(cap.bars); }, [cap?.id]);

  const render = async () => {
    if (!cap || !engine) return;
    setBusy(true);
    await store.attempt('render', () => store.client.call('render', {
      captureId: cap.id, engine: engine.id, variations, bars, strength,
      ...(model.trim() ? { model: model.trim() } : {}),
      ...(engine.textPrompt.supported && prompt.trim() ? { prompt: prompt.trim() } : {}),
      ...(engine.guidance.supported && cfg.trim() ? { cfg: Number(cfg) } : {}),
      ...(engine.guidance.supported && cfgBeta.trim() ? { cfgBeta: Number(cfgBeta) } : {}),
      ...(seed.trim() ? { seed: Number(seed) } : {}),
    }));
    setBusy(false);
  };

  const jobs = [...store.jobs.value.values()].reverse().slice(0, MAX_LISTED_JOBS);
  const enginesOff = !store.hostFeatures.value.engines;
  const canRender = !!cap && !!engine && !busy && store.connection.value.state === 'open';

  return html`<section class="panel render" aria-labelledby="render-h">
    <header class="panel-head"><h2 id="render-h">Render</h2></header>
    <${ErrorNote} error=${store.errors.value.engines} />
    ${enginesOff ? html`<p class="notice">This host has no engines registered yet.</p>` : null}
    <form class="form" onSubmit=${(e: Event) => { e.preventDefault(); void render(); }}>
      <label class="field"><span>Engine</span>
        <select value=${engine?.id ?? ''} disabled=${engines.length === 0} onChange=${(e: Event) => setEngineId((e.target as HTMLSelectElement).value)}>
          ${engines.length === 0 ? html`<option value="">No engine</option>` : engines.map((e) => html`<option value=${e.id}>${e.name}</option>`)}
        </select>
      </label>
      ${engine ? html`<p class="engine-desc clamp" title=${engine.description}><span class="tag">${engine.family}</span><span class="tag">${engine.device}</span> ${engine.description}</p>` : null}
      <label class="field"><span>Model</span>
        <input type="text" placeholder="engine default" value=${model} disabled=${!engine} onInput=${(e: Event) => setModel((e.target as HTMLInputElement).value)} />
      </label>
      <label class="field"><span>Prompt</span>
        <textarea rows="2" maxlength="2000" value=${prompt} disabled=${!engine?.textPrompt.supported}
          placeholder=${engine && !engine.textPrompt.supported ? 'Not used by this engine' : 'e.g. dusty boom-bap, warm Rhodes'}
          aria-describedby="prompt-why" onInput=${(e: Event) => setPrompt((e.target as HTMLTextAreaElement).value)}></textarea>
      </label>
      ${engine && !engine.textPrompt.supported ? html`<p class="why" id="prompt-why">${engine.textPrompt.reason ?? 'This engine takes no text prompt.'}</p>` : null}
      <label class="field"><span>Strength <output class="num">${strength}</output></span>
        <input type="range" aria-label="Strength" min=${engine?.strength.min ?? 1} max=${engine?.strength.max ?? 6} step="1" value=${strength} disabled=${!engine}
          aria-describedby="strength-why" onInput=${(e: Event) => setStrength(Number((e.target as HTMLInputElement).value))} />
      </label>
      ${engine ? html`<p class="why clamp" id="strength-why" title=${engine.strength.meaning}>${engine.strength.meaning}</p>` : null}
      <div class="row-2">
        <label class="field"><span>Guidance a</span>
          <input type="number" step="0.5" min="0" max="20" class="w-num" value=${cfg} placeholder=${engine?.guidance.defaultCfg !== undefined ? String(engine.guidance.defaultCfg) : '–'}
            disabled=${!engine?.guidance.supported} onInput=${(e: Event) => setCfg((e.target as HTMLInputElement).value)} />
        </label>
        <label class="field"><span>Guidance b</span>
          <input type="number" step="0.5" min="0" max="20" class="w-num" value=${cfgBeta} placeholder=${engine?.guidance.defaultCfgBeta !== undefined ? String(engine.guidance.defaultCfgBeta) : '–'}
            disabled=${!engine?.guidance.supported} onInput=${(e: Event) => setCfgBeta((e.target as HTMLInputElement).value)} />
        </label>
      </div>
      ${engine && !engine.guidance.supported ? html`<p class="why">${engine.guidance.reason ?? 'This engine has no guidance controls.'}</p>` : null}
      <div class="row-3">
        <label class="field"><span>Variations</span>
          <input type="number" min="1" max=${engine?.maxVariations ?? 64} class="w-num" value=${variations} onInput=${(e: Event) => setVariations(Number((e.target as HTMLInputElement).value))} />
        </label>
        <label class="field"><span>Bars</span>
          <input type="number" min="1" max=${engine?.maxBars ?? 64} class="w-num" value=${bars} onInput=${(e: Event) => setBars(Number((e.target as HTMLInputElement).value))} />
        </label>
        <label class="field"><span>Seed</span>
          <span class="input-with-btn">
            <input type="number" min="0" max="4294967295" class="w-seed" placeholder="random" value=${seed} onInput=${(e: Event) => setSeed((e.target as HTMLInputElement).value)} />
            <button type="button" class="icon-btn" aria-label="New random seed" title="New random seed" onClick=${() => setSeed(String(randomSeed()))}>${icons.dice()}</button>
          </span>
        </label>
      </div>
      <button type="submit" class="btn btn-primary btn-wide" disabled=${!canRender}>${busy ? 'Starting…' : `Render ${variations} variation${variations === 1 ? '' : 's'}`}</button>
      ${!cap ? html`<p class="why">Capture or drop a source first.</p>` : null}
    </form>
    <${ErrorNote} error=${store.errors.value.render} onDismiss=${() => store.clearError('render')} />
    ${jobs.length ? html`<div class="jobs" aria-label="Jobs">
      <h3 class="sub-head">Jobs</h3>
      <ul>${jobs.map((j) => html`<${JobRow} key=${j.id} job=${j} />`)}</ul>
    </div>` : null}
  </section>`;
}

function JobRow(props: { job: JobInfo }) {
  const { store } = useApp();
  const j = props.job;
  const active = j.state === 'queued' || j.state === 'running';
  const cancel = () => void store.attempt('render', () => store.client.call('jobs.cancel', { jobId: j.id }));
  return html`<li class=${`job job-${j.state}`} data-job=${j.id}>
    <div class="job-line">
      <span class="job-kind">${j.kind}</span>
      <span class="job-stage">${j.state === 'running' ? j.stage ?? 'running' : j.state}</span>
      <span class="num job-pct">${fmt.percent(j.progress)}</span>
      ${active ? html`<button type="button" class="icon-btn" aria-label=${`Cancel ${j.kind} job`} onClick=${cancel}>${icons.x()}</button>` : null}
    </div>
    <progress max="1" value=${j.progress} aria-label=${`${j.kind} progress`}></progress>
    ${j.error ? html`<${ErrorNote} error=${j.error} />` : null}
  </li>`;
}

function randomSeed(): number {
  const a = new Uint32Array(1);
  crypto.getRandomValues(a);
  return a[0] ?? 0;
}
