import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { checkInvariants, type InvariantViolation } from '#domain/invariants';
import { isTerminal, type OrderRecord } from '#domain/order';
import { PROJECT_ROOT } from '../local-cloud/cloud.ts';
import { createLatencyModel } from '../measure/latency-model.ts';
import { summarizeLatencies } from '../measure/latency-summary.ts';
import type { OrderRun, TargetDetails, VariantRun } from '../report/types.ts';
import { driveWorkload, type DriveResult } from './driver.ts';
import { createHttpClient } from './http-client.ts';
import { orchestrationLoc, packageService, type CfnTemplate } from './package-service.ts';
import { createRequestSigner, isLoopback, regionOfApiUrl, type RequestSigner, resolveCredentials } from './sigv4.ts';
import { expectedInCodeRetryWaitMs } from '../measure/lambda-duration.ts';
import {
  countFromCloudWatch,
  type CountOptions,
  describeStackResources,
  getRouteFunctions,
  memoryMbOf,
  readLightLoadDurations,
  type AwsAccess,
  type StackCounts,
} from './stack-counts.ts';
import { StackProbe } from './stack-probe.ts';
import { parseVariant, specOf, VARIANTS, type Variant } from './variants.ts';
import type { WorkloadOrder } from './workload.ts';

const run = promisify(execFile);

export interface TargetSpec {
  /** Column name: the variant when known, else the URL's host. */
  name: string;
  url: string;
  variant?: Variant;
}

export interface TargetOptions {
  stack?: string;
  stage: string;
  region?: string;
  sign: 'auto' | 'always' | 'never';
  verify: boolean;
  /** How long after the last order to wait for the metrics to land (CloudWatch's delay). */
  metricsDelayMs?: number;
  endpointsFile?: string;
  concurrency: number;
  rate: number;
  deadlineMs: number;
  /** GET /orders/{id} polls a second at most (without --verify): each is an invocation of the target. */
  pollRate?: number;
  seed: number;
  sfnType: 'standard' | 'express';
  /**
   * Orders of the light-load calibration (one in flight, before the run, on the same target):
   * each function's p50 Duration prices Lambda as `npm start` prices it. None: priced as measured.
   */
  calibration?: WorkloadOrder[];
  onProgress?: (done: number, total: number) => void;
  onPhase?: (message: string) => void;
}

/** GET polls a second, by default, against a target without --verify. */
export const DEFAULT_POLL_RATE = 100;

/** After the calibration's last order ended, time for its last invocations to end too. */
const CALIBRATION_SETTLE_MS = 1_000;

/** `a=url,b=url` or a bare URL (with `--variant`). */
export function parseTargets(raw: string, variant?: string): TargetSpec[] {
  return raw.split(',').map((part) => {
    const eq = part.indexOf('=');
    const named = eq > 0 && !part.slice(0, eq).includes('/');
    const url = (named ? part.slice(eq + 1) : part).trim().replace(/\/+$/, '');
    if (!/^https?:\/\/\S+$/.test(url)) throw new Error(`--target: "${part}" is not an http(s) URL`);
    const name = named ? part.slice(0, eq).trim() : undefined;
    const v = name ?? variant;
    const known = v && (VARIANTS as readonly string[]).includes(v) ? parseVariant(v) : undefined;
    if (name && !known) parseVariant(name); // names a variant or fails with the list
    return { name: name ?? variant ?? new URL(url).host, url, ...(known ? { variant: known } : {}) };
  });
}

interface LocalEndpoints {
  region?: string;
  cloudwatch?: string;
  cloudformation?: string;
  stepfunctions?: string;
  dynamodb?: string;
  sqs?: string;
  service?: string;
  stage?: string;
  stacks?: Array<{ name: string; api?: string }>;
  apis?: Record<string, string>;
}

/**
 * Where the target's AWS APIs are: a loopback target is `sls offline` or `npm run cloud`, whose
 * endpoints (CloudWatch, CloudFormation, ...) are in `.local-cloud/endpoints.json`; anything else
 * is AWS itself, with the caller's credentials from the default provider chain.
 */
