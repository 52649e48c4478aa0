/**
 * `npm run loadtest -- --target <ApiUrl> [--variant sqs-chain] [--orders N --concurrency C --rate R
 * --seed S --decline-rate ... --deadline secs]`: the same seeded workload against a deployed
 * variant's API (the ApiUrl stack output, or `sls offline` at http://localhost:3000), polling
 * GET /orders/{id} for terminal states. Latency comes from each order's own record (createdAt ->
 * terminalAt, server clocks); counts the client cannot see are marked unavailable.
 */
import { parseArgs } from 'node:util';
import type { OrderRecord } from '#domain/order';
import { isTerminal } from '#domain/order';
import type { CounterName } from './local-cloud/types.ts';
import { parseComparisonArgs } from './lib/cli-options.ts';
import { driveWorkload } from './lib/driver.ts';
import { orchestrationLoc, packageService } from './lib/package-service.ts';
import { createProgress } from './lib/progress.ts';
import { parseVariant } from './lib/variants.ts';
import { generateWorkload } from './lib/workload.ts';
import { buildReport } from './report/build-report.ts';
import { computeVerdicts } from './report/render-markdown.ts';
import { renderTable } from './report/render-table.ts';
import type { VariantRun } from './report/types.ts';
import { writeReport } from './report/write-report.ts';

const ALL_COUNTERS: CounterName[] = [
  'lambdaInvocations',
  'lambdaGbSeconds',
  'sqsRequests',
  'eventsPut',
  'eventDeliveries',
  'stateTransitions',
  'sfnExpressRequests',
  'sfnExpressGbSeconds',
  'dynamoReadUnits',
  'dynamoWriteUnits',
  'retries',
  'durableOperations',
  'durableBytesWritten',
  'durableByteDaysRetained',
];

const argv = process.argv.slice(2);
const own = parseArgs({
  args: argv,
  strict: false,
  options: { target: { type: 'string' }, variant: { type: 'string' }, name: { type: 'string' } },
}).values;
const target = typeof own.target === 'string' ? own.target.replace(/\/+$/, '') : '';
if (!/^https?:\/\/[^\s]+$/.test(target)) {
  console.error(
    'usage: npm run loadtest -- --target <ApiUrl> [--variant sqs-chain|eventbridge-flags|step-functions] [--orders N] [--concurrency C] [--rate R] [--seed S]',
  );
  process.exit(2);
}
const rest = argv.filter(
  (arg, i) =>
    !['--target', '--variant', '--name'].includes(arg) &&
    !['--target', '--variant', '--name'].includes(argv[i - 1] ?? '') &&
    !/^--(target|variant|name)=/.test(arg),
);
const options = parseComparisonArgs(rest, { orders: 200, concurrency: 20, latencyModel: 'none' });
const variant = typeof own.variant === 'string' ? parseVariant(own.variant) : undefined;
const name = typeof own.name === 'string' ? own.name : (variant ?? new URL(target).host);
const workload = generateWorkload({ ...options, runId: `lt${options.seed}-${Date.now().toString(36)}` });
const progress = createProgress();
progress.note(`load test: ${workload.length} orders against ${target}`);

/** Reads orders through the API, a bounded number at a time so polling never floods the stack. */
async function readOrders(ids: string[]): Promise<OrderRecord[]> {
  const out: OrderRecord[] = [];
  for (let i = 0; i < ids.length; i += 20) {
    const batch = await Promise.all(
      ids.slice(i, i + 20).map(async (id) => {
        const response = await fetch(`${target}/orders/${encodeURIComponent(id)}`).catch(() => undefined);
        if (!response?.ok) return undefined;
        // GET /orders/{id} answers the public view (presentOrder): status, times, timeline.
        return (await response.json()) as OrderRecord;
      }),
    );
    out.push(...batch.filter((r): r is OrderRecord => r !== undefined));
  }
  return out;
}

const result = await driveWorkload({
  apiUrl: target,
  orders: workload,
  concurrency: options.concurrency,
  ...(options.rate ? { ratePerSec: options.rate } : {}),
  deadlineMs: options.deadlineMs ?? 300_000,
  readOrders,
  onProgress: (done, total) => progress.update(name, done, total),
});
const template = variant
  ? { resources: Object.keys((await packageService(variant)).Resources).length, loc: await orchestrationLoc(variant) }
  : { resources: 0, loc: 0 };
const run: VariantRun = {
  name,
  orders: result.outcomes.map((o) => ({
    orderId: o.orderId,
    acceptedAtMs: o.record ? Date.parse(o.record.createdAt) : o.acceptedAtMs,
    ...(o.record?.terminalAt ? { terminalAtMs: Date.parse(o.record.terminalAt) } : {}),
    status: o.record?.status ?? 'ACCEPTED',
    ...(o.record?.reason ? { reason: o.record.reason } : {}),
    timeline: o.record?.timeline ?? [],
  })),
  counts: {},
  countsUnavailable: ALL_COUNTERS,
  wallClockMs: result.finishedAtMs - result.startedAtMs,
  templateResources: template.resources,
  orchestrationLoc: template.loc,
  // The client sees statuses, not the ledger or the stock: only what it can check is checked.
  invariantViolations: result.outcomes
    .filter((o) => !o.record || !isTerminal(o.record.status))
    .map((o) => ({
      rule: 'not-terminal' as const,
      orderId: o.orderId,
      message: `order ${o.orderId} did not end within the deadline (last status ${o.record?.status ?? 'unknown'})`,
    })),
};
const rejected = result.outcomes.filter((o) => o.httpStatus !== 202 && o.httpStatus !== 200);
const report = buildReport({
  workload: {
    ...options,
    variants: name,
    target,
    latencyModel: 'none (measured against the target)',
  } as unknown as Record<string, string | number | boolean | null>,
  variants: [run],
  baseline: {
    ...run,
    name: 'baseline',
    orders: [],
    counts: {},
    wallClockMs: 0,
    templateResources: 0,
    orchestrationLoc: 0,
    invariantViolations: [],
  },
});
const written = writeReport(report);
console.log(`\n${renderTable(report, computeVerdicts(report))}`);
if (rejected.length > 0)
  console.log(
    `${rejected.length} order(s) were not accepted (HTTP ${[...new Set(rejected.map((o) => o.httpStatus))].join(', ')})`,
  );
console.log(`report: ${written.markdown}\n        ${written.html}`);
if (result.timedOut.length > 0) process.exit(1);
