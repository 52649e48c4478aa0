import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { FunctionDefinition, LambdaRuntime } from './lambda-runtime.ts';
import { LambdaInvocationError } from './types.ts';

/** Lambda's synchronous payload limit: a larger request is refused before anything runs. */
const MAX_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024;
/** Lambda's asynchronous (Event) payload limit. */
const MAX_ASYNC_PAYLOAD_BYTES = 1024 * 1024;

/**
 * The local cloud's Lambda API (REST-JSON, `/2015-03-31/...`), so the AWS SDK's LambdaClient and
 * `aws lambda` work against the in-process runtime: `Invoke` (RequestResponse, Event, DryRun),
 * `ListFunctions` and `GetFunction`. An Event invocation is queued and answered 202 at once; the
 * runtime retries a failed one per the function's async config, then sends it to its on-failure
 * destination, as Lambda does.
 */
export class LocalLambdaApi {
  private server: Server | undefined;
  url = '';

  constructor(private readonly runtime: LambdaRuntime) {}

  async start(port: number, host = '127.0.0.1'): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) =>
        sendError(res, 500, 'ServiceException', error instanceof Error ? error.message : String(error)),
      );
    });
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', reject);
      this.server?.listen(port, host, resolve);
    });
    this.url = `http://${host}:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    const invoke = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/.exec(url.pathname);
    if (invoke && req.method === 'POST') return this.invoke(req, res, decodeURIComponent(invoke[1] ?? ''));
    if (/^\/2015-03-31\/functions\/?$/.test(url.pathname) && req.method === 'GET') {
      const functions = this.runtime.list().map((fn) => this.configurationOf(fn));
      return sendJson(res, 200, { Functions: functions });
    }
    const get = /^\/2015-03-31\/functions\/([^/]+)\/?$/.exec(url.pathname);
    if (get && req.method === 'GET') {
      const fn = this.find(decodeURIComponent(get[1] ?? ''));
      if (!fn) return notFound(res, this.runtime.arnOf(decodeURIComponent(get[1] ?? '')));
      return sendJson(res, 200, {
        Configuration: this.configurationOf(fn),
        Code: { RepositoryType: 'S3', Location: '' },
      });
    }
    return sendError(res, 404, 'UnknownOperationException', `no operation at ${req.method} ${url.pathname}`);
  }

  private async invoke(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    const type = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    if (!['RequestResponse', 'Event', 'DryRun'].includes(type))
      return sendError(res, 400, 'InvalidParameterValueException', `InvocationType ${type} is not valid`);
    const fn = this.find(name);
    if (!fn) return notFound(res, this.runtime.arnOf(name));
    const body = await readBody(req);
    const limit = type === 'Event' ? MAX_ASYNC_PAYLOAD_BYTES : MAX_SYNC_PAYLOAD_BYTES;
    if (body.length > limit)
      return sendError(
        res,
        413,
        'RequestTooLargeException',
        `Request must be smaller than ${limit} bytes for the ${type === 'Event' ? 'InvokeAsync' : 'Invoke'} operation`,
      );
    let event: unknown = {};
    try {
      event = body.length ? JSON.parse(body.toString('utf8')) : {};
    } catch {
      return sendError(res, 400, 'InvalidRequestContentException', 'Could not parse request body into json');
    }
    const requestId = randomUUID();
    const common = { 'x-amzn-requestid': requestId, 'x-amz-executed-version': '$LATEST' };
    if (type === 'DryRun') return void res.writeHead(204, common).end();
    if (type === 'Event') {
      await this.runtime.invokeAsync(fn.name, event);
      return void res.writeHead(202, common).end();
    }
    try {
      const result = await this.runtime.invoke(fn.name, event);
      res.writeHead(200, { ...common, 'content-type': 'application/json' }).end(JSON.stringify(result ?? null));
    } catch (error) {
      if (!(error instanceof LambdaInvocationError)) throw error;
      // A function error is a 200 with X-Amz-Function-Error and the error as the payload.
      res
        .writeHead(200, { ...common, 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled' })
        .end(JSON.stringify({ errorType: error.errorType, errorMessage: error.errorMessage }));
    }
  }

  private find(ref: string): FunctionDefinition | undefined {
    const name = ref.startsWith('arn:') ? (ref.split(':')[6] ?? '') : (ref.split(':')[0] ?? '');
    return this.runtime.list().find((fn) => fn.name === name);
  }

  private configurationOf(fn: FunctionDefinition): Record<string, unknown> {
    return {
      FunctionName: fn.name,
      FunctionArn: this.runtime.arnOf(fn.name),
      Runtime: 'nodejs22.x',
      Handler: `${fn.entry.split('/').pop()?.replace(/\.ts$/, '')}.${fn.exportName}`,
      MemorySize: fn.memoryMb,
      Timeout: fn.timeoutSeconds,
      Version: '$LATEST',
      PackageType: 'Zip',
      Architectures: ['x86_64'],
      State: 'Active',
      LastUpdateStatus: 'Successful',
      Environment: { Variables: fn.environment },
    };
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID() });
  res.end(JSON.stringify(body));
}

/** Lambda's error shape: the type in `x-amzn-ErrorType` and the body, as the SDK parses it. */
function sendError(res: ServerResponse, status: number, type: string, message: string): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, {
    'content-type': 'application/json',
    'x-amzn-errortype': type,
    'x-amzn-requestid': randomUUID(),
  });
  res.end(JSON.stringify({ Type: 'User', message }));
}

function notFound(res: ServerResponse, arn: string): void {
  sendError(res, 404, 'ResourceNotFoundException', `Function not found: ${arn}`);
}
