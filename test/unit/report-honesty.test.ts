/**
 * The report's honesty defects found in review (issue 11), each pinned by a test that fails if
 * it comes back.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { orchestrationLoc } from '#lib/package-service';
import { fanOutConsumers, withoutFanOut } from '#lib/pipeline-counts';
import { RunInstruments } from '#lib/run-instruments';
import { createLatencyModel } from '#measure/latency-model';
import { buildReport } from '#report/build-report';
import { renderHtml } from '#report/render-html';
import { renderMarkdown } from '#report/render-markdown';
import { comparisonTable } from '#report/render-table';
import type { OrderRun, RunInput } from '#report/types';
import { aRunInput } from '../helpers/report-fixtures.ts';

/** The input with one order of eventbridge-flags given a warehouse entry 150 ms after it ended. */
function withWarehouseEntry(input: RunInput): { input: RunInput; order: OrderRun } {
  const flags = input.variants.find((v) => v.name === 'eventbridge-flags')!;
  const report = buildReport(input);
  const exampleId = report.variants['eventbridge-flags']!.exampleTimeline!.orderId;
  const order = flags.orders.find((o) => o.orderId === exampleId)!;
  order.timeline.push({
    step: 'notify-warehouse' as never,
    outcome: 'succeeded',
    attempt: 1,
    at: new Date(order.terminalAtMs! + 150).toISOString(),
  });
  return { input, order };
}