export function resolveAccess(
  target: TargetSpec,
  options: Pick<TargetOptions, 'region' | 'endpointsFile' | 'stack' | 'stage'>,
): { access: AwsAccess & { endpoints?: LocalEndpoints }; stackName?: string } {
  if (!isLoopback(target.url)) {
    const region = options.region ?? regionOfApiUrl(target.url) ?? process.env.AWS_REGION ?? 'us-east-1';
    return { access: { region }, ...(options.stack ? { stackName: options.stack } : {}) };
  }
  const file =
    options.endpointsFile ??
    path.join(process.env.LOCAL_CLOUD_DIR || path.join(PROJECT_ROOT, '.local-cloud'), 'endpoints.json');
  if (!existsSync(file))
    throw new Error(
      `${target.url} is local but ${file} does not exist: start it with npm run offline or npm run cloud`,
    );
  const endpoints = JSON.parse(readFileSync(file, 'utf8')) as LocalEndpoints;
  const origin = new URL(target.url).origin;
  const stacks = endpoints.stacks ?? [];
  const stackName =
    options.stack ??
    stacks.find((s) => s.api && new URL(s.api).origin === origin)?.name ??
    (endpoints.service ? `${endpoints.service}-${endpoints.stage}` : undefined) ??
    stacks.find((s) => target.variant && s.name.startsWith(`${target.variant}-`))?.name ??
    (stacks.length === 1 ? stacks[0]?.name : undefined);
  return {
    access: {
      region: endpoints.region ?? 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      endpoints,
    },
    ...(stackName ? { stackName } : {}),
  };
}

/** `sls info --stage <s>` in the variant's service: its stack name, as the framework names it. */
async function stackNameFromSlsInfo(variant: Variant, stage: string, region: string): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [path.join(PROJECT_ROOT, 'node_modules/osls/bin/serverless.js'), 'info', '--stage', stage, '--region', region],
    { cwd: path.join(PROJECT_ROOT, 'services', variant), env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' } },
  );
  const name = /^stack:\s*(\S+)/m.exec(stdout)?.[1];
  if (!name) throw new Error(`sls info printed no stack name for ${variant} (${stage}); pass --stack`);
  return name;
}

export interface TargetRun {
  run: VariantRun;
  drive: DriveResult;
  /** What counting needs again when several generators' results are merged (one window, read once). */
  counting: CountingInputs;
}

export interface CountingInputs {
  url: string;
  stackName: string;
  variant?: Variant;
  startMs: number;
  endMs: number;
  excludeFunctions: string[];
  ownReadUnits: Record<string, number>;
  /** The light-load calibration's window, when one ran (its p50 durations are read again from it). */
  calibration?: { startMs: number; endMs: number };
  /** In-code retry waits of the orders driven (single-lambda), GB-s at the policy's expected wait. */
  inCodeRetryWaitGbSeconds?: number;
}

/**
 * One target through one code path, whatever serves it (a deployed stack, `sls offline`,
 * `npm run cloud`): drive the workload through its API (signed when it is AWS), wait for the
 * metrics, count from CloudWatch, check what can be checked, and shape it as a VariantRun.
 */
