/**
 * What a stack cost during a load test, counted by AWS itself: its resources from CloudFormation
 * (`DescribeStackResources`), their metrics from CloudWatch (`GetMetricData`) over the test's
 * window, and Step Functions state transitions, which no metric gives, from `GetExecutionHistory`
 * on a sample of executions. The same code reads a deployed stack and the local cloud (which
 * serves the same APIs): only the endpoints differ.
 */
import { CloudFormationClient, DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { GetExecutionHistoryCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { CounterName } from '../local-cloud/types.ts';
import {
  INIT_BILLING_SOURCE,
  LIGHT_LOAD_STATISTIC,
  lightLoadGbSeconds,
  measuredGbSecondsFromSum,
} from '../measure/lambda-duration.ts';
import type { LambdaDurationPricing } from '../report/types.ts';
import type { CfnTemplate } from './package-service.ts';

export interface StackResource {
  logicalId: string;
  physicalId: string;
  type: string;
}

export interface AwsAccess {
  region: string;
  credentials?: AwsCredentialIdentity;
  /** Endpoints of a local cloud (`.local-cloud/endpoints.json`); none for AWS itself. */
  endpoints?: { cloudwatch?: string; cloudformation?: string; stepfunctions?: string };
}

export async function describeStackResources(access: AwsAccess, stackName: string): Promise<StackResource[]> {
  const cfn = new CloudFormationClient(clientConfig(access, access.endpoints?.cloudformation));
  try {
    const { StackResources } = await cfn.send(new DescribeStackResourcesCommand({ StackName: stackName }));
    return (StackResources ?? []).map((r) => ({
      logicalId: r.LogicalResourceId ?? '',
      physicalId: r.PhysicalResourceId ?? '',
      type: r.ResourceType ?? '',
    }));
  } finally {
    cfn.destroy();
  }
}

export interface CountOptions {
  access: AwsAccess;
  resources: StackResource[];
  /** The service's packaged template: memory sizes, state machine types, the API's routes. */
  template?: CfnTemplate;
  startMs: number;
  endMs: number;
  /** Functions not part of the pipeline (the GET route the load test polls), by physical id. */
  excludeFunctions?: ReadonlySet<string>;
  /** Read units the load test itself consumed, per table name, subtracted from the table's. */
  ownReadUnits?: ReadonlyMap<string, number>;
  /** Executions whose history is read to count transitions (default 100). */
  historySample?: number;
  /**
   * Each function's light-load duration (p50 ms, by physical id, {@link readLightLoadDurations}):
   * Lambda GB-seconds are then priced from it, as `npm start` prices them; absent: as measured.
   */
  lightLoadMs?: Record<string, number>;
  /** What in-code retries waited inside billed invocations (single-lambda), GB-s, added to the light-load price. */
  inCodeRetryWaitGbSeconds?: number;
}

export interface StackCounts {
  counts: Partial<Record<CounterName, number>>;
  unavailable: CounterName[];
  /** GB-seconds at the run's own durations (CloudWatch's Duration sum, each invocation rounded up). */
  lambdaGbSecondsMeasured: number;
  /** How `counts.lambdaGbSeconds` was priced. */
  lambdaDuration: LambdaDurationPricing;
  /** Every CloudWatch figure read, `<Namespace> <Metric> <resource>` -> value, for the report. */
  metrics: Record<string, number>;
  /** How each counter was derived, in words (the report's footnotes). */
  notes: string[];
}

/** Tables of the simulated outside world (shared/adapters/simulated-outside-world.ts), by logical id. */
const OUTSIDE_WORLD_TABLES: ReadonlySet<string> = new Set(['LedgerTable']);

/** Express executions are billed in 64 MB steps; the pipeline's state is far below the first. */
const EXPRESS_BILLED_GB = 64 / 1024;

export async function countFromCloudWatch(options: CountOptions): Promise<StackCounts> {
  const { access, resources, template } = options;
  const exclude = options.excludeFunctions ?? new Set<string>();
  const byType = (type: string) => resources.filter((r) => r.type === type);
  const functions = byType('AWS::Lambda::Function').filter((r) => !exclude.has(r.physicalId));
  const queues = byType('AWS::SQS::Queue').map((r) => ({ ...r, name: r.physicalId.split('/').pop() ?? '' }));
  const buses = byType('AWS::Events::EventBus');
  const rules = byType('AWS::Events::Rule').map((r) => {
    const [bus, rule] = r.physicalId.includes('|') ? r.physicalId.split('|') : [undefined, r.physicalId];
    return { ...r, dimensions: { ...(bus ? { EventBusName: bus } : {}), RuleName: rule ?? '' } };
  });
  const machines = byType('AWS::StepFunctions::StateMachine');
  // The ledger is the simulated payment provider's and mailer's books: a real provider is not in
  // your stack, and `npm start` does not bill it either.
  const outsideWorld = resources.filter((r) => OUTSIDE_WORLD_TABLES.has(r.logicalId));
  const tables = byType('AWS::DynamoDB::Table').filter((r) => !OUTSIDE_WORLD_TABLES.has(r.logicalId));

  type Wanted = { key: string; namespace: string; metric: string; dimensions: Record<string, string>; stat: string };
  const wanted: Wanted[] = [];
  const want = (
    namespace: string,
    metric: string,
    resource: string,
    dimensions: Record<string, string>,
    stat = 'Sum',
  ) => wanted.push({ key: `${namespace} ${metric} ${resource}`, namespace, metric, dimensions, stat });
  for (const f of functions) {
    const d = { FunctionName: f.physicalId };
    for (const m of ['Invocations', 'Duration', 'Errors', 'Throttles']) want('AWS/Lambda', m, f.physicalId, d);
    want('AWS/Lambda', 'ConcurrentExecutions', f.physicalId, d, 'Maximum');
    if (durableConfigOf(template, f.logicalId))
      for (const m of ['DurableExecutionStarted', 'DurableExecutionOperations', 'DurableExecutionStorageWrittenBytes'])
        want('AWS/Lambda', m, f.physicalId, d);
  }
  for (const q of queues) {
    const d = { QueueName: q.name };
    for (const m of [
      'NumberOfMessagesSent',
      'NumberOfMessagesReceived',
      'NumberOfMessagesDeleted',
      'NumberOfEmptyReceives',
    ])
      want('AWS/SQS', m, q.name, d);
    want('AWS/SQS', 'ApproximateAgeOfOldestMessage', q.name, d, 'Maximum');
  }
  for (const b of buses) want('AWS/Events', 'MatchedEvents', b.physicalId, { EventBusName: b.physicalId });
  for (const r of rules)
    for (const m of ['MatchedEvents', 'Invocations', 'FailedInvocations'])
      want('AWS/Events', m, r.physicalId, r.dimensions);
  for (const s of machines) {
    const d = { StateMachineArn: s.physicalId };
    for (const m of ['ExecutionsStarted', 'ExecutionsSucceeded', 'ExecutionsFailed', 'ExecutionTime'])
      want('AWS/States', m, s.physicalId, d);
  }
  for (const t of tables) {
    const d = { TableName: t.physicalId };
    for (const m of ['ConsumedReadCapacityUnits', 'ConsumedWriteCapacityUnits', 'ThrottledRequests'])
      want('AWS/DynamoDB', m, t.physicalId, d);
  }

  const notes: string[] = [];
  if (outsideWorld.length > 0)
    notes.push(
      `DynamoDB counts leave out ${outsideWorld.map((r) => r.physicalId).join(', ')}: the simulated payment provider's books (not the pipeline's to pay, as in npm start).`,
    );
  const metrics: Record<string, number> = {};
  const cw = new CloudWatchClient(clientConfig(access, access.endpoints?.cloudwatch));
  try {
    for (let i = 0; i < wanted.length; i += 500) {
      const batch = wanted.slice(i, i + 500);
      const queries: MetricDataQuery[] = batch.map((w, n) => ({
        Id: `m${i + n}`,
        MetricStat: {
          Metric: {
            Namespace: w.namespace,
            MetricName: w.metric,
            Dimensions: Object.entries(w.dimensions).map(([Name, Value]) => ({ Name, Value })),
          },
          Period: 60,
          Stat: w.stat,
        },
      }));
      let nextToken: string | undefined;
      do {
        const page = await cw.send(
          new GetMetricDataCommand({
            MetricDataQueries: queries,
            StartTime: new Date(options.startMs),
            EndTime: new Date(options.endMs),
            NextToken: nextToken,
          }),
        );
        for (const result of page.MetricDataResults ?? []) {
          const w = batch[Number((result.Id ?? 'm0').slice(1)) - i];
          if (!w) continue;
          const values = result.Values ?? [];
          const value = w.stat === 'Maximum' ? Math.max(0, ...values) : values.reduce((a, b) => a + b, 0);
          metrics[w.key] = w.stat === 'Maximum' ? Math.max(metrics[w.key] ?? 0, value) : (metrics[w.key] ?? 0) + value;
        }
        nextToken = page.NextToken;
      } while (nextToken);
    }
  } finally {
    cw.destroy();
  }
  const sum = (namespace: string, metric: string, names: string[]) =>
    names.reduce((total, name) => total + (metrics[`${namespace} ${metric} ${name}`] ?? 0), 0);

  const counts: Partial<Record<CounterName, number>> = {};
  const unavailable: CounterName[] = [];
  // Lambda: invocations, and GB-seconds: at the run's own durations from Duration (billed per ms,
  // rounded up: +0.5 ms each on average), and, given a calibration, at each function's light-load p50.
  counts.lambdaInvocations = sum(
    'AWS/Lambda',
    'Invocations',
    functions.map((f) => f.physicalId),
  );
  const invocationsOf = (f: StackResource) => metrics[`AWS/Lambda Invocations ${f.physicalId}`] ?? 0;
  const measuredOf = (f: StackResource) =>
    measuredGbSecondsFromSum(
      metrics[`AWS/Lambda Duration ${f.physicalId}`] ?? 0,
      invocationsOf(f),
      memoryMbOf(template, f.logicalId),
    );
  const lambdaGbSecondsMeasured = functions.reduce((total, f) => total + measuredOf(f), 0);
  const lambdaDuration: LambdaDurationPricing = { basis: options.lightLoadMs ? 'light-load' : 'measured' };
  if (options.lightLoadMs) {
    const lightLoad = options.lightLoadMs;
    const priced = lightLoadGbSeconds(
      functions.map((f) => [
        f.physicalId,
        {
          invocations: invocationsOf(f),
          memoryMb: memoryMbOf(template, f.logicalId),
          lightLoadMs: lightLoad[f.physicalId],
        },
      ]),
    );
    // A function the calibration never ran (a path it does not take) is priced at its own durations.
    const uncalibrated = functions.filter((f) => priced.notCalibrated.includes(f.physicalId));
    const waits = options.inCodeRetryWaitGbSeconds ?? 0;
    counts.lambdaGbSeconds = priced.gbSeconds + uncalibrated.reduce((t, f) => t + measuredOf(f), 0) + waits;
    lambdaDuration.lightLoadMs = Object.fromEntries(
      functions.flatMap((f) =>
        lightLoad[f.physicalId] === undefined ? [] : [[f.physicalId, lightLoad[f.physicalId]!]],
      ),
    );
    if (waits > 0) lambdaDuration.inCodeRetryWaitGbSeconds = waits;
    if (priced.notCalibrated.length > 0) lambdaDuration.notCalibrated = priced.notCalibrated;
    notes.push(
      `Lambda duration priced at each function's p50 Duration over the light-load calibration (one order in flight; a function it never ran, at its p50 over the run), each invocation rounded up to 1 ms${priced.notCalibrated.length > 0 ? `; not in the calibration, so priced as measured: ${priced.notCalibrated.join(', ')}` : ''}${waits > 0 ? `; plus in-code retry waits at the retry policy's expected wait (${formatUnits(waits)} GB-s)` : ''}. At the run's own durations it is ${formatUnits(lambdaGbSecondsMeasured)} GB-s.`,
    );
  } else counts.lambdaGbSeconds = lambdaGbSecondsMeasured;
  notes.push(
    `Init of cold starts is not priced: AWS bills it since 2025-08-01, but it is not in the Duration metric (only in each invocation's REPORT log line) (${INIT_BILLING_SOURCE}).`,
  );
  if (exclude.size > 0)
    notes.push(`Lambda counts leave out ${[...exclude].join(', ')}: the load test's own GET /orders/{id} polls.`);
  // SQS bills requests; CloudWatch counts messages: one request per message sent, received and
  // deleted, plus empty receives (exact for batches of one; batching makes it an upper bound).
  const queueNames = queues.map((q) => q.name);
  counts.sqsRequests =
    queues.length === 0
      ? 0
      : ['NumberOfMessagesSent', 'NumberOfMessagesReceived', 'NumberOfMessagesDeleted', 'NumberOfEmptyReceives']
          .map((m) => sum('AWS/SQS', m, queueNames))
          .reduce((a, b) => a + b, 0);
  if (queues.length > 0)
    notes.push(
      'SQS requests = messages sent + received + deleted + empty receives (CloudWatch counts messages, SQS bills requests: exact for batches of one, an upper bound with larger batches; ChangeMessageVisibility calls are not visible).',
    );
  // EventBridge: events put on the stack's buses that matched a rule, and deliveries per rule.
  counts.eventsPut = sum(
    'AWS/Events',
    'MatchedEvents',
    buses.map((b) => b.physicalId),
  );
  counts.eventDeliveries = sum(
    'AWS/Events',
    'Invocations',
    rules.map((r) => r.physicalId),
  );
  if (buses.length > 0)
    notes.push("EventBridge events put = MatchedEvents on the stack's buses (events no rule matches are not seen).");
  // Step Functions: Standard transitions from the execution history of a sample; Express by executions and time.
  counts.stateTransitions = 0;
  counts.sfnExpressRequests = 0;
  counts.sfnExpressGbSeconds = 0;
  for (const machine of machines) {
    const started = metrics[`AWS/States ExecutionsStarted ${machine.physicalId}`] ?? 0;
    if (stateMachineType(template, machine.logicalId) === 'EXPRESS') {
      counts.sfnExpressRequests += started;
      counts.sfnExpressGbSeconds +=
        ((metrics[`AWS/States ExecutionTime ${machine.physicalId}`] ?? 0) / 1000) * EXPRESS_BILLED_GB;
      notes.push(
        `${machine.logicalId}: Express GB-seconds from ExecutionTime at 64 MB (not rounded up to 100 ms per execution).`,
      );
      continue;
    }
    if (started === 0) continue;
    const sample = await sampleTransitions(access, machine.physicalId, options);
    if (sample.executions === 0) {
      unavailable.push('stateTransitions');
      notes.push(`${machine.logicalId}: no execution history readable, so no transition count.`);
      continue;
    }
    counts.stateTransitions += (sample.transitions / sample.executions) * started;
    notes.push(
      `${machine.logicalId}: no CloudWatch metric counts state transitions; ${sample.transitions} transitions in the history of ${sample.executions} of ${started} executions (GetExecutionHistory), scaled to all.`,
    );
  }
  // Lambda durable functions: operations and state written, as each execution reports them.
  const durable = functions.filter((f) => durableConfigOf(template, f.logicalId));
  if (durable.length > 0) {
    counts.durableOperations = sum(
      'AWS/Lambda',
      'DurableExecutionOperations',
      durable.map((f) => f.physicalId),
    );
    counts.durableBytesWritten = sum(
      'AWS/Lambda',
      'DurableExecutionStorageWrittenBytes',
      durable.map((f) => f.physicalId),
    );
    counts.durableByteDaysRetained = durable.reduce(
      (total, f) =>
        total +
        (metrics[`AWS/Lambda DurableExecutionStorageWrittenBytes ${f.physicalId}`] ?? 0) *
          (durableConfigOf(template, f.logicalId)?.RetentionPeriodInDays ?? 14),
      0,
    );
    notes.push(
      "Durable operations and state written = DurableExecutionOperations and DurableExecutionStorageWrittenBytes (each execution reports its total when it ends); state retained = bytes written x the function's RetentionPeriodInDays.",
    );
  }
  // DynamoDB: consumed capacity per table, minus what the load test read itself.
  counts.dynamoReadUnits = tables.reduce(
    (total, t) =>
      total +
      Math.max(
        0,
        (metrics[`AWS/DynamoDB ConsumedReadCapacityUnits ${t.physicalId}`] ?? 0) -
          (options.ownReadUnits?.get(t.physicalId) ?? 0),
      ),
    0,
  );
  counts.dynamoWriteUnits = sum(
    'AWS/DynamoDB',
    'ConsumedWriteCapacityUnits',
    tables.map((t) => t.physicalId),
  );
  if ((options.ownReadUnits?.size ?? 0) > 0)
    notes.push(
      `DynamoDB read units leave out the load test's own reads (${[...(options.ownReadUnits ?? new Map()).entries()].map(([t, u]) => `${formatUnits(u)} on ${t}`).join(', ')}).`,
    );
  const fanOut = fanOutFunctions(template).flatMap((id) => functions.filter((f) => f.logicalId === id));
  if (fanOut.length > 0)
    notes.push(
      `${fanOut.map((f) => `${f.physicalId} (${formatUnits(invocationsOf(f))} invocations)`).join(', ')} only consume(s) an event announcing an order's end (fan-out): included here, as the stack pays for it (npm start reports it apart); its DynamoDB units are in the tables' metrics, which CloudWatch does not split by caller.`,
    );
  return { counts, unavailable, metrics, notes, lambdaGbSecondsMeasured, lambdaDuration };
}

/**
 * Each function's light-load duration: the {@link LIGHT_LOAD_STATISTIC} of its `Duration` over the
 * calibration's window, one period covering it all (by physical id; functions that did not run
 * are absent).
 */
export async function readLightLoadDurations(
  access: AwsAccess,
  functionNames: readonly string[],
  window: { startMs: number; endMs: number },
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const cw = new CloudWatchClient(clientConfig(access, access.endpoints?.cloudwatch));
  // CloudWatch lays periods out from the start time rounded down to the minute: one period, a
  // minute longer than the window, holds all of it.
  const period = 60 * Math.ceil((window.endMs - window.startMs) / 60_000 + 1);
  try {
    for (let i = 0; i < functionNames.length; i += 500) {
      const batch = functionNames.slice(i, i + 500);
      let nextToken: string | undefined;
      do {
        const page = await cw.send(
          new GetMetricDataCommand({
            StartTime: new Date(window.startMs),
            EndTime: new Date(window.endMs),
            NextToken: nextToken,
            MetricDataQueries: batch.map((name, n) => ({
              Id: `d${i + n}`,
              MetricStat: {
                Metric: {
                  Namespace: 'AWS/Lambda',
                  MetricName: 'Duration',
                  Dimensions: [{ Name: 'FunctionName', Value: name }],
                },
                Period: period,
                Stat: LIGHT_LOAD_STATISTIC,
              },
            })),
          }),
        );
        for (const result of page.MetricDataResults ?? []) {
          const name = functionNames[Number((result.Id ?? 'd0').slice(1))];
          const value = result.Values?.[0];
          if (name !== undefined && value !== undefined && Number.isFinite(value)) out[name] = value;
        }
        nextToken = page.NextToken;
      } while (nextToken);
    }
  } finally {
    cw.destroy();
  }
  return out;
}

/** Transitions billed in the history of up to `historySample` executions started in the window. */
async function sampleTransitions(
  access: AwsAccess,
  stateMachineArn: string,
  options: CountOptions,
): Promise<{ executions: number; transitions: number }> {
  const sfn = new SFNClient(clientConfig(access, access.endpoints?.stepfunctions));
  const limit = options.historySample ?? 100;
  try {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn, nextToken, maxResults: 1000 }));
      for (const e of page.executions ?? []) {
        const at = e.startDate?.getTime() ?? 0;
        if (at >= options.startMs && at <= options.endMs && e.status !== 'RUNNING') arns.push(e.executionArn ?? '');
      }
      nextToken = page.nextToken;
    } while (nextToken);
    // An even spread over the run, not its first executions only.
    const step = Math.max(1, arns.length / limit);
    const sample = Array.from({ length: Math.min(limit, arns.length) }, (_, i) => arns[Math.floor(i * step)]!);
    let transitions = 0;
    for (const executionArn of sample) transitions += await transitionsOf(sfn, executionArn);
    return { executions: sample.length, transitions };
  } finally {
    sfn.destroy();
  }
}

