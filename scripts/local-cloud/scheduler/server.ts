/**
 * The local Amazon EventBridge Scheduler: an HTTP server speaking the Scheduler's REST-JSON
 * protocol on loopback, so `@aws-sdk/client-scheduler` and `aws scheduler ...` talk to it as to
 * AWS. Schedules fire on the local clock into the local cloud's SQS queues, Lambda functions,
 * EventBridge buses and Step Functions state machines, through the AWS SDK v3.
 *
 * @example
 * const scheduler = await startScheduler({ port: 0, endpoints: { sqs: sqsUrl, lambda: lambdaUrl } });
 * // aws --endpoint-url $URL scheduler create-schedule --name t --schedule-expression 'at(2030-01-01T00:00:00)' ...
 * await scheduler.idle(); // every one-time schedule has fired and its invocation is over
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOCAL_ACCOUNT, LOCAL_REGION, noInstruments, type CloudInstruments } from '../types.ts';
import { createOperations, type Operation } from './api.ts';
import { SchedulerEngine } from './engine.ts';
import { SchedulerApiError } from './errors.ts';
import { TargetInvoker, type SchedulerEndpoints } from './invoke.ts';
import { SchedulerStore } from './store.ts';

export interface SchedulerOptions {
  port: number;
  /** 127.0.0.1 unless given. */
  host?: string;
  region?: string;
  account?: string;
  /** Where targets are invoked: SQS always (targets and dead-letter queues); the others when running. */
  endpoints: SchedulerEndpoints;
  instruments?: CloudInstruments;
  /**
   * With a state file, schedules survive a restart (written before each write is answered). The
   * schedules it restores wait, group by group, for `releaseScheduleGroup`: a restarted cloud has
   * none of its stacks yet, so a timeout that fell due meanwhile would fail against a missing
   * target and wait on the retry backoff; it fires once its stack is redeployed instead. Schedules
   * of the `default` group, which no stack owns, fire at once.
   */
  stateFile?: string;
  /** Seeds where a FLEXIBLE time window puts each invocation. */
  seed?: number;
}

export interface SchedulerServer {
  url: string;
  port: number;
  /** Creates a schedule group (idempotent: deploying a stack twice keeps the group); returns its ARN. */
  createScheduleGroup(name: string): string;
  /** Its stack is deployed: the group's restored schedules fire from now on (what is due, at once). */
  releaseScheduleGroup(name: string): void;
  /** One-time schedules still to fire plus invocations in progress (recurring schedules never end). */
  pending(): number;
  /** Resolves when nothing is pending. */
  idle(): Promise<void>;
  /** Closes the server, stops firing and writes the state file; calling it again is harmless. */
  stop(): Promise<void>;
}

type Route = [method: string, pattern: RegExp, operation: string, params: string[]];

/** The model's `http.method` and `http.requestUri` of each operation. */
const ROUTES: Route[] = [
  ['POST', /^\/schedules\/([^/]+)$/, 'CreateSchedule', ['Name']],
  ['GET', /^\/schedules\/([^/]+)$/, 'GetSchedule', ['Name']],
  ['PUT', /^\/schedules\/([^/]+)$/, 'UpdateSchedule', ['Name']],
  ['DELETE', /^\/schedules\/([^/]+)$/, 'DeleteSchedule', ['Name']],
  ['GET', /^\/schedules\/?$/, 'ListSchedules', []],
  ['POST', /^\/schedule-groups\/([^/]+)$/, 'CreateScheduleGroup', ['Name']],
  ['GET', /^\/schedule-groups\/([^/]+)$/, 'GetScheduleGroup', ['Name']],
  ['DELETE', /^\/schedule-groups\/([^/]+)$/, 'DeleteScheduleGroup', ['Name']],
  ['GET', /^\/schedule-groups\/?$/, 'ListScheduleGroups', []],
  ['POST', /^\/tags\/(.+)$/, 'TagResource', ['ResourceArn']],
  ['GET', /^\/tags\/(.+)$/, 'ListTagsForResource', ['ResourceArn']],
  ['DELETE', /^\/tags\/(.+)$/, 'UntagResource', ['ResourceArn']],
];

export async function startScheduler(options: SchedulerOptions): Promise<SchedulerServer> {
  const host = options.host ?? '127.0.0.1';
  const region = options.region ?? LOCAL_REGION;
  const instruments = options.instruments ?? noInstruments;
  const store = new SchedulerStore({ region, account: options.account ?? LOCAL_ACCOUNT }, options.stateFile);
  await store.load();
  const invoker = new TargetInvoker(options.endpoints, region);
  const engine = new SchedulerEngine({ store, invoker, instruments, seed: options.seed ?? 0x5eed });
  const services = invoker.services();
  const operations = createOperations({ store, engine, instruments, services: () => services });

  const server = createServer((request, response) => void handle(request, response, operations));
  const port = await listen(server, options.port, host);
  const held = new Set(
    [...store.schedules.values()].map((r) => r.definition.GroupName).filter((group) => group !== 'default'),
  );
  engine.start((group) => !held.has(group));
  let stopping: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    createScheduleGroup(name) {
      const existing = store.groups.get(name);
      if (existing) return existing.arn;
      const now = Date.now();
      const arn = store.groupArn(name);
      store.groups.set(name, { name, arn, createdAt: now, modifiedAt: now, tags: [] });
      void store.persist();
      return arn;
    },
    releaseScheduleGroup(name) {
      if (held.delete(name)) engine.start((group) => group === name);
    },
    pending: () => engine.pending(),
    idle: () => engine.idle(),
    stop() {
      stopping ??= (async () => {
        engine.stop();
        await close(server);
        await store.persist();
        invoker.destroy();
      })();
      return stopping;
    },
  };
}

async function handle(request: IncomingMessage, response: ServerResponse, operations: Record<string, Operation>) {
  try {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const body = await readBody(request);
    for (const [method, pattern, name, params] of ROUTES) {
      const match = request.method === method ? pattern.exec(url.pathname) : null;
      if (!match) continue;
      const operation = operations[name] as Operation;
      const values = Object.fromEntries(params.map((param, i) => [param, decodeURIComponent(match[i + 1] ?? '')]));
      return respond(
        response,
        200,
        await operation({ params: values, query: url.searchParams, body: parseBody(body) }),
      );
    }
    throw new SchedulerApiError(
      'UnknownOperationException',
      `No operation of the Scheduler API is ${request.method} ${url.pathname}.`,
    );
  } catch (error) {
    if (error instanceof SchedulerApiError) {
      response.setHeader('x-amzn-ErrorType', error.name);
      return respond(response, error.statusCode, { Message: error.message });
    }
    console.error('[scheduler] internal error', error);
    response.setHeader('x-amzn-ErrorType', 'InternalServerException');
    respond(response, 500, { Message: error instanceof Error ? error.message : String(error) });
  }
}

function parseBody(text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new SchedulerApiError('ValidationException', 'The request body is not valid JSON.');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new SchedulerApiError('ValidationException', 'The request body is not a JSON object.');
  return body as Record<string, unknown>;
}

function respond(response: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json',
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
