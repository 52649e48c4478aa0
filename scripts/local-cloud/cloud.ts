import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Worker } from 'node:worker_threads';
import { startFauxqs } from 'fauxqs';
import type { AwsConfig } from '#adapters/config';
import {
  deployService,
  type CloudHandles,
  type DeployedStack,
  type DeployOptions,
  type EventBridgePort,
  type StepFunctionsPort,
} from './deploy.ts';
import { LambdaRuntime } from './lambda-runtime.ts';
import { SqsWireClient } from './sqs-wire.ts';
import { LOCAL_ACCOUNT, LOCAL_REGION, noInstruments, type CloudInstruments } from './types.ts';

export const PROJECT_ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

/** Usual local ports, each overridable by env; 0 picks a free port (tests). */
export const DEFAULT_PORTS = { dynamodb: 8000, sqs: 9324, eventbridge: 4010, stepfunctions: 8083 } as const;
export type CloudService = keyof typeof DEFAULT_PORTS;

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
  optional?: Array<'eventbridge' | 'stepfunctions'>;
  /** Delays between Lambda async retries (EventBridge targets). */
  asyncRetryDelaysMs?: number[];
  /** Lambda invocations running at once in the whole cloud (default: sized from the cores). */
  lambdaConcurrency?: number;
}

export interface LocalCloud extends CloudHandles {
  endpoints: Record<CloudService, string>;
  workDir: string;
  deploy(serviceDir: string, options?: DeployOptions): Promise<DeployedStack>;
  /** Resolves when no invocation, delivery or execution is in flight. */
  idle(): Promise<void>;
  /**
   * What is still moving, one line per place (empty when the cloud is quiescent): Lambda
   * invocations running, waiting or due for an async retry; messages visible, in flight or delayed
   * in a queue a function consumes; EventBridge deliveries; running executions. Messages parked
   * in a queue nobody consumes (a DLQ) are not activity.
   */
  activity(): string[];
  stop(): Promise<void>;
}

function portFromEnv(service: CloudService): number | undefined {
  const raw = process.env[`LOCAL_${service.toUpperCase()}_PORT`];
  return raw === undefined || raw === '' ? undefined : Number(raw);
}

/**
 * Boots the embedded local cloud on loopback: DynamoDB (dynalite), SQS (fauxqs), EventBridge and
 * Step Functions (ours), and the Lambda runtime that runs the services' handlers. Everything
 * speaks the real AWS protocols: the SDK v3 and the AWS CLI work against each endpoint.
 */