/**
 * Standard workflows bill a transition for each state entered and for each retry; the history
 * shows a retry as another TaskScheduled / LambdaFunctionScheduled within the same state.
 */
export function countTransitions(events: ReadonlyArray<{ type?: string }>): number {
  let transitions = 0;
  let scheduledInState = 0;
  for (const { type = '' } of events) {
    if (type.endsWith('StateEntered')) {
      transitions++;
      scheduledInState = 0;
    } else if (type === 'LambdaFunctionScheduled' || type === 'TaskScheduled') {
      if (++scheduledInState > 1) transitions++;
    }
  }
  return transitions;
}

async function transitionsOf(sfn: SFNClient, executionArn: string): Promise<number> {
  const events: Array<{ type?: string }> = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000 }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return countTransitions(events);
}

/** A function's memory in the packaged template (1,024 MB, Lambda's default for serverless, if unset). */
export function memoryMbOf(template: CfnTemplate | undefined, logicalId: string): number {
  return Number(template?.Resources[logicalId]?.Properties?.MemorySize ?? 1024);
}

function durableConfigOf(
  template: CfnTemplate | undefined,
  logicalId: string,
): { RetentionPeriodInDays?: number } | undefined {
  return template?.Resources[logicalId]?.Properties?.DurableConfig as { RetentionPeriodInDays?: number } | undefined;
}

