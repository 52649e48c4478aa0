import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { launchHeadlessChromium } from '#lib/headless-chromium';
import { buildReport } from '#report/build-report';
import { renderHtml } from '#report/render-html';
import { aRunInput } from '../helpers/report-fixtures.ts';

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

  it('lets the reader move the monthly volume and the step duration, and redraws from the embedded model', async () => {
    // Page code as strings: this project's TypeScript has no DOM types.
    const snapshot = async () =>
      (await page.evaluate(
        `['aws-cost', 'aws-latency', 'aws-ceilings'].map((c) => document.querySelector('figure[data-chart="' + c + '"] .chart')?.innerHTML ?? '')`,
      )) as string[];
    // What a drag does: the slider's value changes and it fires `input`.
    const move = (id: string, value: string) =>
      page.evaluate(
        `(() => { const i = document.querySelector('${id}'); i.value = '${value}'; i.dispatchEvent(new Event('input', { bubbles: true })); })()`,
      );
    const requestsBefore = problems.length;
    const before = await snapshot();
    for (const chart of before) expect(chart).toContain('data-mark');
    await move('#monthly-volume', '8.5');
    const afterVolume = await snapshot();
    expect(afterVolume[0]).not.toBe(before[0]);
    expect(await page.locator('#monthly-volume-value').textContent()).toMatch(/316,227,766 orders/);
    await move('#step-duration', '4');
    const afterStep = await snapshot();
    expect(afterStep[1]).not.toBe(afterVolume[1]);
    expect(afterStep[2]).not.toBe(afterVolume[2]);
    expect(afterStep[0]).not.toBe(afterVolume[0]);
    expect(await page.locator('#step-duration-value').textContent()).toBe('10,000 ms');
    // Nothing was fetched while redrawing, and nothing went wrong.
    expect(problems.slice(requestsBefore)).toEqual([]);
  });
});