export async function runTarget(
  target: TargetSpec,
  workload: WorkloadOrder[],
  options: TargetOptions,
): Promise<TargetRun> {
  const phase = options.onPhase ?? (() => {});
  const { access, stackName: known } = resolveAccess(target, options);
  const found =
    known ?? (target.variant ? await stackNameFromSlsInfo(target.variant, options.stage, access.region) : undefined);
  if (!found) throw new Error(`no stack name for ${target.url}: pass --stack <name>`);
  const stackName: string = found;
  phase(`${target.name}: stack ${stackName}, reading its resources (DescribeStackResources)`);
  const resources = await describeStackResources(access, stackName);
  const variant = target.variant ?? VARIANTS.find((v) => stackName.startsWith(`${v}-`));
  const template: CfnTemplate | undefined = variant
    ? await packageService(
        variant,
        variant === 'step-functions' ? [`--param=type=${options.sfnType.toUpperCase()}`] : [],
        { code: false },
      )
    : undefined;
  // Credentials are resolved once, so the open model's sender thread can sign with them too.
  const signing =
    options.sign === 'always' || (options.sign === 'auto' && !isLoopback(target.url))
      ? { region: access.region, credentials: access.credentials ?? (await resolveCredentials()) }
      : undefined;
  const sign: RequestSigner | undefined = signing ? createRequestSigner(signing) : undefined;
  const probe = options.verify ? new StackProbe(access, resources) : undefined;
  let polls = 0;
  const http = createHttpClient();
  const readOrders = probe
    ? (ids: string[]) => probe.orders(ids)
    : async (ids: string[]): Promise<OrderRecord[]> => {
        const out: OrderRecord[] = [];
        for (let i = 0; i < ids.length; i += 20) {
          const batch = await Promise.all(
            ids.slice(i, i + 20).map(async (id) => {
              polls++;
              const url = `${target.url}/orders/${encodeURIComponent(id)}`;
              const headers = sign ? await sign({ method: 'GET', url, headers: {} }) : {};
              const response = await http.request('GET', url, headers).catch(() => undefined);
              return response?.status === 200 ? parseOrder(response.body) : undefined;
            }),
          );
          out.push(...batch.filter((r): r is OrderRecord => r !== undefined));
        }
        return out;
      };
  try {
    return await driveAndCount();
  } finally {
    http.destroy();
  }

  async function driveAndCount(): Promise<TargetRun> {
    // The light-load calibration: its window ends on a boundary of CloudWatch's resolution (a minute
    // on AWS, a second locally), and the run starts after it, so neither counts the other's work.
    let calibration: { startMs: number; endMs: number } | undefined;
    if (options.calibration && options.calibration.length > 0) {
      phase(
        `${target.name}: calibrating with ${options.calibration.length} orders, one in flight (each function's duration at light load)`,
      );
      const resolutionMs = isLoopback(target.url) ? 1000 : 60_000;
      const calibrated = await driveWorkload({
        apiUrl: target.url,
        orders: options.calibration,
        concurrency: 1,
        deadlineMs: options.deadlineMs,
        readOrders,
        // Polled on the same budget: a GET is an invocation beside the one being calibrated.
        ...(probe ? {} : { maxReadsPerSecond: options.pollRate ?? DEFAULT_POLL_RATE }),
        ...(sign && signing ? { sign, signing } : {}),
      });
      await sleep(CALIBRATION_SETTLE_MS);
      const boundary = Math.ceil(Date.now() / resolutionMs) * resolutionMs;
      await sleep(boundary - Date.now());
      calibration = { startMs: Math.floor(calibrated.startedAtMs / resolutionMs) * resolutionMs, endMs: boundary };
    }
    // What the load test reads itself is left out of the counts: only the run's own reads.
    const pollsBefore = polls;
    const probeReadsBefore = new Map(probe?.readUnits ?? []);
    phase(`${target.name}: driving ${workload.length} orders through ${target.url}${sign ? ' (SigV4-signed)' : ''}`);
    const drive = await driveWorkload({
      apiUrl: target.url,
      orders: workload,
      concurrency: options.concurrency,
      ...(options.rate ? { ratePerSec: options.rate } : {}),
      deadlineMs: options.deadlineMs,
      readOrders,
      // GETs are invocations of the target: budgeted, so polling never becomes the load. With
      // --verify the table is read directly (100 orders a BatchGetItem), which needs no budget.
      ...(probe ? {} : { maxReadsPerSecond: options.pollRate ?? DEFAULT_POLL_RATE }),
      ...(sign && signing ? { sign, signing } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    const delayMs = options.metricsDelayMs ?? (isLoopback(target.url) ? 1500 : 180_000);
    phase(`${target.name}: waiting ${Math.round(delayMs / 1000)} s for the metrics to land, then GetMetricData`);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    const window = { startMs: calibration?.endMs ?? drive.startedAtMs - 1000, endMs: Date.now() };
    // The load test's own reads are not the pipeline's: the GET route's function is left out and,
    // reading tables directly (--verify), the units it consumed are subtracted.
    const getFunctions = new Set(
      getRouteFunctions(template).flatMap((id) => resources.filter((r) => r.logicalId === id).map((r) => r.physicalId)),
    );
    const ordersTable = resources.find((r) => r.logicalId === 'OrdersTable')?.physicalId;
    const runPolls = polls - pollsBefore;
    const ownReads = new Map(
      [...(probe?.readUnits ?? [])].map(([table, units]) => [table, units - (probeReadsBefore.get(table) ?? 0)]),
    );
    if (!probe && ordersTable && runPolls > 0) ownReads.set(ordersTable, runPolls); // one strongly consistent read per GET
    const inCodeRetryWaitGbSeconds = inCodeRetryWaits(
      variant,
      template,
      drive.outcomes.map((o) => o.record?.timeline ?? []),
    );
    const counted = await countStack({
      access,
      resources,
      ...(template ? { template } : {}),
      ...window,
      excludeFunctions: getFunctions,
      ownReadUnits: ownReads,
      ...(calibration ? { calibration } : {}),
      inCodeRetryWaitGbSeconds,
    }).catch((error: Error) => ({
      counts: {},
      unavailable: [
        'lambdaInvocations',
        'lambdaGbSeconds',
        'sqsRequests',
        'eventsPut',
        'stateTransitions',
        'dynamoReadUnits',
        'dynamoWriteUnits',
      ] as const,
      metrics: {},
      notes: [`CloudWatch could not be read (${error.name}: ${error.message}): no counts, no cost.`],
      lambdaGbSecondsMeasured: undefined,
      lambdaDuration: undefined,
    }));
    if (!probe && runPolls > 0) {
      counted.notes = counted.notes.filter((n) => !n.startsWith("DynamoDB read units leave out the load test's own"));
      counted.notes.push(
        `DynamoDB read units leave out ~${runPolls} units for the load test's ${runPolls} GET /orders/{id} polls (one strongly consistent read each, an estimate; --verify reads the table and subtracts exactly).`,
      );
    }
    const accepted = drive.outcomes.filter((o) => o.httpStatus === 202 || o.httpStatus === 200);
    const notTerminal = accepted.filter((o) => !o.record || !isTerminal(o.record.status));
    const invariantsChecked = ['every accepted order reached one terminal state'];
    let violations: InvariantViolation[] = notTerminal.map((o) => ({
      rule: 'not-terminal' as const,
      orderId: o.orderId,
      message: `order ${o.orderId} did not end within the deadline (last status ${o.record?.status ?? 'unknown'})`,
    }));
    if (probe) {
      phase(`${target.name}: --verify: reading the orders, ledger, stock, DLQs and failed executions`);
      violations = checkInvariants(await probe.snapshot(accepted.map((o) => o.orderId)));
      invariantsChecked.splice(
        0,
        1,
        'one terminal state per order, none lost',
        'charged exactly once per confirmed order (ledger)',
        'every charged-then-cancelled order refunded',
        'stock never negative and equal to initial minus confirmed quantities (whole stack)',
        'every failed order in a DLQ or a failed execution',
      );
      probe.destroy();
    }
    const orders: OrderRun[] = drive.outcomes.map((o) => ({
      orderId: o.orderId,
      acceptedAtMs: o.record ? Date.parse(o.record.createdAt) : o.acceptedAtMs,
      ...(o.record?.terminalAt ? { terminalAtMs: Date.parse(o.record.terminalAt) } : {}),
      status: o.record?.status ?? 'ACCEPTED',
      ...(o.record?.reason ? { reason: o.record.reason } : {}),
      timeline: o.record?.timeline ?? [],
    }));
    const lags = drive.outcomes.flatMap((o) => (o.lagMs !== undefined ? [o.lagMs] : []));
    const openModel = options.rate > 0 ? openModelRates(drive, orders, options.rate) : undefined;
    // The run's span on the records' own clock (first accepted to last terminal): polling, on a
    // budget, may notice the last end later than it happened.
    const ended = orders.filter((o) => o.terminalAtMs !== undefined);
    const wallClockMs =
      ended.length > 0
        ? Math.max(...ended.map((o) => o.terminalAtMs!)) - Math.min(...orders.map((o) => o.acceptedAtMs))
        : drive.finishedAtMs - drive.startedAtMs;
    const details: TargetDetails = {
      url: target.url,
      stackName,
      invariantsChecked,
      countNotes: counted.notes,
      metrics: counted.metrics,
      ...(lags.length > 0 ? { clientLagMs: summarizeLatencies(lags.map((l) => Math.max(1, l))).quantiles } : {}),
      ...(openModel ? { openModel } : {}),
      // A variant whose hops have no published delay (durable-functions, single-lambda) is not modelled.
      ...(!isLoopback(target.url) && variant && specOf(variant).hopType
        ? { awsModel: predictLatency(orders, variant, options) }
        : {}),
    };
    return {
      drive,
      counting: {
        url: target.url,
        stackName,
        ...(variant ? { variant } : {}),
        ...window,
        excludeFunctions: [...getFunctions],
        ownReadUnits: Object.fromEntries(ownReads),
        ...(calibration ? { calibration } : {}),
        ...(inCodeRetryWaitGbSeconds > 0 ? { inCodeRetryWaitGbSeconds } : {}),
      },
      run: {
        name: target.name,
        orders,
        counts: counted.counts,
        countsUnavailable: [...counted.unavailable],
        ...(counted.lambdaGbSecondsMeasured !== undefined
          ? { lambdaGbSecondsMeasured: counted.lambdaGbSecondsMeasured }
          : {}),
        ...(counted.lambdaDuration ? { lambdaDuration: counted.lambdaDuration } : {}),
        wallClockMs,
        templateResources: template ? Object.keys(template.Resources).length : resources.length,
        orchestrationLoc: variant ? await orchestrationLoc(variant) : 0,
        invariantViolations: violations,
        target: details,
      },
    };
  }
}

function parseOrder(body: string): OrderRecord | undefined {
  try {
    const order = JSON.parse(body) as OrderRecord;
    return typeof order.orderId === 'string' ? order : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Orders per second in an open-model run: asked for, sent (client clock, from the first send to
 * the last), accepted (POST answered 2xx, from the first send to the last answer) and completed by
 * the target (terminal orders over the records' own span, first accepted to last terminal).
 */
export function openModelRates(
  drive: Pick<DriveResult, 'outcomes'>,
  orders: readonly OrderRun[],
  requestedPerSec: number,
): NonNullable<TargetDetails['openModel']> {
  const rate = (count: number, fromMs: number, toMs: number) =>
    count > 1 && toMs > fromMs ? ((count - 1) * 1000) / (toMs - fromMs) : 0;
  const sent = drive.outcomes.map((o) => o.sentAtMs);
  const accepted = drive.outcomes.filter((o) => o.httpStatus === 202 || o.httpStatus === 200);
  const firstSent = Math.min(...sent);
  const ended = orders.filter((o) => o.terminalAtMs !== undefined && isTerminal(o.status));
  return {
    requestedPerSec,
    sentPerSec: rate(sent.length, firstSent, Math.max(...sent)),
    acceptedPerSec: rate(accepted.length, firstSent, Math.max(...accepted.map((o) => o.acceptedAtMs))),
    completedPerSec: rate(
      ended.length,
      Math.min(...ended.map((o) => o.acceptedAtMs)),
      Math.max(...ended.map((o) => o.terminalAtMs!)),
    ),
  };
}

/**
 * The AWS model's prediction for the orders measured: per order, a draw of the published per-hop
 * delay for each hop its timeline shows (every step after accept-order came by one hop), summed.
 * It models the messaging only; measured minus predicted is what the handlers and the API add.
 */
export function predictLatency(
  orders: readonly OrderRun[],
  variant: Variant,
  options: Pick<TargetOptions, 'seed' | 'sfnType'>,
): NonNullable<TargetDetails['awsModel']> {
  const model = createLatencyModel({ mode: 'aws', seed: options.seed });
  const hop = specOf(variant).hopType?.(options);
  if (!hop) throw new Error(`${variant}: no published hop delay to model`);
  const finished = orders.filter((o) => o.terminalAtMs !== undefined && isTerminal(o.status));
  const predicted = finished.map((o) =>
    o.timeline.filter((e) => e.step !== 'accept-order').reduce((sum) => sum + model.hopDelay(hop), 0),
  );
  return {
    predicted: summarizeLatencies(predicted.map((ms) => Math.max(1, ms))).quantiles,
    measured: summarizeLatencies(finished.map((o) => Math.max(1, (o.terminalAtMs ?? 0) - o.acceptedAtMs))).quantiles,
    source: model.describe(),
  };
}

/**
 * Counts again, once, over the union of several generators' windows (they drove the same stack at
 * the same time: adding their counts would count the stack twice): what `npm run loadtest:merge` does.
 */
export async function recount(
  inputs: readonly CountingInputs[],
  options: Pick<TargetOptions, 'region' | 'endpointsFile' | 'stage' | 'sfnType'>,
) {
  const first = inputs[0];
  if (!first) throw new Error('nothing to count');
  const { access } = resolveAccess({ name: first.stackName, url: first.url }, { ...options, stack: first.stackName });
  const resources = await describeStackResources(access, first.stackName);
  const template = first.variant
    ? await packageService(
        first.variant,
        first.variant === 'step-functions' ? [`--param=type=${options.sfnType.toUpperCase()}`] : [],
        { code: false },
      )
    : undefined;
  const ownReadUnits = new Map<string, number>();
  for (const input of inputs)
    for (const [table, units] of Object.entries(input.ownReadUnits))
      ownReadUnits.set(table, (ownReadUnits.get(table) ?? 0) + units);
  // A generator that calibrated before the others started lends its light-load durations to all.
  const calibration = inputs.find((i) => i.calibration)?.calibration;
  const waits = inputs.reduce((total, i) => total + (i.inCodeRetryWaitGbSeconds ?? 0), 0);
  return countStack({
    access,
    resources,
    ...(template ? { template } : {}),
    startMs: Math.min(...inputs.map((i) => i.startMs)),
    endMs: Math.max(...inputs.map((i) => i.endMs)),
    excludeFunctions: new Set(inputs.flatMap((i) => i.excludeFunctions)),
    ownReadUnits,
    ...(calibration ? { calibration } : {}),
    inCodeRetryWaitGbSeconds: waits,
  });
}

/**
 * {@link countFromCloudWatch} over the run's window, Lambda priced at light-load durations when a
 * calibration ran (its p50s read from CloudWatch over its own window).
 */
async function countStack(
  options: Omit<CountOptions, 'lightLoadMs'> & { calibration?: { startMs: number; endMs: number } },
): Promise<StackCounts> {
  const { calibration, ...rest } = options;
  if (!calibration) return countFromCloudWatch({ ...rest, inCodeRetryWaitGbSeconds: 0 });
  const exclude = options.excludeFunctions ?? new Set<string>();
  const functions = options.resources
    .filter((r) => r.type === 'AWS::Lambda::Function' && !exclude.has(r.physicalId))
    .map((r) => r.physicalId);
  const lightLoadMs = await readLightLoadDurations(options.access, functions, calibration);
  // A function the calibration never ran (a path it does not take) is priced at its p50 over the
  // run, as `npm start` prices it.
  const missing = functions.filter((name) => lightLoadMs[name] === undefined);
  const overRun =
    missing.length > 0
      ? await readLightLoadDurations(options.access, missing, { startMs: options.startMs, endMs: options.endMs })
      : {};
  return countFromCloudWatch({ ...rest, lightLoadMs: { ...overRun, ...lightLoadMs } });
}

/**
 * GB-seconds a variant's in-code retries waited inside billed invocations (single-lambda's backoff
 * sleeps), at the retry policy's expected wait, from the orders' timelines; 0 for the others.
 */
function inCodeRetryWaits(
  variant: Variant | undefined,
  template: CfnTemplate | undefined,
  timelines: ReadonlyArray<ReadonlyArray<{ attempt: number }>>,
): number {
  const key = variant ? specOf(variant).inCodeRetries?.functionKey : undefined;
  if (!key) return 0;
  const logicalId = `${key.charAt(0).toUpperCase()}${key.slice(1)}LambdaFunction`;
  return ((expectedInCodeRetryWaitMs(timelines) / 1000) * memoryMbOf(template, logicalId)) / 1024;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
