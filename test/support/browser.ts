// Launches Debian's Chromium through playwright-core for UI tests, builds the UI into a scratch folder, and records page problems.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';

export const CHROMIUM = process.env.STYLEBRIDGE_CHROMIUM ?? '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Why browser tests cannot run here, or undefined when they can. */
export function browserSkipReason(): string | undefined {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is missing (apt-get install chromium)`;
  return undefined;
}

/** Builds the web UI into a fresh folder (esbuild, about a second) and returns it with its cleanup. */
export function buildUi(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'sb-ui-'));
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-ui.mjs'), '--out', dir, '--ui-only'], { cwd: ROOT, stdio: 'pipe' });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface BrowserSession {
  readonly browser: Browser;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Console errors, page errors and CSP violations seen so far. */
  readonly problems: string[];
  close(): Promise<void>;
}

export interface LaunchOptions {
  readonly width?: number;
  readonly height?: number;
}

export async function launchBrowser(opts: LaunchOptions = {}): Promise<BrowserSession> {
  const { chromium } = await import('playwright-core');
  // playwright-core gives every launch a fresh, temporary profile (its own --user-data-dir).
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  const context = await browser.newContext({ viewport: { width: opts.width ?? 1440, height: opts.height ?? 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  // CSP violations are reported as console errors by Chromium ("Refused to ...").
  return {
    browser, context, page, problems,
    async close() {
      await browser.close().catch(() => undefined);
    },
  };
}
