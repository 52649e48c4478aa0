/**
 * `npm run loadtest -- --target <ApiUrl>` or `--target sqs-chain=<url>,step-functions=<url>`:
 * the same seeded workload through each target in turn, counted by AWS itself (CloudWatch over
 * the test's window, resources from CloudFormation), priced from shared/data/prices.json and
 * compared side by side as `npm start` compares the local runs. One code path for a deployed
 * stack, `sls offline` and `npm run cloud` (the local cloud serves the same CloudWatch and
 * CloudFormation APIs). Requests to AWS are SigV4-signed with the caller's credentials.
 *
 * Options (besides the workload's: --orders --concurrency --rate --seed --decline-rate ...):
 *   --variant v          the variant behind a bare --target URL
 *   --stack name         the stack (default: `sls info`, or the local cloud's endpoints.json)
 *   --stage s            the stage `sls info` looks at (default dev)
 *   --region r           default: the API URL's region, then AWS_REGION
 *   --sign auto|always|never   auto: sign unless the target is loopback
 *   --verify             read the stack's tables and queues: check every invariant, exact own reads
 *   --metrics-delay s    wait before GetMetricData (default 1.5 s locally, 180 s on AWS)
 *   --calibration-orders N   light-load calibration before the run (default 30, 0 with --slice):
 *                        Lambda is priced at each function's p50 duration then, as `npm start` prices it
 *   --poll-rate n        GET /orders/{id} polls a second at most (default 100; not with --verify)
 *   --run-id id --slice i/n    several generators on slices of one workload (then loadtest:merge)
 *   --out file           where the raw run goes (default reports/<ts>/loadtest-run.json)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { exitWithHelpIfAsked } from './lib/help.ts';
import { parseComparisonArgs } from './lib/cli-options.ts';
import {
  DEFAULT_POLL_RATE,
  parseTargets,
  runTarget,
  type CountingInputs,
  type TargetOptions,
} from './lib/loadtest-target.ts';
import { createProgress } from './lib/progress.ts';
import { CALIBRATION_ORDERS, calibrationWorkload, generateWorkload } from './lib/workload.ts';
import { buildReport } from './report/build-report.ts';
import { computeVerdicts } from './report/render-markdown.ts';
import { renderTable } from './report/render-table.ts';
import type { RunInput, VariantRun } from './report/types.ts';
import { writeReport } from './report/write-report.ts';
import { renderTargetNotes } from './lib/loadtest-report.ts';

const OWN = {
  target: { type: 'string' },
  variant: { type: 'string' },
  stack: { type: 'string' },
  stage: { type: 'string' },
  region: { type: 'string' },
  sign: { type: 'string' },
  verify: { type: 'boolean' },
  'metrics-delay': { type: 'string' },
  'calibration-orders': { type: 'string' },
  'poll-rate': { type: 'string' },
  'run-id': { type: 'string' },
  slice: { type: 'string' },
  out: { type: 'string' },
  endpoints: { type: 'string' },
} as const;

exitWithHelpIfAsked();
const argv = process.argv.slice(2);
const own = parseArgs({ args: argv, strict: false, options: OWN }).values;
const ownNames = new Set(Object.keys(OWN).map((k) => `--${k}`));
const rest: string[] = [];
for (let i = 0; i < argv.length; i++) {
  const arg = argv[i]!;
  const name = arg.split('=')[0]!;
  if (!ownNames.has(name)) rest.push(arg);
  else if (!arg.includes('=') && name !== '--verify') i++;
}
try {
  if (typeof own.target !== 'string') throw new Error('--target is required');
  const targets = parseTargets(own.target, typeof own.variant === 'string' ? own.variant : undefined);
  // No review orders unless asked (--review-rate): a deployed stack waits a day for a reviewer.
  const options = parseComparisonArgs(rest, { orders: 200, concurrency: 20, latencyModel: 'none', reviewRate: 0 });
  const sign = (own.sign ?? 'auto') as TargetOptions['sign'];
  if (!['auto', 'always', 'never'].includes(sign))
    throw new Error(`--sign must be auto, always or never, got "${sign}"`);
  const slice = typeof own.slice === 'string' ? parseSlice(own.slice) : undefined;
  const runId = typeof own['run-id'] === 'string' ? own['run-id'] : `lt${options.seed}-${Date.now().toString(36)}`;
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(runId)) throw new Error('--run-id must be 1-40 letters, digits, "-" or "_"');
  const all = generateWorkload({ ...options, runId });
  // Several generators run at once: a calibration of one would run under the others' load.
  const calibrationOrders = wholeNumber(
    'calibration-orders',
    own['calibration-orders'],
    slice ? 0 : CALIBRATION_ORDERS,
  );
  const calibration = calibrationOrders > 0 ? calibrationWorkload(options, `${runId}-cal`, calibrationOrders) : [];
  // A slice keeps the seeded orders whose index is i modulo n: n generators drive the whole workload.
  const workload = slice ? all.filter((_, i) => i % slice.of === slice.index) : all;
  const progress = createProgress();
  const runs: VariantRun[] = [];
  const counting: CountingInputs[] = [];
  let lagged = false;
  for (const target of targets) {
    const result = await runTarget(target, workload, {
      ...(typeof own.stack === 'string' ? { stack: own.stack } : {}),
      stage: typeof own.stage === 'string' ? own.stage : 'dev',
      ...(typeof own.region === 'string' ? { region: own.region } : {}),
      ...(typeof own.endpoints === 'string' ? { endpointsFile: own.endpoints } : {}),
      sign,
      verify: own.verify === true,
      ...(typeof own['metrics-delay'] === 'string' ? { metricsDelayMs: Number(own['metrics-delay']) * 1000 } : {}),
      concurrency: options.concurrency,
      rate: options.rate,
      deadlineMs: options.deadlineMs ?? 300_000,
      seed: options.seed,
      sfnType: options.sfnType,
      calibration,
      pollRate: wholeNumber('poll-rate', own['poll-rate'], DEFAULT_POLL_RATE) || DEFAULT_POLL_RATE,
      onProgress: (done, total) => progress.update(target.name, done, total),
      onPhase: (message) => progress.note(message),
    });
    runs.push({
      ...result.run,
      target: { ...result.run.target!, ...(slice ? { slice: `${slice.index}/${slice.of}` } : {}) },
    });
    counting.push(result.counting);
    if (result.drive.timedOut.length > 0) lagged = true;
  }
  const input: RunInput = {
    workload: {
      orders: workload.length,
      concurrency: options.concurrency,
      rate: options.rate,
      seed: options.seed,
      declineRate: options.declineRate,
      outOfStockRate: options.outOfStockRate,
      transientRate: options.transientRate,
      rejectRate: options.rejectRate,
      variants: targets.map((t) => t.name).join(','),
      target: targets.map((t) => t.url).join(','),
      runId,
      ...(slice ? { slice: `${slice.index}/${slice.of}` } : {}),
      countsFrom: 'CloudWatch GetMetricData over the test window',
    },
    variants: runs,
  };
  const report = buildReport(input);
  const written = writeReport(report);
  const rawFile =
    typeof own.out === 'string' ? own.out : path.join(path.dirname(written.markdown), 'loadtest-run.json');
  mkdirSync(path.dirname(rawFile), { recursive: true });
  writeFileSync(rawFile, `${JSON.stringify({ input, counting }, null, 1)}\n`);
  console.log(`\n${renderTable(report, computeVerdicts(report))}`);
  console.log(renderTargetNotes(report));
  console.log(`report: ${written.markdown}\n        ${written.html}\nraw run (for npm run loadtest:merge): ${rawFile}`);
  if (lagged) process.exitCode = 1;
} catch (error) {
  console.error(`loadtest: ${(error as Error).message}`);
  console.error(
    'usage: npm run loadtest -- --target <ApiUrl> [--variant v] | --target sqs-chain=<url>,step-functions=<url> ' +
      '[--verify] [--orders N] [--concurrency C | --rate R] [--seed S]',
  );
  process.exit(2);
}

function wholeNumber(name: string, raw: unknown, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (typeof raw !== 'string' || !Number.isInteger(n) || n < 0)
    throw new Error(`--${name} must be a whole number >= 0, got "${String(raw)}"`);
  return n;
}

function parseSlice(raw: string): { index: number; of: number } {
  const m = /^(\d+)\/(\d+)$/.exec(raw);
  const index = Number(m?.[1]);
  const of = Number(m?.[2]);
  if (!m || of < 1 || index >= of) throw new Error(`--slice must be i/n with 0 <= i < n, got "${raw}"`);
  return { index, of };
}
