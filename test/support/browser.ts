// Headless Chromium for the report tests, driven by playwright-core on a fresh profile with
// everything that would reach the network turned off. The browser is the Chromium build that the
// npm package @sparticuz/chromium ships (so `npm ci` brings it; nothing is downloaded), or the one
// TIMEWAIT_CHROMIUM names, e.g. TIMEWAIT_CHROMIUM=/usr/bin/chromium for Debian's.
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { ROOT } from './helpers.ts';

/** The environment variable that picks another Chromium than the npm package's. */
export const CHROMIUM_OVERRIDE = 'TIMEWAIT_CHROMIUM';

/** Flags that keep Chromium off the network: this machine has none, and a report must need none. */
const OFFLINE_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

interface Browser {
  executablePath: string;
  args: string[];
}

/**
 * The npm package's Chromium, unpacked once into .cache/chromium/<version>/. The package unpacks
 * its brotli files into os.tmpdir() and reuses whatever `chromium` it finds there, of any version
 * and possibly half-written by a concurrent run; so it unpacks here into a folder of this process,
 * moved into place in one step when whole (@sparticuz/chromium build/index.js, executablePath).
 */
async function packagedChromium(): Promise<Browser> {
  const sparticuz = (await import('@sparticuz/chromium')).default;
  const { version } = JSON.parse(await readFile(path.join(ROOT, 'node_modules/@sparticuz/chromium/package.json'), 'utf8')) as { version: string };
  const home = path.join(ROOT, '.cache/chromium');
  const folder = path.join(home, version);
  if (!existsSync(path.join(folder, 'chromium'))) {
    await mkdir(home, { recursive: true });
    const partial = await mkdtemp(path.join(home, `.${version}-`));
    // os.tmpdir() reads TMPDIR at each call, and executablePath() makes all its calls before its
    // first await: the variable is set for that one synchronous stretch only.
    const tmpdir = process.env.TMPDIR;
    process.env.TMPDIR = partial;
    const unpacking = sparticuz.executablePath();
    if (tmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = tmpdir;
    await unpacking;
    await chmod(partial, 0o755);
    // Another run may have moved its copy into place meanwhile: keep that one.
    await rename(partial, folder).catch(() => rm(partial, { recursive: true, force: true }));
  }
  return { executablePath: path.join(folder, 'chromium'), args: sparticuz.args };
}

function chosenBrowser(): Promise<Browser> {
  const override = process.env[CHROMIUM_OVERRIDE];
  if (!override) return packagedChromium();
  if (!existsSync(override)) throw new Error(`${CHROMIUM_OVERRIDE}=${override}: no such file; unset it to use the Chromium of @sparticuz/chromium`);
  return Promise.resolve({ executablePath: override, args: [] });
}

export interface OpenedPage {
  page: Page;
  /** Console errors, page errors and failed requests: a report must have none. */
  problems: string[];
  /** Every URL the page asked for. */
  requests: string[];
  close(): Promise<void>;
}

export async function openInChromium(url: string, viewport = { width: 1600, height: 1000 }): Promise<OpenedPage> {
  const browser = await chosenBrowser();
  const profile = await mkdtemp(path.join(os.tmpdir(), 'timewait-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: browser.executablePath,
    headless: true,
    viewport,
    args: [...browser.args, ...OFFLINE_ARGS],
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
