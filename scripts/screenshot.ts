/**
 * `npm run screenshot [-- reports/<run>/report.html]`: renders a real run's HTML report in headless
 * Chromium and saves it as docs/report-screenshot.png (the README's picture). Default: the newest
 * run (reports/latest). Chromium: CHROMIUM_PATH, else /usr/bin/chromium.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import playwright from 'playwright-core';

const report = path.resolve(process.argv[2] ?? 'reports/latest/report.html');
const out = path.resolve('docs/report-screenshot.png');
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(report)) throw new Error(`no report at ${report}: run npm start first`);
if (!existsSync(chromium)) throw new Error(`Chromium not found at ${chromium}: set CHROMIUM_PATH`);
const profile = mkdtempSync(path.join(tmpdir(), 'screenshot-'));
const context = await playwright.chromium.launchPersistentContext(profile, {
  executablePath: chromium,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
  viewport: { width: 1280, height: 900 },
});
try {
  const page = await context.newPage();
  await page.goto(pathToFileURL(report).href, { waitUntil: 'load' });
  await page.screenshot({ path: out, fullPage: true });
  console.log(`saved ${path.relative(process.cwd(), out)} from ${path.relative(process.cwd(), report)}`);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
