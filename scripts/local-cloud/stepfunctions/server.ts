/**
 * The local Step Functions: an HTTP server speaking the AWS JSON 1.0 protocol of the Step
 * Functions API, so `@aws-sdk/client-sfn` and `aws stepfunctions --endpoint-url ...` work against
 * it. Definitions run on the aws-local-stepfunctions interpreter; Task states call the local
 * cloud's Lambda runtime through the injected LambdaInvoker.
 *
 * Note for SDK clients: StartSyncExecution is sent to the `sync-` host prefix on AWS; pass
 * `disableHostPrefix: true` to the SFNClient so that it reaches 127.0.0.1.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { LOCAL_ACCOUNT, LOCAL_REGION, noInstruments, type CloudInstruments, type LambdaInvoker } from '#cloud/types';
import { SfnApiError } from './errors.ts';
import { Executions } from './executions.ts';
import { StateMachines, type MachineType } from './machines.ts';
import { createOperations, type Operation } from './operations.ts';
import { TaskTokens } from './task-tokens.ts';
import { ValidatedDefinitions } from './validated-definitions.ts';
import type { TaskIntegrations } from './tasks.ts';

export interface StepFunctionsOptions {
  /** 8083 is the usual local port; tests pass 0. */
  port: number;
  host?: string;
  region?: string;
  account?: string;
  /** Task states call `invoker.invoke(functionArn, input)`. */
  invoker: LambdaInvoker;
  /**
   * Counts `stateTransitions` (Standard: each state entered and each retry, as AWS bills),
   * `sfnExpressRequests` / `sfnExpressGbSeconds` (Express) and `retries`; the `sfn-standard` /
   * `sfn-express` hop delay is awaited before each Task invocation.
   */
  instruments?: CloudInstruments;
  /** Multiplies Retry IntervalSeconds / MaxDelaySeconds and Wait Seconds (tests pass 0.1). */
  retryIntervalScale?: number;
  /**
   * The local SQS and EventBridge endpoints, for the `sqs:sendMessage` and `events:putEvents`
   * integrations (and their `.waitForTaskToken` forms); without them those tasks fail.
   */
  endpoints?: IntegrationEndpoints | (() => IntegrationEndpoints);
  /**
   * A file that remembers the definitions asl-validator passed, so a later process (the next
   * `sls offline start`, the next test file) does not validate the same text again; without it,
   * remembered for this process only.
   */
  validatedDefinitionsFile?: string;
}

export interface IntegrationEndpoints {
  sqs?: string;
  eventbridge?: string;
}

export interface CreateStateMachineCommand {
  name: string;
  definition: string | object;
  type?: MachineType;
  roleArn?: string;
}

export interface StepFunctionsServer {
  url: string;
  port: number;
  /** Deploys a machine and returns its ARN; the same name again updates it in place (a redeploy). */
  createStateMachine(input: CreateStateMachineCommand): string;
  /**
   * Not an AWS operation: the history of any execution, Express ones included (which AWS only
   * writes to CloudWatch Logs), in GetExecutionHistory's shapes.
   */
  executionHistory(executionArn: string): readonly HistoryEvent[];
  /** Resolves when no execution is running. */
  idle(): Promise<void>;
  /** Executions running right now (Express ones included). */
  running(): number;
  /** Aborts running executions and closes the server. */
  stop(): Promise<void>;
}

const TARGET_PREFIX = 'AWSStepFunctions.';
const JSON_CONTENT_TYPE = 'application/x-amz-json-1.0';

/**
 * @example
 * const sfn = await startStepFunctions({ port: 0, invoker });
 * const arn = sfn.createStateMachine({ name: 'order-saga', definition });
 * const client = new SFNClient({ endpoint: sfn.url, disableHostPrefix: true });
 */
