// Headless Chromium for the report tests: Debian's chromium (never a downloaded browser), driven
// by playwright-core, on a fresh profile, with everything that would reach the network turned off.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
/** The README's set-up command for it (.ci/run runs it too). */
export const CHROMIUM_SETUP = 'apt-get update && apt-get install -y chromium';

/** Why the browser tests cannot run here, or null when they can. */
export const chromiumMissing = existsSync(CHROMIUM) ? null : `no browser at ${CHROMIUM}; install Debian's chromium with: ${CHROMIUM_SETUP}`;

export interface OpenedPage {
  page: Page;
  /** Console errors, page errors and failed requests: a report must have none. */
  problems: string[];
  /** Every URL the page asked for. */
  requests: string[];
  close(): Promise<void>;
}

export async function openInChromium(url: string, viewport = { width: 1600, height: 1000 }): Promise<OpenedPage> {
  const profile = await mkdtemp(path.join(os.tmpdir(), 'timewait-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`));
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(url, { waitUntil: 'load' });
  return {
    page,
    problems,
    requests,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
