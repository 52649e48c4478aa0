/**
 * The local EventBridge: an HTTP server speaking the AWS JSON 1.1 protocol on loopback, so the
 * AWS SDK v3 client and the AWS CLI talk to it as to AWS. Rules match with the same matcher
 * TestEventPattern answers from; matched events are delivered asynchronously to Lambda (through
 * the in-process runtime) and SQS (through the SQS emulator), with retries and DLQs.
 *
 * @example
 * const events = await startEventBridge({ port: 0, invoker, sqs });
 * events.putRule({ name: 'on-order-placed', eventPattern: { 'detail-type': ['OrderPlaced'] } });
 * events.putTargets({ rule: 'on-order-placed', targets: [{ Id: 'validate', Arn: validateOrderArn }] });
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { LOCAL_ACCOUNT, LOCAL_REGION, noInstruments, type CloudInstruments, type LambdaInvoker } from '#cloud/types';
import { createOperations, type Operation } from './api.ts';
import { Dispatcher, type DuplicateDelivery } from './delivery.ts';
import { EventBridgeApiError } from './errors.ts';
import { InvalidEventPatternException } from './event-pattern.ts';
import { EventBridgeRegistry, type PutRuleInput, type Target } from './registry.ts';

export interface EventBridgeOptions {
  port: number;
  /** 127.0.0.1 unless given. */
  host?: string;
  region?: string;
  account?: string;
  /** Lambda targets are delivered with `invoker.invokeAsync(functionArn, event)`. */
  invoker: LambdaInvoker;
  /** An SDK client pointed at the local SQS emulator: SQS targets and dead-letter queues. */
  sqs: SQSClient;
  instruments?: CloudInstruments;
  /** Chaos knob, off by default: deliver every event twice, optionally out of order. */
  duplicateDelivery?: DuplicateDelivery;
}

export interface EventBridgeServer {
  url: string;
  port: number;
  /** Returns the bus ARN; the `default` bus always exists. */
  createEventBus(name: string): string;
  /** Creates or updates a rule and returns its ARN. */
  putRule(input: PutRuleInput): string;
  /** Throws when any target cannot be used (PutTargets reports those in FailedEntries). */
  putTargets(input: { rule: string; eventBusName?: string; targets: Target[] }): void;
  setDuplicateDelivery(options: DuplicateDelivery | undefined): void;
  /** Resolves when no delivery is pending, retrying or in flight. */
  idle(): Promise<void>;
  /** Deliveries pending, retrying or in flight right now. */
  pending(): number;
  /** Deliveries made twice by the duplicate knob so far. */
  duplicatedDeliveries(): number;
  /** Closes the server and cancels pending retries; calling it again is harmless. */
  stop(): Promise<void>;
}

const TARGET_PREFIX = 'AWSEvents.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';

export async function startEventBridge(options: EventBridgeOptions): Promise<EventBridgeServer> {
  const host = options.host ?? '127.0.0.1';
  const identity = { region: options.region ?? LOCAL_REGION, account: options.account ?? LOCAL_ACCOUNT };
  const instruments = options.instruments ?? noInstruments;
  const registry = new EventBridgeRegistry(identity.region, identity.account);
  const dispatcher = new Dispatcher(
    { invoker: options.invoker, sqs: options.sqs, instruments },
    options.duplicateDelivery,
  );
  const operations = createOperations({ registry, dispatcher, identity, instruments });

  const server = createServer((request, response) => void handleRequest(request, response, operations));
  const port = await listen(server, options.port, host);
  let stopping: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    createEventBus: (name) => registry.createEventBus(name),
    putRule: (input) => registry.putRule(input),
    putTargets: ({ rule, eventBusName, targets }) => {
      const failures = registry.putTargets(rule, eventBusName, targets);
      if (failures.length > 0) {
        throw new EventBridgeApiError('ValidationException', failures.map((failure) => failure.ErrorMessage).join(' '));
      }
    },
    setDuplicateDelivery: (duplicates) => dispatcher.setDuplicateDelivery(duplicates),
    idle: () => dispatcher.idle(),
    pending: () => dispatcher.pending,
    duplicatedDeliveries: () => dispatcher.duplicated,
    // Idempotent, so a test's own stop() and its afterEach can both call it.
    stop: () => {
      dispatcher.stop();
      stopping ??= close(server);
      return stopping;
    },
  };
}

async function handleRequest(
  request: IncomingMessage,
  response: ServerResponse,
  operations: Record<string, Operation>,
) {
  try {
    const body = await readBody(request);
    const operation = operationOf(request.headers['x-amz-target'], operations);
    respond(response, 200, (await operation(parseInput(body))) ?? {});
  } catch (error) {
    respondWithError(response, error);
  }
}

function operationOf(target: string | string[] | undefined, operations: Record<string, Operation>): Operation {
  const name = typeof target === 'string' && target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
  const operation = Object.hasOwn(operations, name) ? operations[name] : undefined;
  if (!operation) {
    throw new EventBridgeApiError(
      'UnknownOperationException',
      `Operation ${target ?? '(no X-Amz-Target)'} is not supported.`,
    );
  }
  return operation;
}

function parseInput(body: string): Record<string, unknown> {
  if (body.trim() === '') return {};
  try {
    const input: unknown = JSON.parse(body);
    if (typeof input === 'object' && input !== null && !Array.isArray(input)) return input as Record<string, unknown>;
  } catch {
    // answered below, like a body that is JSON but not an object
  }
  throw new EventBridgeApiError('SerializationException', 'The request body is not a JSON object.');
}

function respondWithError(response: ServerResponse, error: unknown): void {
  if (error instanceof EventBridgeApiError) return respondError(response, error.statusCode, error.name, error.message);
  if (error instanceof InvalidEventPatternException) return respondError(response, 400, error.name, error.message);
  console.error('[eventbridge] internal error', error);
  respondError(response, 500, 'InternalException', error instanceof Error ? error.message : String(error));
}

function respondError(response: ServerResponse, status: number, code: string, message: string): void {
  response.setHeader('x-amzn-ErrorType', code);
  respond(response, status, { __type: code, message });
}

function respond(response: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(payload),
    'x-amzn-RequestId': randomUUID(),
  });
  response.end(payload);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Also drops idle keep-alive sockets of SDK clients, which would otherwise hold close() open. */
function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
