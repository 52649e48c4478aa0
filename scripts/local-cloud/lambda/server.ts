import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { ErrorObject } from '@aws-sdk/client-lambda';
import type { FunctionDefinition, LambdaRuntime } from '../lambda-runtime.ts';
import { LambdaInvocationError, noInstruments, type CloudInstruments } from '../types.ts';
import { DurableExecutions } from './durable-executions.ts';
import { LambdaApiError } from './errors.ts';

export interface LambdaApiOptions {
  port: number;
  host?: string;
  runtime: LambdaRuntime;
  instruments?: CloudInstruments;
  region: string;
  account: string;
  /** Delays before a failed durable invocation runs again (default 1, 2, 4 s). */
  durableRetryDelaysMs?: number[];
}

export interface LambdaApi {
  url: string;
  durable: DurableExecutions;
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/** Lambda's 6 MB synchronous payload limit (256 KB for Event invocations). */
const MAX_SYNC_PAYLOAD = 6 * 1024 * 1024;
const MAX_ASYNC_PAYLOAD = 256 * 1024;

type Reply = { status: number; headers?: Record<string, string>; body?: unknown; raw?: string };
type Route = (req: IncomingMessage, match: RegExpMatchArray, query: URLSearchParams) => Promise<Reply>;

/**
 * The Lambda API of the local cloud (REST-JSON, as the AWS SDK v3 and the AWS CLI speak it), on a
 * port of its own: Invoke (RequestResponse, Event, DryRun), ListFunctions, GetFunction, and the
 * durable-execution APIs, both those the durable SDK calls from inside a function
 * (CheckpointDurableExecution, GetDurableExecutionState) and an operator's (list, get, history,
 * stop, callbacks). Invocations run on the same bounded runtime as every other.
 */
export async function startLambdaApi(options: LambdaApiOptions): Promise<LambdaApi> {
  const { runtime } = options;
  const durable = new DurableExecutions({
    invoker: runtime,
    instruments: options.instruments ?? noInstruments,
    region: options.region,
    account: options.account,
    ...(options.durableRetryDelaysMs ? { invocationRetryDelaysMs: options.durableRetryDelaysMs } : {}),
  });

  const fn = (name: string): FunctionDefinition => {
    const definition = runtime.definition(decodeURIComponent(name));
    if (!definition)
      throw new LambdaApiError(
        'ResourceNotFoundException',
        `Function not found: ${runtime.arnOf(functionNameOf(decodeURIComponent(name)))}`,
      );
    return definition;
  };

  const routes: Array<[string, RegExp, Route]> = [
    ['POST', /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/, (req, m, q) => invoke(req, fn(m[1] ?? ''), m, q)],
    [
      'GET',
      /^\/2015-03-31\/functions\/?$/,
      async (_req, _m, q) => {
        const all = runtime.list().map((d) => configurationOf(runtime, d));
        const start = Number(q.get('Marker') ?? 0) || 0;
        const size = Math.min(Number(q.get('MaxItems') ?? 50) || 50, 10_000);
        const next = start + size < all.length ? String(start + size) : undefined;
        return {
          status: 200,
          body: { Functions: all.slice(start, start + size), ...(next ? { NextMarker: next } : {}) },
        };
      },
    ],
    [
      'GET',
      /^\/2015-03-31\/functions\/([^/]+)\/?$/,
      async (_req, m) => {
        const definition = fn(m[1] ?? '');
        return {
          status: 200,
          body: {
            Configuration: configurationOf(runtime, definition),
            Code: { RepositoryType: 'S3', Location: `file://${definition.entry}` },
          },
        };
      },
    ],
    [
      'POST',
      /^\/2025-12-01\/durable-executions\/(.+)\/checkpoint$/,
      async (req, m) => {
        const body = (await readJson(req)) as { CheckpointToken?: string; Updates?: [] };
        return { status: 200, body: durable.checkpoint(arnOf(m), body.CheckpointToken ?? '', body.Updates ?? []) };
      },
    ],
    [
      'GET',
      /^\/2025-12-01\/durable-executions\/(.+)\/state$/,
      async (_req, m, q) => ({
        status: 200,
        body: durable.state(
          arnOf(m),
          q.get('CheckpointToken') ?? '',
          q.get('Marker') ?? undefined,
          numberOf(q, 'MaxItems'),
        ),
      }),
    ],
    [
      'GET',
      /^\/2025-12-01\/durable-executions\/(.+)\/history$/,
      async (_req, m, q) => ({
        status: 200,
        body: durable.history(arnOf(m), {
          includeData: q.get('IncludeExecutionData') === 'true',
          reverseOrder: q.get('ReverseOrder') === 'true',
          ...(q.get('Marker') ? { marker: q.get('Marker') as string } : {}),
          ...(numberOf(q, 'MaxItems') ? { maxItems: numberOf(q, 'MaxItems') as number } : {}),
        }),
      }),
    ],
    [
      'POST',
      /^\/2025-12-01\/durable-executions\/(.+)\/stop$/,
      async (req, m) => {
        const body = (await readJson(req, true)) as ErrorObject | undefined;
        return {
          status: 200,
          body: durable.stopExecution(arnOf(m), body && Object.keys(body).length ? body : undefined),
        };
      },
    ],
    [
      'GET',
      /^\/2025-12-01\/durable-executions\/(.+)$/,
      async (_req, m, q) => ({
        status: 200,
        body: durable.describe(arnOf(m), q.get('IncludeExecutionData') !== 'false'),
      }),
    ],
    [
      'GET',
      /^\/2025-12-01\/functions\/([^/]+)\/durable-executions$/,
      async (_req, m, q) => {
        const definition = fn(m[1] ?? '');
        return {
          status: 200,
          body: durable.list(definition.name, {
            ...(q.get('DurableExecutionName') ? { name: q.get('DurableExecutionName') as string } : {}),
            statuses: q.getAll('Statuses').flatMap((s) => s.split(',')),
            ...(q.get('StartedAfter') ? { startedAfter: dateOf(q.get('StartedAfter') as string) } : {}),
            ...(q.get('StartedBefore') ? { startedBefore: dateOf(q.get('StartedBefore') as string) } : {}),
            reverseOrder: q.get('ReverseOrder') === 'true',
            ...(q.get('Marker') ? { marker: q.get('Marker') as string } : {}),
            ...(numberOf(q, 'MaxItems') ? { maxItems: numberOf(q, 'MaxItems') as number } : {}),
          }),
        };
      },
    ],
    [
      'POST',
      /^\/2025-12-01\/durable-execution-callbacks\/([^/]+)\/(succeed|fail|heartbeat)$/,
      async (req, m) => {
        const callbackId = decodeURIComponent(m[1] ?? '');
        const raw = await readBody(req, MAX_ASYNC_PAYLOAD);
        if (m[2] === 'succeed') durable.completeCallback(callbackId, { result: raw });
        else if (m[2] === 'fail')
          durable.completeCallback(callbackId, { error: raw ? (parseJson(raw) as ErrorObject) : {} });
        else durable.completeCallback(callbackId, { heartbeat: true });
        return { status: 200, body: {} };
      },
    ],
  ];

  async function invoke(
    req: IncomingMessage,
    definition: FunctionDefinition,
    _m: RegExpMatchArray,
    query: URLSearchParams,
  ): Promise<Reply> {
    const type = header(req, 'x-amz-invocation-type') ?? 'RequestResponse';
    if (!['RequestResponse', 'Event', 'DryRun'].includes(type))
      throw new LambdaApiError(
        'InvalidParameterValueException',
        `1 validation error detected: Value '${type}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]`,
      );
    const raw = await readBody(req, type === 'Event' ? MAX_ASYNC_PAYLOAD : MAX_SYNC_PAYLOAD);
    const payload = raw === '' ? '{}' : raw;
    const event = parseJson(payload);
    if (type === 'DryRun') return { status: 204 };
    const executedVersion = { 'x-amz-executed-version': '$LATEST' };
    if (definition.durable) {
      const name = header(req, 'x-amz-durable-execution-name');
      const { execution } = durable.start({
        functionName: definition.name,
        qualifier: query.get('Qualifier') ?? qualifierOf(decodeURIComponent(_m[1] ?? '')),
        config: definition.durable,
        payload,
        ...(name ? { name } : {}),
      });
      const arnHeader = { 'x-amz-durable-execution-arn': execution.arn };
      if (type === 'Event') return { status: 202, headers: arnHeader };
      const ended = await durable.outcome(execution.arn);
      if (ended.status === 'SUCCEEDED')
        return { status: 200, headers: { ...executedVersion, ...arnHeader }, raw: ended.result ?? 'null' };
      return {
        status: 200,
        headers: { ...executedVersion, ...arnHeader, 'x-amz-function-error': 'Unhandled' },
        body: {
          errorType: ended.error?.ErrorType ?? ended.status,
          errorMessage: ended.error?.ErrorMessage ?? `Durable execution ${ended.status}`,
        },
      };
    }
    if (type === 'Event') {
      await runtime.invokeAsync(definition.name, event);
      return { status: 202 };
    }
    try {
      const result = await runtime.invoke(definition.name, event);
      return { status: 200, headers: executedVersion, raw: result === undefined ? 'null' : JSON.stringify(result) };
    } catch (error) {
      if (!(error instanceof LambdaInvocationError)) throw error;
      return {
        status: 200,
        headers: { ...executedVersion, 'x-amz-function-error': 'Unhandled' },
        body: { errorType: error.errorType, errorMessage: error.errorMessage },
      };
    }
  }

  const server: Server = createServer((req, res) => {
    void handle(req, res);
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const url = new URL(req.url ?? '/', 'http://local');
    let reply: Reply;
    try {
      const route = routes
        .map(([method, pattern, run]) => ({ method, match: url.pathname.match(pattern), run }))
        .find((r) => r.method === req.method && r.match);
      if (!route?.match)
        throw new LambdaApiError('ResourceNotFoundException', `No Lambda API at ${req.method} ${url.pathname}`);
      reply = await route.run(req, route.match, url.searchParams);
    } catch (error) {
      const apiError =
        error instanceof LambdaApiError ? error : new LambdaApiError('ServiceException', (error as Error).message);
      reply = {
        status: apiError.status,
        headers: { 'x-amzn-errortype': apiError.code },
        body: {
          Type: apiError.status >= 500 ? 'Service' : 'User',
          Message: apiError.message,
          message: apiError.message,
        },
      };
    }
    const text = reply.raw ?? (reply.body === undefined ? '' : toJson(reply.body));
    res.writeHead(reply.status, {
      'content-type': 'application/json',
      'x-amzn-requestid': requestId,
      ...reply.headers,
    });
    res.end(text);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const url = `http://${options.host ?? '127.0.0.1'}:${(server.address() as AddressInfo).port}`;
  return {
    url,
    durable,
    idle: () => durable.idle(),
    async stop() {
      durable.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The durable execution ARN of a path (the SDK and the CLI percent-encode its `:` and `/`). */
function arnOf(m: RegExpMatchArray): string {
  return decodeURIComponent(m[1] ?? '');
}

/** `name`, `name:qualifier`, an ARN or a partial ARN -> the function's name. */
export function functionNameOf(ref: string): string {
  return ref.startsWith('arn:') ? (ref.split(':')[6] ?? '') : (ref.split(':')[0] ?? '');
}

function qualifierOf(ref: string): string {
  const parts = ref.split(':');
  return (ref.startsWith('arn:') ? parts[7] : parts[1]) ?? '$LATEST';
}

function configurationOf(runtime: LambdaRuntime, d: FunctionDefinition): Record<string, unknown> {
  return {
    FunctionName: d.name,
    FunctionArn: runtime.arnOf(d.name),
    Runtime: d.runtime ?? 'nodejs22.x',
    Handler: d.handler ?? `${d.exportName}`,
    MemorySize: d.memoryMb,
    Timeout: d.timeoutSeconds,
    Version: '$LATEST',
    PackageType: 'Zip',
    State: 'Active',
    LastUpdateStatus: 'Successful',
    Architectures: ['x86_64'],
    TracingConfig: { Mode: 'PassThrough' },
    ...(d.durable
      ? {
          DurableConfig: {
            ExecutionTimeout: d.durable.executionTimeoutSeconds,
            RetentionPeriodInDays: d.durable.retentionPeriodInDays,
          },
        }
      : {}),
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function numberOf(q: URLSearchParams, key: string): number | undefined {
  const raw = q.get(key);
  if (raw === null) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new LambdaApiError('InvalidParameterValueException', `${key} must be a positive whole number, got "${raw}"`);
  return n;
}

function dateOf(raw: string): Date {
  const date = /^\d+(\.\d+)?$/.test(raw) ? new Date(Number(raw) * 1000) : new Date(raw);
  if (Number.isNaN(date.getTime()))
    throw new LambdaApiError('InvalidParameterValueException', `Invalid timestamp: ${raw}`);
  return date;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new LambdaApiError('InvalidRequestContentException', 'Could not parse request body into json');
  }
}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit)
      throw new LambdaApiError('RequestTooLargeException', `Request must be smaller than ${limit} bytes for the call`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function readJson(req: IncomingMessage, optional = false): Promise<unknown> {
  const raw = await readBody(req, MAX_SYNC_PAYLOAD);
  if (raw === '' && optional) return undefined;
  return parseJson(raw === '' ? '{}' : raw);
}

/** JSON with timestamps as epoch seconds, REST-JSON's default for the Lambda API. */
function toJson(body: unknown): string {
  return JSON.stringify(body, function (this: Record<string, unknown>, key, value) {
    const original = this[key];
    return original instanceof Date ? original.getTime() / 1000 : value;
  });
}
