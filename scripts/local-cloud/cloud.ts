import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Worker } from 'node:worker_threads';
import type { AwsConfig } from '#adapters/config';
import { deployService, type CloudHandles, type DeployedStack, type DeployOptions } from './deploy.ts';
import { loadFauxqs } from './fauxqs-bundle.ts';
import { LambdaRuntime } from './lambda-runtime.ts';
import { startLambdaApi, type LambdaApi } from './lambda/server.ts';
import { SqsWireClient } from './sqs-wire.ts';
import { MetricStore, type MetricDatum } from './cloudwatch/metric-store.ts';
import { startCloudWatch } from './cloudwatch/server.ts';
import { startCloudFormationView, type StackView } from './cloudformation/server.ts';
import { describeStack } from './cloudformation/stack-view.ts';
import type { SchedulerServer } from './scheduler/server.ts';
import { LOCAL_ACCOUNT, LOCAL_REGION, noInstruments, type CloudInstruments } from './types.ts';

export const PROJECT_ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

/** Usual local ports, each overridable by env; 0 picks a free port (tests). */
export const DEFAULT_PORTS = {
  dynamodb: 8000,
  sqs: 9324,
  eventbridge: 4010,
  stepfunctions: 8083,
  cloudwatch: 4582,
  cloudformation: 4581,
  lambda: 9001,
  scheduler: 4012,
} as const;
export type CloudService = keyof typeof DEFAULT_PORTS;
/** Emulators started only when asked for (or by default, when `optional` is not given). */
export type OptionalService = 'eventbridge' | 'stepfunctions' | 'scheduler';
const ALL_OPTIONAL: OptionalService[] = ['eventbridge', 'stepfunctions', 'scheduler'];

export interface LocalCloudOptions {
  ports?: Partial<Record<CloudService, number>>;
  host?: string;
  instruments?: CloudInstruments;
  /** Where bundles, resolved configs and endpoints.json go. */
  workDir?: string;
  /** Local EventBridge: deliver every event twice, some out of order (proves the flags). */
  eventBridgeDuplicates?: { enabled: boolean; reorder?: boolean; seed?: number };
  /** Scale of Step Functions Retry intervals and Wait states (1 = as written). */
  sfnTimeScale?: number;
  /** Which optional emulators to start (DynamoDB, SQS and Lambda always run). Default: all. */
  optional?: Array<OptionalService>;
  /**
   * Keep what AWS keeps whatever happens to a process: DynamoDB's tables and items in
   * `<workDir>/dynamodb` (dynalite on LevelDB) and the EventBridge Scheduler's schedules in
   * `<workDir>/scheduler/schedules.json`, so a restarted local cloud finds its orders and still
   * fires their timeouts. Queues' messages, EventBridge retries and Step Functions and durable
   * executions stay in memory. Default: everything in memory, lost on stop.
   */
  persistState?: boolean;
  /** Delays between Lambda async retries (EventBridge targets). */
  asyncRetryDelaysMs?: number[];
  /** Lambda invocations running at once in the whole cloud (default: sized from the cores). */
  lambdaConcurrency?: number;
  /** Delays before a failed durable-function invocation is run again (default 1, 2, 4 s). */
  durableRetryDelaysMs?: number[];
}

export interface LocalCloud extends CloudHandles {
  /** The Lambda API (Invoke, ListFunctions, durable executions) on its own port. */
  lambdaApi: LambdaApi;
  endpoints: Record<CloudService, string>;
  workDir: string;
  deploy(serviceDir: string, options?: DeployOptions): Promise<DeployedStack>;
  /** What CloudWatch serves: the metrics every emulator and handler reported. */
  metrics: MetricStore;
  /** The local EventBridge Scheduler, when it runs. */
  scheduler?: SchedulerServer;
  /** The deployed stacks as the CloudFormation view describes them. */
  stacks(): StackView[];
  /** Resolves when nothing moves: no invocation, delivery, execution or queued message. */
  idle(): Promise<void>;
  /**
   * What is still moving, one line per place (empty when the cloud is quiescent): Lambda
   * invocations running, waiting or due for an async retry; messages visible, in flight or delayed
   * in a queue a function consumes; EventBridge deliveries; running executions; one-time schedules
   * still to fire and their invocations (a timeout still due is work to wait for; recurring
   * schedules never end, so they are not). Messages parked in a queue nobody consumes (a DLQ) are
   * not activity.
   */
  activity(): string[];
  stop(): Promise<void>;
}