describe('report honesty', () => {
  it('draws the example timelines as measured: accept to terminal, nothing after it, nothing modelled', () => {
    const { input, order } = withWarehouseEntry(aRunInput({ orders: 60 }));
    const report = buildReport(input);
    const example = report.variants['eventbridge-flags']!.exampleTimeline!;
    const localMs = order.terminalAtMs! - order.acceptedAtMs;
    expect(example.totalMs).toBe(localMs);
    expect(Math.max(...example.entries.map((e) => e.atMs))).toBeLessThanOrEqual(localMs);
    expect(example.afterTerminal?.map((e) => e.step)).toEqual(['notify-warehouse']);
    // The modelled figure is far above the local one, and still absent from the measured chart.
    expect(order.modelledAws!.ms).toBeGreaterThan(localMs);
    const html = renderHtml(report);
    const timelines = html.slice(
      html.indexOf('data-chart="timelines"'),
      html.indexOf('</figure>', html.indexOf('data-chart="timelines"')),
    );
    const drawnAt = [...timelines.matchAll(/: \w+ at ([\d,.]+) ms</g)].map((m) => Number(m[1]!.replace(/,/g, '')));
    expect(drawnAt.length).toBeGreaterThan(0);
    expect(Math.max(...drawnAt)).toBeLessThanOrEqual(
      Math.max(...Object.values(report.variants).map((v) => v.exampleTimeline!.totalMs)),
    );
    expect(timelines).not.toContain('notify-warehouse');
  });

  it('counts only the hops on the way to the terminal state (the warehouse notice comes after)', () => {
    const { input } = withWarehouseEntry(aRunInput({ orders: 60 }));
    const report = buildReport(input);
    expect(report.variants['eventbridge-flags']!.hopsPerOrder).toBe(report.variants['sqs-chain']!.hopsPerOrder);
  });

  it("counts eventbridge-flags' flags adapter (services/eventbridge-flags/lib) in its orchestration code", async () => {
    const lib = path.join('services', 'eventbridge-flags', 'lib');
    const adapter = readdirSync(lib).find((f) => /flags/.test(f) && f.endsWith('.ts'));
    expect(adapter).toBeDefined();
    const shared = readdirSync(path.join('shared', 'adapters'));
    expect(shared.filter((f) => /flag/.test(f))).toEqual([]);
    const codeLines = (dir: string): number =>
      readdirSync(dir)
        .filter((f) => f.endsWith('.ts'))
        .flatMap((f) => readFileSync(path.join(dir, f), 'utf8').split('\n'))
        .map((l) => l.trim())
        .filter((l) => l !== '' && !l.startsWith('//') && !l.startsWith('*') && !l.startsWith('/*')).length;
    const handlers = codeLines(path.join('services', 'eventbridge-flags', 'handlers'));
    expect(await orchestrationLoc('eventbridge-flags')).toBeGreaterThanOrEqual(handlers + codeLines(lib));
  });

  it('reports a consumer that only runs after orders ended apart, and prices GB-seconds at light load', () => {
    const instruments = new RunInstruments();
    instruments.reset();
    const invoke = (functionName: string, orderId: string, startedAtMs: number, ms: number): void =>
      instruments.invocation({
        functionName,
        event: { detail: { orderId } },
        startedAtMs,
        endedAtMs: startedAtMs + ms,
        memoryMb: 1024,
        usage: { dynamoWriteUnits: 2, dynamoCalls: 2 },
        cold: false,
      });
    // Saturated durations: 900 ms each; at light load the same functions take 10 ms.
    invoke('send-confirmation', 'o-1', 1_000, 900);
    invoke('notify-warehouse', 'o-1', 2_500, 900);
    const fanOut = fanOutConsumers(instruments, new Map([['o-1', 2_000]]));
    expect([...fanOut]).toEqual(['notify-warehouse']);
    const counts = { lambdaInvocations: 2, lambdaGbSeconds: 1.8, dynamoWriteUnits: 4, eventDeliveries: 2 };
    const { counts: pipeline, fanOutCounts } = withoutFanOut(counts, instruments, fanOut, {
      'send-confirmation': 10,
      'notify-warehouse': 10,
    });
    expect(pipeline).toMatchObject({ lambdaInvocations: 1, dynamoWriteUnits: 2, eventDeliveries: 1 });
    expect(pipeline.lambdaGbSeconds).toBeCloseTo(0.01, 6);
    expect(fanOutCounts).toMatchObject({ lambdaInvocations: 1, dynamoWriteUnits: 2, eventDeliveries: 1 });
  });

  it('never slows a hop down to model AWS: local latency and throughput stay local', () => {
    const instruments = new RunInstruments();
    instruments.reset(createLatencyModel({ mode: 'aws', seed: 3 }));
    expect(instruments.hopDelay('eventbridge', { orderId: 'o-1' })).toBe(0);
    const labels = comparisonTable(buildReport(aRunInput({ orders: 20 }))).sections[0]!.rows.map((r) => r.label);
    expect(labels).toContain('Throughput, local (orders/s, retry waits included)');
  });

  it('counts orders found in a DLQ or failed execution, not FAILED statuses', () => {
    const input = aRunInput({ orders: 400, adjust: { 'sqs-chain': { parkedOrders: 0 } } });
    const report = buildReport(input);
    const sqs = report.variants['sqs-chain']!;
    expect(sqs.terminal.FAILED).toBeGreaterThan(0);
    expect(sqs.dlq).toBe(0);
    const section = comparisonTable(report).sections[0]!;
    const parked = section.rows.find((r) => r.label.startsWith('Parked in a DLQ'))!;
    expect(parked.values[0]).toBe('0');
    expect(section.rows.find((r) => r.label === 'Failed')!.values[0]).toBe(String(sqs.terminal.FAILED));
    expect(section.rows.map((r) => r.label)).not.toContain('Failed (in a DLQ)');
  });

  it('has every claim with a verdict and its numbers in report.md and report.html', () => {
    const report = buildReport(aRunInput({ orders: 100 }));
    const claims = report.claims ?? [];
    expect(claims).toHaveLength(6);
    const md = renderMarkdown(report);
    const html = renderHtml(report);
    for (const claim of claims) {
      expect(['supported', 'contradicted', 'depends']).toContain(claim.verdict);
      expect(claim.evidence).toMatch(/\d/);
      expect(md).toContain(claim.verdict);
      expect(html).toContain(claim.claim.slice(0, 40).replace(/'/g, '&#39;').replace(/"/g, '&quot;'));
    }
  });

  it('leaves durable state written and retained out of the total: not priced, no published figure', () => {
    const input = aRunInput({ orders: 60 });
    const before = buildReport(input).variants['step-functions']!.costPerMillionUsd;
    const run = input.variants.find((v) => v.name === 'step-functions')!;
    run.counts = { ...run.counts, durableBytesWritten: 24_000, durableByteDaysRetained: 336_000 };
    const report = buildReport(input);
    const variant = report.variants['step-functions']!;
    expect(variant.costPerMillionUsd).toBe(before);
    expect(variant.notPriced!.map((line) => line.counter)).toEqual(['durableBytesWritten', 'durableByteDaysRetained']);
    const table = comparisonTable(report);
    const cost = table.sections.find((section) => section.title.startsWith('Estimated cost'))!;
    const column = table.columns.indexOf('step-functions');
    for (const label of ['Lambda durable state written', 'Lambda durable state retained'])
      expect(cost.rows.find((row) => row.label === label)!.values[column]).toBe('not priced: no published figure');
    expect(cost.rows.find((row) => row.label === 'Total')!.values[column]).toMatch(/without what is not priced/);
    expect(renderMarkdown(report)).toContain('not priced: no published figure');
    expect(renderHtml(report)).toContain('not priced: no published figure');
  });

  it('shows no durable checkpoint overhead where nothing was measured (never a zero)', () => {
    const report = buildReport(aRunInput({ orders: 20 }));
    expect(Object.values(report.variants).map((v) => v.checkpointOverhead)).toEqual([undefined, undefined, undefined]);
    expect(renderMarkdown(report)).not.toMatch(/checkpoint/i);
  });

  it('regenerates the screenshot only from a real run (no test writes it from a fixture)', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)],
      );
    const writers = files('test').filter(
      (f) =>
        f !== path.join('test', 'unit', 'report-honesty.test.ts') &&
        readFileSync(f, 'utf8').includes('report-screenshot.png'),
    );
    expect(writers).toEqual([]);
    expect(readFileSync('scripts/screenshot.ts', 'utf8')).toMatch(/reports\/latest\/report\.html/);
  });
});
