import { existsSync } from 'node:fs';
import type { BrowserContext } from 'playwright-core';

/**
 * Flags that keep Chromium from reaching the network on its own (updates, sync, QUIC probes,
 * first-run pages): the report and the tests only ever load local files.
 */
const OFFLINE_FLAGS = [
  '--no-first-run',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface HeadlessChromium {
  executablePath: string;
  args: string[];
  /** Where the binary came from, for error messages and logs. */
  source: 'CHROMIUM_PATH' | '@sparticuz/chromium';
}

/**
 * The headless browser the HTML report test and `npm run screenshot` drive: `CHROMIUM_PATH`
 * when set (any Chromium or Chrome binary), else the headless Chromium shipped inside the
 * `@sparticuz/chromium` npm package (unpacked into the temp dir on first use), so `npm install`
 * is the whole set-up: nothing from the system's packages is needed or looked at.
 */
export async function findHeadlessChromium(env: NodeJS.ProcessEnv = process.env): Promise<HeadlessChromium> {
  const override = env.CHROMIUM_PATH;
  if (override) {
    if (!existsSync(override)) throw new Error(`CHROMIUM_PATH=${override}: no such file`);
    return {
      executablePath: override,
      args: ['--headless', '--no-sandbox', '--disable-gpu', ...OFFLINE_FLAGS],
      source: 'CHROMIUM_PATH',
    };
  }
  const { default: chromium } = await import('@sparticuz/chromium');
  // No WebGL: the report draws SVG, and the software GL stack is the slowest part of start-up.
  chromium.setGraphicsMode = false;
  return {
    executablePath: await chromium.executablePath(),
    args: [...chromium.args, ...OFFLINE_FLAGS],
    source: '@sparticuz/chromium',
  };
}

/**
 * How often a launch is tried. The Lambda-built Chromium of @sparticuz/chromium runs as one
 * process and, rarely, dies at start (SIGSEGV before its first page; once in a CI run here, never
 * in 60 launches on a quiet machine). The browser is the tests' tool, not what they test, so a
 * crash at start is tried again; a browser that never starts still fails, with every cause.
 */
const LAUNCH_ATTEMPTS = 3;

/** A persistent context on `userDataDir` (a fresh, empty directory: the profile starts clean). */
export async function launchHeadlessChromium(
  userDataDir: string,
  viewport = { width: 1280, height: 900 },
): Promise<BrowserContext> {
  const browser = await findHeadlessChromium();
  const { chromium } = await import('playwright-core');
  const failures: unknown[] = [];
  while (failures.length < LAUNCH_ATTEMPTS) {
    try {
      return await chromium.launchPersistentContext(userDataDir, {
        executablePath: browser.executablePath,
        args: browser.args,
        // Playwright's own defaults would add a second --headless flag and its own sandbox switch.
        headless: true,
        viewport,
      });
    } catch (error) {
      failures.push(error);
    }
  }
  throw new Error(
    `headless Chromium (${browser.source}: ${browser.executablePath}) did not start in ${LAUNCH_ATTEMPTS} attempts`,
    { cause: failures.length === 1 ? failures[0] : new AggregateError(failures, 'each launch failed') },
  );
}