function portFromEnv(service: CloudService): number | undefined {
  const raw = process.env[`LOCAL_${service.toUpperCase()}_PORT`];
  return raw === undefined || raw === '' ? undefined : Number(raw);
}

/**
 * Boots the embedded local cloud on loopback: DynamoDB (dynalite), SQS (fauxqs), EventBridge, Step
 * Functions and EventBridge Scheduler (ours), and the Lambda runtime that runs the services' handlers, with its API. Everything
 * speaks the real AWS protocols: the SDK v3 and the AWS CLI work against each endpoint.
 */
export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const host = options.host ?? '127.0.0.1';
  // A service without a port of its own takes a free one when the others were asked for free
  // ones (tests, `npm start`), so two clouds never collide on a usual port.
  const ephemeral =
    Object.values(options.ports ?? {}).includes(0) ||
    (Object.keys(DEFAULT_PORTS) as CloudService[]).some((s) => portFromEnv(s) === 0);
  const port = (service: CloudService) =>
    options.ports?.[service] ?? portFromEnv(service) ?? (ephemeral ? 0 : DEFAULT_PORTS[service]);
  const metrics = new MetricStore();
  const given = options.instruments ?? noInstruments;
  // Every counter, invocation and retry keeps going to the run's instruments (the AWS model prices
  // each order's retries from them); every metric datum lands in the store as well.
  const instruments: CloudInstruments = {
    count: (name, n) => given.count(name, n),
    hopDelay: (hop, payload) => given.hopDelay(hop, payload),
    ...(given.invocation ? { invocation: (record) => given.invocation?.(record) } : {}),
    ...(given.retry ? { retry: (record) => given.retry?.(record) } : {}),
    metric: (datum) => {
      metrics.put(datum);
      given.metric?.(datum);
    },
  };
  // LOCAL_CLOUD_DIR gives a process (a test's `sls offline`) a directory, and endpoints.json, of its own.
  const workDir = options.workDir ?? (process.env.LOCAL_CLOUD_DIR || path.join(PROJECT_ROOT, '.local-cloud'));
  const stops: Array<() => Promise<void>> = [];
  try {
    // The emulators start side by side (each loads its code and opens its port), and the
    // optional emulators' code loads meanwhile: start-up is the slowest piece, not the sum.
    const optional = new Set(options.optional ?? ALL_OPTIONAL);
    const eventBridgeCode = optional.has('eventbridge') ? import('./eventbridge/server.ts') : undefined;
    const stepFunctionsCode = optional.has('stepfunctions') ? import('./stepfunctions/server.ts') : undefined;
    const schedulerCode = optional.has('scheduler') ? import('./scheduler/server.ts') : undefined;
    // Awaited below; a failure to load surfaces there, not as an unhandled rejection meanwhile.
    for (const code of [eventBridgeCode, stepFunctionsCode, schedulerCode]) code?.catch(() => undefined);
    const [dynamoThread, sqsServer] = await settleAll(stops, [
      // dynalite reports DynamoDB's own per-table metrics (consumed capacity) from its thread.
      startEmulatorThread(
        'dynalite',
        port('dynamodb'),
        host,
        (datum) => instruments.metric?.(datum),
        options.persistState ? path.join(workDir, 'dynamodb') : undefined,
      ),
      loadFauxqs(workDir).then((startFauxqs) => startFauxqs({ port: port('sqs'), host, logger: false })),
    ]);
    const dynamoUrl = `http://${host}:${dynamoThread.port}`;
    const sqsUrl = `http://${host}:${sqsServer.port}`;

    const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    const dynamo = new DynamoDBClient({ region: LOCAL_REGION, endpoint: dynamoUrl, credentials });
    const sqs = new SQSClient({ region: LOCAL_REGION, endpoint: sqsUrl, credentials });
    const runtime = new LambdaRuntime({
      buildDir: path.join(workDir, 'build'),
      sqs,
      instruments,
      ...(options.asyncRetryDelaysMs ? { asyncRetryDelaysMs: options.asyncRetryDelaysMs } : {}),
      ...(options.lambdaConcurrency ? { concurrency: options.lambdaConcurrency } : {}),
    });
    stops.push(() => runtime.stop());
    const lambdaApi = await startLambdaApi({
      // Callers that choose their ports (tests, the main job) and name none for Lambda get a free one.
      port: options.ports && options.ports.lambda === undefined ? (portFromEnv('lambda') ?? 0) : port('lambda'),
      host,
      runtime,
      instruments,
      region: LOCAL_REGION,
      account: LOCAL_ACCOUNT,
      ...(options.durableRetryDelaysMs ? { durableRetryDelaysMs: options.durableRetryDelaysMs } : {}),
    });
    // Stopped before the runtime (stops run in reverse): no execution re-invokes a stopped runtime.
    stops.push(() => lambdaApi.stop());

    // Known once EventBridge has started: the Step Functions' events:putEvents tasks need it.
    let eventBridgeUrl: string | undefined;
    const [eventBridge, stepFunctions] = await settleAll(stops, [
      (eventBridgeCode ?? none).then((code) =>
        code?.startEventBridge({
          port: port('eventbridge'),
          host,
          invoker: runtime,
          sqs,
          instruments,
          ...(options.eventBridgeDuplicates ? { duplicateDelivery: options.eventBridgeDuplicates } : {}),
        }),
      ),
      (stepFunctionsCode ?? none).then((code) =>
        code?.startStepFunctions({
          port: port('stepfunctions'),
          host,
          invoker: runtime,
          instruments,
          endpoints: () => ({ sqs: sqsUrl, ...(eventBridgeUrl ? { eventbridge: eventBridgeUrl } : {}) }),
          validatedDefinitionsFile: path.join(workDir, 'stepfunctions', 'validated-definitions.json'),
          ...(options.sfnTimeScale !== undefined ? { retryIntervalScale: options.sfnTimeScale } : {}),
        }),
      ),
    ]);
    eventBridgeUrl = eventBridge?.url;

    // The Scheduler invokes its targets through the other emulators' endpoints, so it starts after them
    // (and is stopped before them).
    const scheduler = await (schedulerCode ?? none).then((code) =>
      code?.startScheduler({
        port: port('scheduler'),
        host,
        region: LOCAL_REGION,
        account: LOCAL_ACCOUNT,
        endpoints: {
          sqs: sqsUrl,
          lambda: lambdaApi.url,
          ...(eventBridge ? { eventbridge: eventBridge.url } : {}),
          ...(stepFunctions ? { stepfunctions: stepFunctions.url } : {}),
        },
        instruments,
        ...(options.persistState ? { stateFile: path.join(workDir, 'scheduler', 'schedules.json') } : {}),
      }),
    );
    if (scheduler) stops.push(() => scheduler.stop());

    const stacks: DeployedStack[] = [];
    const deployedAt = new WeakMap<DeployedStack, Date>();
    const cloudWatch = await startCloudWatch({ port: port('cloudwatch'), host, store: metrics });
    stops.push(() => cloudWatch.stop());
    const stackViews = () => stacks.map((s) => describeStack(s, deployedAt.get(s) ?? new Date()));
    const cloudFormation = await startCloudFormationView({
      port: port('cloudformation'),
      host,
      region: LOCAL_REGION,
      account: LOCAL_ACCOUNT,
      stacks: stackViews,
    });
    stops.push(() => cloudFormation.stop());
    const endpoints: Record<CloudService, string> = {
      dynamodb: dynamoUrl,
      sqs: sqsUrl,
      eventbridge: eventBridge?.url ?? '',
      stepfunctions: stepFunctions?.url ?? '',
      cloudwatch: cloudWatch.url,
      cloudformation: cloudFormation.url,
      lambda: lambdaApi.url,
      scheduler: scheduler?.url ?? '',
    };
    const awsConfig: AwsConfig = {
      region: LOCAL_REGION,
      credentials,
      endpoints: {
        dynamodb: dynamoUrl,
        sqs: sqsUrl,
        ...(eventBridge ? { eventbridge: eventBridge.url } : {}),
        ...(stepFunctions ? { sfn: stepFunctions.url } : {}),
        lambda: lambdaApi.url,
        ...(scheduler ? { scheduler: scheduler.url } : {}),
      },
    };
    const sqsWire = new SqsWireClient(sqsUrl);
    stops.push(async () => sqsWire.destroy());
    const cloud: LocalCloud = {
      region: LOCAL_REGION,
      account: LOCAL_ACCOUNT,
      awsConfig,
      dynamo,
      sqs,
      sqsWire,
      runtime,
      lambdaApi,
      instruments,
      endpoints,
      workDir,
      metrics,
      stacks: stackViews,
      ...(eventBridge ? { eventBridge } : {}),
      ...(stepFunctions ? { stepFunctions } : {}),
      ...(scheduler ? { scheduler } : {}),
      async deploy(serviceDir, deployOptions) {
        const stack = await deployService(cloud, serviceDir, deployOptions);
        stacks.push(stack);
        deployedAt.set(stack, new Date());
        return stack;
      },
      activity() {
        const moving: string[] = [];
        const lambda = runtime.stats();
        if (lambda.inFlight > 0 || lambda.retriesScheduled > 0) {
          moving.push(
            `lambda: ${lambda.busy} running, ${lambda.waiting} waiting, ${lambda.inFlight} in flight, ` +
              `${lambda.retriesScheduled} async retries scheduled`,
          );
        }
        for (const name of new Set(stacks.flatMap((s) => s.consumedQueues))) {
          const messages = sqsServer.inspectQueue(name)?.messages;
          const [ready, inflight, delayed] = [
            messages?.ready.length ?? 0,
            messages?.inflight.length ?? 0,
            messages?.delayed.length ?? 0,
          ];
          if (ready + inflight + delayed > 0)
            moving.push(`sqs ${name}: ${ready} visible, ${inflight} in flight, ${delayed} delayed`);
        }
        const deliveries = eventBridge?.pending() ?? 0;
        if (deliveries > 0) moving.push(`eventbridge: ${deliveries} deliveries pending`);
        const executions = stepFunctions?.running() ?? 0;
        if (executions > 0) moving.push(`stepfunctions: ${executions} executions running`);
        const durable = lambdaApi.durable.running();
        if (durable > 0) moving.push(`lambda: ${durable} durable executions running`);
        const schedules = scheduler?.pending() ?? 0;
        if (schedules > 0) moving.push(`scheduler: ${schedules} one-time schedules or invocations pending`);
        return moving;
      },
      async idle() {
        // Quiet twice in a row: nothing running, no delivery or execution pending, and no message
        // in a consumed queue (visible, in flight or delayed), since a message sent a moment ago
        // is work no poller has picked up yet.
        for (let quiet = 0; quiet < 2; ) {
          await Promise.all([
            runtime.idle(),
            eventBridge?.idle(),
            stepFunctions?.idle(),
            lambdaApi.idle(),
            scheduler?.idle(),
          ]);
          if (cloud.activity().length === 0) quiet++;
          else {
            quiet = 0;
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
        }
      },
      async stop() {
        for (const stack of stacks.splice(0)) await stack.stop();
        for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
        dynamo.destroy();
        sqs.destroy();
      },
    };
    return cloud;
  } catch (error) {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    throw error;
  }
}

