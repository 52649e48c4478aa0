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
import { orchestrationLoc, packageService, type CfnTemplate } from './package-service.ts';
import { createRequestSigner, isLoopback, regionOfApiUrl, type RequestSigner } from './sigv4.ts';
import { countFromCloudWatch, describeStackResources, getRouteFunctions, type AwsAccess } from './stack-counts.ts';
import { StackProbe } from './stack-probe.ts';
import { parseVariant, VARIANTS, type Variant } from './variants.ts';
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
  seed: number;
  sfnType: 'standard' | 'express';
  onProgress?: (done: number, total: number) => void;
  onPhase?: (message: string) => void;
}

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
  const stackName =
    known ?? (target.variant ? await stackNameFromSlsInfo(target.variant, options.stage, access.region) : undefined);
  if (!stackName) throw new Error(`no stack name for ${target.url}: pass --stack <name>`);
  phase(`${target.name}: stack ${stackName}, reading its resources (DescribeStackResources)`);
  const resources = await describeStackResources(access, stackName);
  const variant = target.variant ?? VARIANTS.find((v) => stackName.startsWith(`${v}-`));
  const template: CfnTemplate | undefined = variant
    ? await packageService(
        variant,
        variant === 'step-functions' ? [`--param=type=${options.sfnType.toUpperCase()}`] : [],
      )
    : undefined;
  const signing = options.sign === 'always' || (options.sign === 'auto' && !isLoopback(target.url));
  const sign: RequestSigner | undefined = signing
    ? createRequestSigner({ region: access.region, ...(access.credentials ? { credentials: access.credentials } : {}) })
    : undefined;
  const probe = options.verify ? new StackProbe(access, resources) : undefined;
  let polls = 0;
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
              const response = await fetch(url, { headers }).catch(() => undefined);
              return response?.ok ? ((await response.json()) as OrderRecord) : undefined;
            }),
          );
          out.push(...batch.filter((r): r is OrderRecord => r !== undefined));
        }
        return out;
      };
  phase(`${target.name}: driving ${workload.length} orders through ${target.url}${sign ? ' (SigV4-signed)' : ''}`);
  const drive = await driveWorkload({
    apiUrl: target.url,
    orders: workload,
    concurrency: options.concurrency,
    ...(options.rate ? { ratePerSec: options.rate } : {}),
    deadlineMs: options.deadlineMs,
    readOrders,
    ...(sign ? { sign } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const delayMs = options.metricsDelayMs ?? (isLoopback(target.url) ? 1500 : 180_000);
  phase(`${target.name}: waiting ${Math.round(delayMs / 1000)} s for the metrics to land, then GetMetricData`);
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  const window = { startMs: drive.startedAtMs - 1000, endMs: Date.now() };
  // The load test's own reads are not the pipeline's: the GET route's function is left out and,
  // reading tables directly (--verify), the units it consumed are subtracted.
  const getFunctions = new Set(
    getRouteFunctions(template).flatMap((id) => resources.filter((r) => r.logicalId === id).map((r) => r.physicalId)),
  );
  const ordersTable = resources.find((r) => r.logicalId === 'OrdersTable')?.physicalId;
  const ownReads = new Map(probe?.readUnits ?? []);
  if (!probe && ordersTable && polls > 0) ownReads.set(ordersTable, polls); // one strongly consistent read per GET
  const counted = await countFromCloudWatch({
    access,
    resources,
    ...(template ? { template } : {}),
    ...window,
    excludeFunctions: getFunctions,
    ownReadUnits: ownReads,
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
  }));
  if (!probe && polls > 0) {
    counted.notes = counted.notes.filter((n) => !n.startsWith("DynamoDB read units leave out the load test's own"));
    counted.notes.push(
      `DynamoDB read units leave out ~${polls} units for the load test's ${polls} GET /orders/{id} polls (one strongly consistent read each, an estimate; --verify reads the table and subtracts exactly).`,
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
  const details: TargetDetails = {
    url: target.url,
    stackName,
    invariantsChecked,
    countNotes: counted.notes,
    metrics: counted.metrics,
    ...(lags.length > 0 ? { clientLagMs: summarizeLatencies(lags.map((l) => Math.max(1, l))).quantiles } : {}),
    ...(!isLoopback(target.url) && variant ? { awsModel: predictLatency(orders, variant, options) } : {}),
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
    },
    run: {
      name: target.name,
      orders,
      counts: counted.counts,
      countsUnavailable: [...counted.unavailable],
      wallClockMs: drive.finishedAtMs - drive.startedAtMs,
      templateResources: template ? Object.keys(template.Resources).length : resources.length,
      orchestrationLoc: variant ? await orchestrationLoc(variant) : 0,
      invariantViolations: violations,
      target: details,
    },
  };
}

const HOP: Record<
  Variant,
  (o: Pick<TargetOptions, 'sfnType'>) => 'sqs' | 'eventbridge' | 'sfn-standard' | 'sfn-express'
> = {
  'sqs-chain': () => 'sqs',
  'eventbridge-flags': () => 'eventbridge',
  'step-functions': (o) => (o.sfnType === 'express' ? 'sfn-express' : 'sfn-standard'),
};

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
  const hop = HOP[variant](options);
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
      )
    : undefined;
  const ownReadUnits = new Map<string, number>();
  for (const input of inputs)
    for (const [table, units] of Object.entries(input.ownReadUnits))
      ownReadUnits.set(table, (ownReadUnits.get(table) ?? 0) + units);
  return countFromCloudWatch({
    access,
    resources,
    ...(template ? { template } : {}),
    startMs: Math.min(...inputs.map((i) => i.startMs)),
    endMs: Math.max(...inputs.map((i) => i.endMs)),
    excludeFunctions: new Set(inputs.flatMap((i) => i.excludeFunctions)),
    ownReadUnits,
  });
}
