import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { launchHeadlessChromium } from '#lib/headless-chromium';
import { buildReport } from '#report/build-report';
import { renderHtml } from '#report/render-html';
import { aRunInput } from '../helpers/report-fixtures.ts';

const SCREENSHOT = path.resolve('docs/report-screenshot.png');
const CHARTS = ['latency-cdf', 'cost', 'counts', 'timelines'];

describe('report.html in headless Chromium', () => {
  let workDir: string;
  let browser: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    workDir = mkdtempSync(path.join(tmpdir(), 'report-html-'));
    browser = await launchHeadlessChromium(path.join(workDir, 'profile'));
    page = await browser.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning')
        problems.push(`console.${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
    page.on('request', (request) => {
      if (!request.url().startsWith('file:')) problems.push(`external request: ${request.url()}`);
    });
    const file = path.join(workDir, 'report.html');
    writeFileSync(file, renderHtml(buildReport(aRunInput())));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  });

  afterAll(async () => {
    await browser?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('loads without console errors and without fetching anything', () => {
    expect(problems).toEqual([]);
  });

  it.each(CHARTS)('draws the %s chart with data', async (chart) => {
    const marks = await page.locator(`figure[data-chart="${chart}"] svg [data-mark]`).count();
    expect(marks).toBeGreaterThan(3);
    const labels = await page.locator(`figure[data-chart="${chart}"] svg text`).count();
    expect(labels).toBeGreaterThan(3);
  });

  it('draws one latency curve per variant and series, and a timeline per variant and the baseline', async () => {
    // 3 variants x (local + modelled) + the baseline's local curve.
    expect(await page.locator('figure[data-chart="latency-cdf"] path[data-mark]').count()).toBe(7);
    expect(await page.locator('figure[data-chart="timelines"] .panel').count()).toBe(4);
  });

  it('labels measured and modelled numbers', async () => {
    const captions = await page.locator('table caption').allTextContents();
    expect(captions).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Measured locally/),
        expect.stringMatching(
          /^Modelled for AWS \(source: per-hop delays from "Serverless Messaging: Latency Compared"/,
        ),
      ]),
    );
  });

  it('shows data text as text, never as markup', async () => {
    const hostile = aRunInput({ orders: 20, adjust: { 'sqs-chain': { name: '<img src=x onerror=alert(1)>' } } });
    const scratch = await browser.newPage();
    await scratch.setContent(renderHtml(buildReport(hostile)));
    expect(await scratch.locator('img').count()).toBe(0);
    expect(await scratch.getByText('<img src=x onerror=alert(1)>').first().isVisible()).toBe(true);
    await scratch.close();
  });

  it('saves docs/report-screenshot.png when UPDATE_SCREENSHOT=1', async () => {
    if (process.env.UPDATE_SCREENSHOT !== '1') return;
    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);
  });
});