/**
 * Starts dynalite on a thread of its own (emulator-thread.mjs) and waits for its port; with a
 * data directory, its tables and items are kept there.
 */
async function startEmulatorThread(
  kind: 'dynalite',
  port: number,
  host: string,
  onMetric: (datum: MetricDatum) => void = () => {},
  dataDir?: string,
): Promise<{ port: number; stop: () => Promise<void> }> {
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const config = { kind, port, host, ...(dataDir ? { dataDir } : {}) };
  const preloaded = takePreloadedEmulatorThread(kind);
  preloaded?.postMessage(config);
  const worker = preloaded ?? new Worker(new URL('./emulator-thread.mjs', import.meta.url), { workerData: config });
  const ready = await new Promise<{ type: string; port?: number; message?: string; code?: string }>(
    (resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    },
  );
  if (ready.type !== 'ready') {
    await worker.terminate();
    const error = new Error(`${kind} could not start on ${host}:${port}: ${ready.message}`) as Error & {
      code?: string;
    };
    if (ready.code) error.code = ready.code;
    throw error;
  }
  worker.on('message', (message: { type?: string; data?: MetricDatum[] }) => {
    if (message.type === 'metrics') for (const datum of message.data ?? []) onMetric(datum);
  });
  return {
    port: ready.port ?? port,
    stop: async () => {
      const stopped = new Promise<void>((resolve) =>
        worker.on('message', (message: { type?: string }) => {
          if (message.type === 'stopped') resolve();
        }),
      );
      worker.postMessage('stop');
      // A thread that does not answer in 2 s is terminated anyway; the timer must not outlive it.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([stopped, new Promise((r) => (timer = setTimeout(r, 2000)))]);
      clearTimeout(timer);
      await worker.terminate();
    },
  };
}