/** Events that announce an order's terminal state: a function consuming only these runs after the order ended. */
const TERMINAL_EVENTS: ReadonlySet<string> = new Set([
  'OrderConfirmed',
  'OrderCancelled',
  'OrderRejected',
  'OrderFailed',
]);

/**
 * Functions of a packaged template that consume only events announcing an order's end (an
 * EventBridge rule on `OrderConfirmed`, ...): fan-out consumers, by logical id.
 */
export function fanOutFunctions(template: CfnTemplate | undefined): string[] {
  if (!template) return [];
  const consumes = new Map<string, boolean>();
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::Events::Rule') continue;
    const pattern = (resource.Properties?.EventPattern ?? {}) as { 'detail-type'?: unknown };
    const types = Array.isArray(pattern['detail-type']) ? (pattern['detail-type'] as unknown[]) : [];
    const terminalOnly = types.length > 0 && types.every((t) => typeof t === 'string' && TERMINAL_EVENTS.has(t));
    for (const target of (resource.Properties?.Targets ?? []) as Array<{ Arn?: unknown }>) {
      const fn = /"Fn::GetAtt":\["([^"]+)"/.exec(JSON.stringify(target.Arn ?? ''))?.[1];
      if (fn) consumes.set(fn, (consumes.get(fn) ?? true) && terminalOnly);
    }
  }
  return [...consumes].filter(([, only]) => only).map(([fn]) => fn);
}

