import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '#cloud/cloud';
import type { CounterName } from '#cloud/types';
import { measureVariants } from '#lib/comparison';
import type { Variant } from '#lib/variants';
import { buildReport } from '#report/build-report';
import type { Report } from '#report/types';
import { type OfflineService, startOffline } from '#test/helpers/sls-offline';

const run = promisify(execFile);

/** The same seeded workload on both sides; `s<seed>` is npm start's run id, so the order ids match too. */
const WORKLOAD = { orders: 24, concurrency: 4, seed: 3 };
/** Both sides calibrate on the same, shorter light-load run than the default 30 orders. */
const CALIBRATION_ORDERS = 12;
const SAME_WORKLOAD = [
  '--orders',
  String(WORKLOAD.orders),
  '--concurrency',
  String(WORKLOAD.concurrency),
  '--seed',
  String(WORKLOAD.seed),
  '--run-id',
  `s${WORKLOAD.seed}`,
  '--calibration-orders',
  String(CALIBRATION_ORDERS),
];

/** Every billed count but Lambda GB-seconds (a duration: compared through the cost below). */
const COUNTED: CounterName[] = [
  'lambdaInvocations',
  'sqsRequests',
  'eventsPut',
  'stateTransitions',
  'dynamoReadUnits',
  'dynamoWriteUnits',
  'durableOperations',
  'durableBytesWritten',
];

async function loadtest(
  offline: OfflineService,
  variant: Variant,
  cloudDir: string,
  args: string[],
): Promise<{ stdout: string; report: Report }> {
  const { stdout } = await run(
    process.execPath,
    [
      path.join(PROJECT_ROOT, 'node_modules/tsx/dist/cli.mjs'),
      'scripts/loadtest.ts',
      '--target',
      `${variant}=${offline.target}`,
      ...args,
    ],
    {
      cwd: PROJECT_ROOT,
      env: { ...process.env, LOCAL_CLOUD_DIR: cloudDir },
      maxBuffer: 8 * 1024 * 1024,
      timeout: 200_000,
    },
  );
  const dir = /report: (\S+)report\.md/.exec(stdout)?.[1];
  return { stdout, report: JSON.parse(await readFile(path.join(PROJECT_ROOT, `${dir}report.json`), 'utf8')) as Report };
}