/**
 * A thread `sls offline`'s plugin started ahead of need (it has loaded the emulator's code and waits
 * for where to listen): the first local cloud of the process takes it, the others start their own.
 */
function takePreloadedEmulatorThread(kind: 'dynalite'): Worker | undefined {
  const slot = globalThis as { [key: symbol]: Worker | undefined };
  const key = Symbol.for(`order-pipelines.preloaded-emulator-thread.${kind}`);
  const worker = slot[key];
  slot[key] = undefined;
  worker?.ref();
  return worker;
}

const none = Promise.resolve(undefined);

/**
 * Awaits pieces started side by side; each one that started is registered in `stops` (so a
 * failure of another still stops it), and the first failure is thrown once all have settled.
 */
async function settleAll<T extends readonly unknown[]>(
  stops: Array<() => Promise<void>>,
  starting: { [K in keyof T]: Promise<T[K]> },
): Promise<T> {
  const results = await Promise.allSettled(starting);
  for (const result of results) {
    const value =
      result.status === 'fulfilled' ? (result.value as { stop?: () => Promise<void> } | undefined) : undefined;
    if (value?.stop) stops.push(() => value.stop!());
  }
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r.status === 'fulfilled' ? r.value : undefined)) as unknown as T;
}

/** Writes the endpoints where scripts and people can find them (`.local-cloud/endpoints.json`). */
export async function writeEndpoints(cloud: LocalCloud, extra: Record<string, unknown> = {}): Promise<string> {
  await mkdir(cloud.workDir, { recursive: true });
  const file = path.join(cloud.workDir, 'endpoints.json');
  const stacks = cloud
    .stacks()
    .map((s) => ({ name: s.name, ...(s.outputs.HttpApiUrl ? { api: s.outputs.HttpApiUrl } : {}) }));
  await writeFile(file, `${JSON.stringify({ region: cloud.region, ...cloud.endpoints, stacks, ...extra }, null, 2)}\n`);
  return file;
}
