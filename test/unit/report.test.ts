import { lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { summarizeLatencies } from '#measure/latency-summary';
import { buildReport } from '#report/build-report';
import { computeVerdicts, renderMarkdown } from '#report/render-markdown';
import { renderTable } from '#report/render-table';
import type { Report, VariantRun } from '#report/types';
import { writeReport } from '#report/write-report';
import { aRunInput } from '../helpers/report-fixtures.ts';

const VARIANT_KEYS = [
  'orders',
  'terminal',
  'latencyMs',
  'throughputPerSec',
  'counts',
  'costPerMillionUsd',
  'invariantViolations',
  'templateResources',
  'orchestrationLoc',
];

describe('buildReport', () => {
  const report = buildReport(aRunInput());

  it('keeps the contract keys of report.json', () => {
    // What readers of report.json see: the serialized form, not the in-memory object.
    const json = JSON.parse(JSON.stringify(report)) as Report;
    expect(Object.keys(json)).toEqual(expect.arrayContaining(['workload', 'variants', 'baseline']));
    expect(Object.keys(json.variants)).toEqual(['sqs-chain', 'eventbridge-flags', 'step-functions']);
    for (const variant of [...Object.values(json.variants), json.baseline!]) {
      expect(Object.keys(variant)).toEqual(expect.arrayContaining(VARIANT_KEYS));
      expect(Object.keys(variant.terminal).sort()).toEqual(['CANCELLED', 'CONFIRMED', 'FAILED', 'REJECTED']);
      expect(Object.keys(variant.latencyMs.local)).toEqual(['p50', 'p90', 'p99', 'max']);
    }
    expect(Object.keys(json.variants['sqs-chain']!.latencyMs.modelledAws!)).toEqual(['p50', 'p90', 'p99', 'max']);
  });

  it('counts every terminal status and derives retries, compensations and DLQ from the timelines', () => {
    const sqs = report.variants['sqs-chain']!;
    expect(sqs.orders).toBe(400);
    expect(Object.values(sqs.terminal).reduce((a, b) => a + b, 0)).toBe(400);
    expect(sqs.dlq).toBe(sqs.terminal.FAILED);
    expect(sqs.retries).toBe(sqs.counts.retries);
    expect(sqs.compensations).toBeGreaterThan(0);
  });

  it("models AWS latency from each order's priced journey, not from its local latency", () => {
    const input = aRunInput({ orders: 50 });
    const run = input.variants[1]!;
    const expected = summarizeLatencies(run.orders.map((o) => o.modelledAws!.ms)).quantiles;
    expect(buildReport(input).variants[run.name]!.latencyMs.modelledAws).toEqual(expected);
    // The same journeys on a machine ten times slower: local latency moves, the model does not.
    const slow = {
      ...run,
      orders: run.orders.map((o) => ({ ...o, terminalAtMs: o.acceptedAtMs + (o.terminalAtMs! - o.acceptedAtMs) * 10 })),
    };
    const slowReport = buildReport({ ...input, variants: [input.variants[0]!, slow, input.variants[2]!] });
    expect(slowReport.variants[run.name]!.latencyMs.local.p50).toBeGreaterThan(
      buildReport(input).variants[run.name]!.latencyMs.local.p50 * 5,
    );
    expect(slowReport.variants[run.name]!.latencyMs.modelledAws).toEqual(expected);
  });

  it('leaves modelled latency out when the run did not model it', () => {
    const input = aRunInput({ orders: 20 });
    const unmodelled = (run: VariantRun): VariantRun => ({
      ...run,
      orders: run.orders.map(({ modelledAws: _, ...order }) => order),
    });
    const local = buildReport({
      ...input,
      variants: input.variants.map(unmodelled),
      baseline: unmodelled(input.baseline!),
    });
    expect(local.variants['sqs-chain']!.latencyMs.modelledAws).toBeUndefined();
    expect(renderMarkdown(local)).not.toMatch(/Modelled for AWS \(source/);
  });

  it('shows the same order side by side in every variant', () => {
    const ids = Object.values(report.variants).map((v) => v.exampleTimeline?.orderId);
    expect(new Set(ids).size).toBe(1);
    expect(report.variants['step-functions']!.exampleTimeline!.status).toBe('CONFIRMED');
    expect(report.variants['step-functions']!.hopsPerOrder).toBe(4);
  });

  it('compares each variant with the baseline', () => {
    const sfn = report.variants['step-functions']!;
    expect(sfn.overheadRatio!.costPerMillion).toBeCloseTo(
      sfn.costPerMillionUsd / report.baseline!.costPerMillionUsd,
      10,
    );
    expect(report.baseline!.overheadRatio).toBeUndefined();
  });

  it("gives a variant the p50 and SDK time of the baseline run right after it (npm run bench's ratio)", () => {
    const input = aRunInput();
    const baseline = input.baseline!;
    // The baseline beside sqs-chain: the same orders, each 10 ms slower, 8 ms of SDK calls per order.
    const beside: VariantRun = {
      ...baseline,
      orders: baseline.orders.map((o) =>
        o.terminalAtMs === undefined ? o : { ...o, terminalAtMs: o.terminalAtMs + 10 },
      ),
      counts: { ...baseline.counts, awsCallMs: 8 * baseline.orders.length },
    };
    const withBeside = buildReport({
      ...input,
      variants: input.variants.map((v) => (v.name === 'sqs-chain' ? { ...v, baselineBeside: beside } : v)),
    });
    expect(withBeside.variants['sqs-chain']!.baselineBeside).toEqual({
      latencyP50Ms: withBeside.baseline!.latencyMs.local.p50 + 10,
      awsCallMsPerOrder: 8,
      orders: baseline.orders.length,
    });
    expect(withBeside.variants['step-functions']!.baselineBeside).toBeUndefined();
  });
});

describe('renderMarkdown', () => {
  const markdown = renderMarkdown(buildReport(aRunInput()));

  it('puts the variants and the baseline side by side', () => {
    expect(markdown).toContain('| | sqs-chain | eventbridge-flags | step-functions | baseline |');
  });

  it('labels measured and modelled numbers and cites the sources', () => {
    expect(markdown).toContain('## Measured locally');
    expect(markdown).toMatch(
      /## Modelled for AWS \(source: \[.*Serverless Messaging: Latency Compared.*\]\(https:\/\/bitesizedserverless\.com\//,
    );
    expect(markdown).toContain('https://aws.amazon.com/step-functions/pricing/');
  });
});

describe('computeVerdicts', () => {
  it('derives the cost verdict from the numbers and its driver from the breakdown', () => {
    const verdicts = computeVerdicts(buildReport(aRunInput()));
    expect(verdicts).toContainEqual(expect.stringMatching(/^sqs-chain is the cheapest at \$13\.51 per million orders/));
    expect(verdicts).toContainEqual(
      'step-functions costs 17x sqs-chain per million orders ($233.71 vs $13.51), driven by Step Functions state transitions (96%).',
    );
  });

  it('changes when the numbers change', () => {
    const before = computeVerdicts(buildReport(aRunInput()));
    // 400 orders: 0.1 transition and 5 invocations per order = $2.50 + $1.00 per million orders.
    const fewerTransitions = aRunInput({
      adjust: { 'step-functions': { counts: { lambdaInvocations: 2_000, stateTransitions: 40 } } },
    });
    const after = computeVerdicts(buildReport(fewerTransitions));
    expect(after).not.toEqual(before);
    expect(after[0]).toBe(
      'step-functions is the cheapest at $3.50 per million orders, 71% of it Step Functions state transitions.',
    );
    expect(after).toContainEqual(
      'sqs-chain costs 3.9x step-functions per million orders ($13.51 vs $3.50), driven by DynamoDB writes (42%).',
    );
  });

  it('names the variant that broke an invariant and the rules it broke', () => {
    const broken = aRunInput({
      adjust: {
        'eventbridge-flags': {
          invariantViolations: [
            { rule: 'charge-count', orderId: 'order-0001', message: 'order order-0001: charged 2 times' },
            { rule: 'charge-count', orderId: 'order-0002', message: 'order order-0002: charged 2 times' },
          ],
        },
      },
    });
    expect(computeVerdicts(buildReport(broken))).toContain(
      'eventbridge-flags broke 2 invariant checks (charge-count x2).',
    );
  });

  it('explains modelled p99 by the hops a typical order crosses', () => {
    const verdicts = computeVerdicts(buildReport(aRunInput()));
    expect(verdicts).toContainEqual(
      expect.stringMatching(
        /^eventbridge-flags p99 modelled on AWS is [\d,]+ ms \(local p99 \d+ ms\): a typical order crosses 4 EventBridge hops at 148 ms p50 each\.$/,
      ),
    );
  });

  it('does not compare costs it could not count', () => {
    const blind = aRunInput({ adjust: { 'sqs-chain': { countsUnavailable: ['sqsRequests'] } } });
    expect(computeVerdicts(buildReport(blind))[0]).toBe(
      'Costs are lower bounds, not compared: sqs-chain could not count sqsRequests.',
    );
  });
});

describe('renderTable', () => {
  it('aligns every row to the header', () => {
    const report = buildReport(aRunInput());
    const lines = renderTable(report, computeVerdicts(report)).split('\n');
    const header = lines[0]!;
    const rows = lines.filter((line) => /^ {2}\S/.test(line));
    expect(rows.length).toBeGreaterThan(20);
    for (const row of rows) expect(row.length).toBe(header.length);
    expect(lines).toContainEqual(expect.stringMatching(/^\* sqs-chain is the cheapest/));
  });
});

describe('writeReport', () => {
  it('writes json, markdown and html and points latest at the newest run', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'reports-'));
    try {
      const report = buildReport(aRunInput({ orders: 20 }));
      const first = writeReport(report, root);
      const second = writeReport(report, root);
      expect(second.dir).not.toBe(first.dir);
      expect(JSON.parse(readFileSync(second.json, 'utf8'))).toEqual(report);
      expect(readFileSync(second.markdown, 'utf8')).toMatch(/^# Order pipelines compared/);
      expect(readFileSync(second.html, 'utf8')).toMatch(/^<!DOCTYPE html>/);
      expect(lstatSync(second.latest).isSymbolicLink()).toBe(true);
      expect(readlinkSync(second.latest)).toBe(path.basename(second.dir));
      expect(readFileSync(path.join(second.latest, 'report.json'), 'utf8')).toBe(readFileSync(second.json, 'utf8'));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