export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const host = options.host ?? '127.0.0.1';
  const port = (service: CloudService) => options.ports?.[service] ?? portFromEnv(service) ?? DEFAULT_PORTS[service];
  const instruments = options.instruments ?? noInstruments;
  const workDir = options.workDir ?? path.join(PROJECT_ROOT, '.local-cloud');
  const stops: Array<() => Promise<void>> = [];
  try {
    const dynamoThread = await startEmulatorThread('dynalite', port('dynamodb'), host);
    stops.push(dynamoThread.stop);
    const dynamoUrl = `http://${host}:${dynamoThread.port}`;

    const sqsServer = await startFauxqs({ port: port('sqs'), host, logger: false });
    stops.push(() => sqsServer.stop());
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

    const optional = new Set(options.optional ?? ['eventbridge', 'stepfunctions']);
    const eventBridge = optional.has('eventbridge')
      ? await startEventBridgeEmulator(port('eventbridge'), host, runtime, sqs, instruments, options)
      : undefined;
    if (eventBridge) stops.push(() => eventBridge.stop());
    const stepFunctions = optional.has('stepfunctions')
      ? await startStepFunctionsEmulator(port('stepfunctions'), host, runtime, instruments, options, {
          sqs: sqsUrl,
          ...(eventBridge ? { eventbridge: eventBridge.url } : {}),
        })
      : undefined;
    if (stepFunctions) stops.push(() => stepFunctions.stop());

    const endpoints: Record<CloudService, string> = {
      dynamodb: dynamoUrl,
      sqs: sqsUrl,
      eventbridge: eventBridge?.url ?? '',
      stepfunctions: stepFunctions?.url ?? '',
    };
    const awsConfig: AwsConfig = {
      region: LOCAL_REGION,
      credentials,
      endpoints: {
        dynamodb: dynamoUrl,
        sqs: sqsUrl,
        ...(eventBridge ? { eventbridge: eventBridge.url } : {}),
        ...(stepFunctions ? { sfn: stepFunctions.url } : {}),
      },
    };
    const sqsWire = new SqsWireClient(sqsUrl);
    stops.push(async () => sqsWire.destroy());
    const stacks: DeployedStack[] = [];
    const cloud: LocalCloud = {
      region: LOCAL_REGION,
      account: LOCAL_ACCOUNT,
      awsConfig,
      dynamo,
      sqs,
      sqsWire,
      runtime,
      instruments,
      endpoints,
      workDir,
      ...(eventBridge ? { eventBridge } : {}),
      ...(stepFunctions ? { stepFunctions } : {}),
      async deploy(serviceDir, deployOptions) {
        const stack = await deployService(cloud, serviceDir, deployOptions);
        stacks.push(stack);
        return stack;
      },
      activity() {
        const moving: string[] = [];
        const lambda = runtime.stats();
        if (lambda.inFlight > 0 || lambda.retriesScheduled > 0) {
          moving.push(
            `lambda: ${lambda.busy} running, ${lambda.waiting} waiting, ${lambda.inFlight} in flight, ${lambda.retriesScheduled} async retries scheduled`,
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
        return moving;
      },
      async idle() {
        for (let settled = 0; settled < 2; ) {
          await Promise.all([runtime.idle(), eventBridge?.idle(), stepFunctions?.idle()]);
          settled++;
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

/** Starts dynalite or fauxqs on a thread of its own (emulator-thread.mjs) and waits for its port. */
async function startEmulatorThread(
  kind: 'dynalite' | 'fauxqs',
  port: number,
  host: string,
): Promise<{ port: number; stop: () => Promise<void> }> {
  const worker = new Worker(new URL('./emulator-thread.mjs', import.meta.url), { workerData: { kind, port, host } });
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
  return {
    port: ready.port ?? port,
    stop: async () => {
      const stopped = new Promise<void>((resolve) => worker.once('message', () => resolve()));
      worker.postMessage('stop');
      await Promise.race([stopped, new Promise((r) => setTimeout(r, 2000))]);
      await worker.terminate();
    },
  };
}

type Idle = { url: string; idle(): Promise<void>; stop(): Promise<void> };

async function startEventBridgeEmulator(
  port: number,
  host: string,
  runtime: LambdaRuntime,
  sqs: SQSClient,
  instruments: CloudInstruments,
  options: LocalCloudOptions,
): Promise<EventBridgePort & Idle & { pending(): number }> {
  const { startEventBridge } = await import('./eventbridge/server.ts');
  return startEventBridge({
    port,
    host,
    invoker: runtime,
    sqs,
    instruments,
    ...(options.eventBridgeDuplicates ? { duplicateDelivery: options.eventBridgeDuplicates } : {}),
  });
}

async function startStepFunctionsEmulator(
  port: number,
  host: string,
  runtime: LambdaRuntime,
  instruments: CloudInstruments,
  options: LocalCloudOptions,
  endpoints: { sqs: string; eventbridge?: string },
): Promise<StepFunctionsPort & Idle & { running(): number }> {
  const { startStepFunctions } = await import('./stepfunctions/server.ts');
  return startStepFunctions({
    port,
    host,
    invoker: runtime,
    instruments,
    endpoints,
    ...(options.sfnTimeScale !== undefined ? { retryIntervalScale: options.sfnTimeScale } : {}),
  });
}

/** Writes the endpoints where scripts and people can find them (`.local-cloud/endpoints.json`). */
export async function writeEndpoints(cloud: LocalCloud, extra: Record<string, unknown> = {}): Promise<string> {
  await mkdir(cloud.workDir, { recursive: true });
  const file = path.join(cloud.workDir, 'endpoints.json');
  await writeFile(file, `${JSON.stringify({ region: cloud.region, ...cloud.endpoints, ...extra }, null, 2)}\n`);
  return file;
}