describe.each(['sqs-chain', 'eventbridge-flags'] as const)('npm run loadtest against sls offline of %s', (variant) => {
  let offline: OfflineService | undefined;
  let cloudDir = '';
  beforeAll(async () => {
    offline = await startOffline(variant);
    // Its own endpoints.json, where the load test finds the local CloudWatch and CloudFormation.
    cloudDir = offline.cloudDir;
  }, 120_000);
  afterAll(async () => {
    await offline?.stop();
  });

  it('counts what npm start counts for the same workload, and prices each count the same within 5%, Lambda at light-load durations', async () => {
    const { stdout, report } = await loadtest(offline!, variant, cloudDir, ['--verify', ...SAME_WORKLOAD]);
    expect(stdout).toContain('Measured against the target');
    expect(stdout).not.toMatch(/baseline/);
    expect(stdout).toContain(`${variant} kept the invariants checked over ${WORKLOAD.orders} orders`);
    // Both costs are printed: at the light-load durations (compared) and at the run's own.
    expect(stdout).toMatch(/Lambda duration priced at\s+light-load p50/);
    expect(stdout).toMatch(/Total at the run's measured durations\s+\$\d/);
    expect(report.baseline).toBeUndefined();
    const loadtested = report.variants[variant]!;
    expect(loadtested.orders).toBe(WORKLOAD.orders);
    expect(loadtested.nonTerminal).toBe(0);
    expect(loadtested.invariantViolations).toEqual([]);
    expect(loadtested.countsUnavailable).toEqual([]);
    expect(loadtested.templateResources).toBeGreaterThan(20);
    expect(loadtested.lambdaDuration?.basis).toBe('light-load');

    // npm start's own measurement of the same seeded workload, in a local cloud of its own.
    const local = buildReport(
      await measureVariants({
        ...WORKLOAD,
        rate: 0,
        declineRate: 0.05,
        outOfStockRate: 0.05,
        transientRate: 0.1,
        rejectRate: 0.02,
        variants: [variant],
        latencyModel: 'aws',
        sfnType: 'standard',
        calibrationOrders: CALIBRATION_ORDERS,
      }),
    ).variants[variant]!;
    expect(local.lambdaDuration?.basis).toBe('light-load');
    // The stack pays for its fan-out consumers (eventbridge-flags' warehouse notice) and CloudWatch
    // does not split a table's units by caller, so the load test counts them in; npm start reports
    // them apart. What the stack paid, in npm start's terms, is the two together.
    if (variant === 'eventbridge-flags') {
      expect(local.fanOut?.functions).toEqual([expect.stringContaining('notifyWarehouse')]);
      expect(stdout).toContain('npm start reports it apart');
    }
    const apart = local.fanOut?.counts ?? {};
    const stackCounts = Object.fromEntries(COUNTED.map((c) => [c, (local.counts[c] ?? 0) + (apart[c] ?? 0)]));
    // Each count within 5% (closeTo with 1 digit: |ratio - 1| < 0.05); the diff shows them all.
    const counted = COUNTED.filter((c) => (stackCounts[c] ?? 0) > 0 || (loadtested.counts[c] ?? 0) > 0);
    expect(counted).toContain('lambdaInvocations');
    const ratios = Object.fromEntries(counted.map((c) => [c, (loadtested.counts[c] ?? 0) / (stackCounts[c] ?? 0)]));
    expect(ratios).toEqual(Object.fromEntries(counted.map((c) => [c, expect.closeTo(1, 1)])));
    // The like-for-like cost: every item priced from a count (all but Lambda duration) is what npm
    // start's counts of the stack (fan-out included) cost at the same unit prices, within 5%. Lambda
    // duration is priced at each function's light-load p50, which each side measures in a
    // calibration of its own, at its own moment: on a busy machine (another test file beside it) the
    // two p50s differ by tens of percent, so that item is compared by what it is built from (the same
    // functions, each on the light-load basis), not by its dollars.
    const priced = loadtested.costBreakdown.filter((line) => line.item !== 'Lambda duration');
    const perMillion = (units: number, orders: number, price: number) => (units / orders) * price * 1_000_000;
    const loadtestedUsd = priced.reduce((sum, line) => sum + line.usdPerMillionOrders, 0);
    const stackUsd = priced.reduce(
      (sum, line) =>
        sum +
        perMillion((local.counts[line.counter] ?? 0) + (apart[line.counter] ?? 0), local.orders, line.unitPriceUsd),
      0,
    );
    expect(priced.map((line) => line.item)).toContain('Lambda requests');
    expect({ variant, ratio: loadtestedUsd / stackUsd }).toEqual({ variant, ratio: expect.closeTo(1, 1) });
    expect(Object.keys(loadtested.lambdaDuration?.lightLoadMs ?? {}).sort()).toEqual(
      Object.keys(local.lambdaDuration?.lightLoadMs ?? {}).sort(),
    );
    expect(loadtested.lambdaDuration?.notCalibrated ?? []).toEqual([]);
  }, 400_000);

  if (variant !== 'sqs-chain') return;

  it("answers aws cloudwatch get-metric-data with the run's invocation and message counts", async () => {
    const endpoints = JSON.parse(await readFile(path.join(cloudDir, 'endpoints.json'), 'utf8'));
    const now = Math.floor(Date.now() / 1000);
    const query = (id: string, namespace: string, metric: string, dim: string, value: string) => ({
      Id: id,
      MetricStat: {
        Metric: { Namespace: namespace, MetricName: metric, Dimensions: [{ Name: dim, Value: value }] },
        Period: 60,
        Stat: 'Sum',
      },
    });
    const { stdout } = await run(
      'aws',
      [
        '--endpoint-url',
        endpoints.cloudwatch,
        'cloudwatch',
        'get-metric-data',
        '--start-time',
        String(now - 3600),
        '--end-time',
        String(now + 60),
        '--metric-data-queries',
        JSON.stringify([
          query('inv', 'AWS/Lambda', 'Invocations', 'FunctionName', 'sqs-chain-local-validateOrder'),
          query('sent', 'AWS/SQS', 'NumberOfMessagesSent', 'QueueName', 'sqs-chain-local-validate-order'),
        ]),
      ],
      {
        env: { ...process.env, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_DEFAULT_REGION: 'us-east-1' },
      },
    );
    const results = JSON.parse(stdout).MetricDataResults as Array<{ Id: string; Values: number[] }>;
    const total = (id: string) => results.find((r) => r.Id === id)!.Values.reduce((a, b) => a + b, 0);
    // Every order of the run was validated once and sent to the validate queue once (24 orders).
    expect(total('inv')).toBeGreaterThanOrEqual(24);
    expect(total('sent')).toBeGreaterThanOrEqual(24);
  }, 60_000);

  it('reports, in the open model, its client lag and the orders per second asked, sent, accepted and completed', async () => {
    const { stdout, report } = await loadtest(offline!, variant, cloudDir, [
      '--rate',
      '40',
      '--orders',
      '20',
      '--seed',
      '5',
      '--calibration-orders',
      '0',
    ]);
    expect(stdout).toMatch(/client lag \(sent after due, open model\): p50 [\d,.]+ ms, p99 [\d,.]+ ms, max [\d,.]+ ms/);
    expect(stdout).toMatch(
      /orders\/s: asked 40, sent [\d,.]+, accepted by the API [\d,.]+, completed by the target [\d,.]+/,
    );
    const target = report.variants[variant]!.target!;
    expect(target.clientLagMs).toEqual(expect.objectContaining({ p50: expect.any(Number), p99: expect.any(Number) }));
    expect(target.openModel).toEqual({
      requestedPerSec: 40,
      sentPerSec: expect.any(Number),
      acceptedPerSec: expect.any(Number),
      completedPerSec: expect.any(Number),
    });
    // Every order was sent and ended: the rates are of real sends and real ends, not zeros.
    expect(report.variants[variant]!.nonTerminal).toBe(0);
    expect(Object.values(target.openModel!).every((rate) => rate > 0)).toBe(true);
  }, 300_000);
});