function stateMachineType(template: CfnTemplate | undefined, logicalId: string): 'STANDARD' | 'EXPRESS' {
  return template?.Resources[logicalId]?.Properties?.StateMachineType === 'EXPRESS' ? 'EXPRESS' : 'STANDARD';
}

/**
 * The functions behind the API's GET routes in a packaged template (serverless names the
 * route's integration after the function): what a load test polling GET /orders/{id} invokes.
 */
export function getRouteFunctions(template: CfnTemplate | undefined): string[] {
  if (!template) return [];
  const out = new Set<string>();
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::ApiGatewayV2::Route') continue;
    if (!String(resource.Properties?.RouteKey ?? '').startsWith('GET ')) continue;
    const integrationId = /"Ref":"([^"]+)"/.exec(JSON.stringify(resource.Properties?.Target ?? ''))?.[1];
    const integration = integrationId ? template.Resources[integrationId] : undefined;
    const fn = /"Fn::GetAtt":\["([^"]+)"/.exec(JSON.stringify(integration?.Properties?.IntegrationUri ?? ''))?.[1];
    if (fn) out.add(fn);
  }
  return [...out];
}

function clientConfig(access: AwsAccess, endpoint: string | undefined) {
  return {
    region: access.region,
    ...(endpoint ? { endpoint } : {}),
    ...(access.credentials ? { credentials: access.credentials } : {}),
    maxAttempts: 5,
  };
}

function formatUnits(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: 1 });
}