export async function startStepFunctions(options: StepFunctionsOptions): Promise<StepFunctionsServer> {
  const region = options.region ?? LOCAL_REGION;
  const account = options.account ?? LOCAL_ACCOUNT;
  const machines = new StateMachines({
    region,
    account,
    retryIntervalScale: options.retryIntervalScale ?? 1,
    validated: new ValidatedDefinitions(options.validatedDefinitionsFile),
  });
  const tokens = new TaskTokens();
  const integrations = integrationClients(region, options.endpoints);
  const executions = new Executions({
    region,
    account,
    invoker: options.invoker,
    instruments: options.instruments ?? noInstruments,
    tokens,
    integrations,
  });
  const operations = createOperations(machines, executions, tokens);

  const server = createServer((request, response) => void handle(operations, request, response));
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, resolve);
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${host}:${port}`,
    port,
    createStateMachine: ({ definition, ...rest }) => {
      const text = typeof definition === 'string' ? definition : JSON.stringify(definition);
      return machines.create({ ...rest, definition: text }, 'replace').arn;
    },
    executionHistory: (executionArn) => {
      const execution = executions.get(executionArn);
      if (!execution) throw new Error(`No execution ${executionArn}`);
      return execution.history.events;
    },
    idle: () => executions.idle(),
    running: () => executions.runningCount,
    stop: async () => {
      await executions.stopAll({ error: 'States.Aborted', cause: 'The local Step Functions was stopped' });
      // SDK clients keep sockets alive; close() alone would wait for them.
      server.closeAllConnections();
      integrations.destroy();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

/**
 * SDK clients of the local cloud's own services (any credentials do locally), made at their
 * first use: an endpoint may be known only after the Step Functions started (EventBridge starts
 * beside it).
 */
function integrationClients(
  region: string,
  endpoints: StepFunctionsOptions['endpoints'],
): TaskIntegrations & { destroy(): void } {
  const config = (endpoint: string) => ({
    region,
    endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const resolve = (): IntegrationEndpoints => (typeof endpoints === 'function' ? endpoints() : (endpoints ?? {}));
  const clients: { sqs?: SQSClient; eventBridge?: EventBridgeClient } = {};
  return {
    get sqs() {
      const url = resolve().sqs;
      if (url && !clients.sqs) clients.sqs = new SQSClient(config(url));
      return clients.sqs;
    },
    get eventBridge() {
      const url = resolve().eventbridge;
      if (url && !clients.eventBridge) clients.eventBridge = new EventBridgeClient(config(url));
      return clients.eventBridge;
    },
    destroy() {
      clients.sqs?.destroy();
      clients.eventBridge?.destroy();
    },
  };
}

async function handle(
  operations: Record<string, Operation>,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  try {
    const target = request.headers['x-amz-target'];
    const operation =
      typeof target === 'string' && target.startsWith(TARGET_PREFIX)
        ? operations[target.slice(TARGET_PREFIX.length)]
        : undefined;
    if (request.method !== 'POST' || !operation) {
      throw new SfnApiError('UnknownOperationException', `Unknown operation ${String(target)}`);
    }
    respond(response, 200, await operation(await readJsonBody(request)));
  } catch (error) {
    const apiError = error instanceof SfnApiError ? error : new SfnApiError('InternalFailure', String(error), 500);
    respond(response, apiError.statusCode, { __type: apiError.type, message: apiError.message });
  }
}

async function readJsonBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new SfnApiError('SerializationException', 'Request body is not valid JSON');
  }
}

function respond(response: ServerResponse, statusCode: number, body: object): void {
  const text = JSON.stringify(body, epochSeconds);
  response.writeHead(statusCode, {
    'Content-Type': JSON_CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': randomUUID(),
  });
  response.end(text);
}

/**
 * The JSON protocol sends timestamps as epoch seconds. A replacer sees a Date already turned into
 * an ISO string, so it looks at the holder's original value instead.
 */
function epochSeconds(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const original = this[key];
  return original instanceof Date ? original.getTime() / 1000 : value;
}
