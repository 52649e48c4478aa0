import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { LambdaInvocationError, type LambdaInvoker } from './types.ts';

export interface HttpRoute {
  method: string;
  /** API Gateway path with `{param}` segments. */
  path: string;
  functionName: string;
}

/** Above API Gateway's 10 MB payload limit the request is refused before any function runs. */
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

/**
 * Requests invoking a function at once (running or waiting for an environment) before the API
 * throttles: past it a request is answered 429 at once, as API Gateway answers when its target
 * is throttled, and the client retries later. The backlog of an overload then waits with the
 * clients, not in the local cloud where it would crowd out the orders already accepted.
 */
export const DEFAULT_MAX_PENDING_REQUESTS = 64;

/**
 * A local API Gateway HTTP API (payload format 2.0) in front of the runtime, for the in-process
 * cloud (`npm start`, tests). `sls offline start` uses serverless-offline's instead.
 */
export class LocalHttpApi {
  private server: Server | undefined;
  private pending = 0;
  url = '';

  constructor(
    private readonly routes: HttpRoute[],
    private readonly invoker: LambdaInvoker,
    private readonly maxPending = DEFAULT_MAX_PENDING_REQUESTS,
  ) {}

  async start(port: number, host = '127.0.0.1'): Promise<string> {
    // No request or headers timeout (Node's defaults: 300 s and 60 s, then a 408): on a busy machine
    // a request waits for the local cloud, as its order would, and is never refused for the wait
    // (a 5000-order run at 500/s lost 178 step-functions orders to 408s).
    this.server = createServer({ requestTimeout: 0, headersTimeout: 0 }, (req, res) => {
      this.handle(req).then(
        ({ status, headers, body }) => res.writeHead(status, headers).end(body),
        () => res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"InternalError"}'),
      );
    });
    await new Promise<void>((resolve) => this.server?.listen(port, host, resolve));
    this.url = `http://${host}:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(
    req: IncomingMessage,
  ): Promise<{ status: number; headers: Record<string, string>; body: string }> {
    const url = new URL(req.url ?? '/', 'http://local');
    const match = this.match(req.method ?? 'GET', url.pathname);
    if (!match)
      return { status: 404, headers: { 'content-type': 'application/json' }, body: '{"message":"Not Found"}' };
    const body = await readBody(req);
    if (body === undefined)
      return {
        status: 413,
        headers: { 'content-type': 'application/json' },
        body: '{"message":"Request Entity Too Large"}',
      };
    const event = toEvent(req, url, match.route, match.params, body);
    if (this.pending >= this.maxPending) {
      return {
        status: 429,
        headers: { 'content-type': 'application/json', 'retry-after': '1' },
        body: '{"message":"Too Many Requests"}',
      };
    }
    this.pending++;
    try {
      return toResponse(await this.invoker.invoke(match.route.functionName, event, { frontDoor: true }));
    } catch (error) {
      // API Gateway answers a crashed integration with 500 and a fixed body.
      const message = error instanceof LambdaInvocationError ? 'Internal Server Error' : 'Service Unavailable';
      return {
        status: error instanceof LambdaInvocationError ? 500 : 503,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ message }),
      };
    } finally {
      this.pending--;
    }
  }

  private match(method: string, pathname: string): { route: HttpRoute; params: Record<string, string> } | undefined {
    for (const route of this.routes) {
      if (route.method.toUpperCase() !== method.toUpperCase() && route.method !== '*') continue;
      const names: string[] = [];
      const pattern = new RegExp(
        `^${route.path.replace(/\{([^}]+)\}/g, (_m, name: string) => (names.push(name), '([^/]+)'))}$`,
      );
      const found = pattern.exec(pathname);
      if (found)
        return { route, params: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(found[i + 1] ?? '')])) };
    }
    return undefined;
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function toEvent(
  req: IncomingMessage,
  url: URL,
  route: HttpRoute,
  params: Record<string, string>,
  body: Buffer,
): APIGatewayProxyEventV2 {
  const headers = Object.fromEntries(
    Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]),
  );
  const text = body.toString('utf8');
  // API Gateway base64-encodes bodies that are not valid UTF-8 text.
  const isBase64Encoded = Buffer.compare(Buffer.from(text, 'utf8'), body) !== 0;
  const now = new Date();
  return {
    version: '2.0',
    routeKey: `${route.method.toUpperCase()} ${route.path}`,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(url.search ? { queryStringParameters: Object.fromEntries(url.searchParams) } : {}),
    ...(Object.keys(params).length ? { pathParameters: params } : {}),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: `${route.method.toUpperCase()} ${route.path}`,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length ? { body: isBase64Encoded ? body.toString('base64') : text } : {}),
    isBase64Encoded,
  };
}

function toResponse(result: unknown): { status: number; headers: Record<string, string>; body: string } {
  if (result && typeof result === 'object' && 'statusCode' in result) {
    const r = result as {
      statusCode: number;
      headers?: Record<string, string>;
      body?: string;
      isBase64Encoded?: boolean;
    };
    const body = r.isBase64Encoded && r.body ? Buffer.from(r.body, 'base64').toString('utf8') : (r.body ?? '');
    return { status: r.statusCode, headers: r.headers ?? {}, body };
  }
  // Payload 2.0: a non-response result is JSON with status 200.
  return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(result ?? null) };
}
