/**
 * `npm run screenshot [-- reports/<run>/report.html]`: renders a real run's HTML report in headless
 * Chromium and saves it as docs/report-screenshot.png (the README's picture). Default: the newest
 * run (reports/latest). Chromium: CHROMIUM_PATH, else the one the @sparticuz/chromium package ships.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchHeadlessChromium } from '#lib/headless-chromium';

const report = path.resolve(process.argv[2] ?? 'reports/latest/report.html');
const out = path.resolve('docs/report-screenshot.png');
if (!existsSync(report)) throw new Error(`no report at ${report}: run npm start first`);
const profile = mkdtempSync(path.join(tmpdir(), 'screenshot-'));
const context = await launchHeadlessChromium(profile);
try {
  const page = await context.newPage();
  await page.goto(pathToFileURL(report).href, { waitUntil: 'load' });
  // The report's top (summary, verdicts and charts), not the whole page: the tables below run to
  // some 14,000 pixels, a picture of ~3 MB the README does not need; they are text in the report.
  await page.screenshot({ path: out, clip: { x: 0, y: 0, width: 1280, height: 2400 } });
  console.log(`saved ${path.relative(process.cwd(), out)} from ${path.relative(process.cwd(), report)}`);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
