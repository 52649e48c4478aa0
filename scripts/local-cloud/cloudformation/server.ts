/**
 * The local cloud's CloudFormation view: `DescribeStackResources` and `DescribeStacks` over the
 * AWS query protocol (form-encoded request, XML answer), as the AWS SDK v3 and the AWS CLI call
 * them, for the stacks deployed into the local cloud. It is read-only: stacks are deployed from
 * their serverless.yml (scripts/local-cloud/deploy.ts), never through this API.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StackView {
  name: string;
  createdAt: Date;
  resources: Array<{ logicalId: string; physicalId: string; type: string }>;
  outputs: Record<string, string>;
}

export interface CloudFormationServer {
  url: string;
  stop(): Promise<void>;
}

const XMLNS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

export async function startCloudFormationView(options: {
  port: number;
  host?: string;
  region: string;
  account: string;
  stacks: () => StackView[];
}): Promise<CloudFormationServer> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer((request, response) => void handle(request, response, options));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let stopping: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    stop: () => {
      stopping ??= new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return stopping;
    },
  };
}

class ValidationError extends Error {
  override readonly name = 'ValidationError';
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  options: { region: string; account: string; stacks: () => StackView[] },
): Promise<void> {
  const requestId = randomUUID();
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const action = params.get('Action') ?? '';
    const stackId = (s: StackView) =>
      `arn:aws:cloudformation:${options.region}:${options.account}:stack/${s.name}/local`;
    const find = (): StackView => {
      const name = params.get('StackName');
      const all = options.stacks();
      const stack = all.find((s) => s.name === name || stackId(s) === name);
      if (!stack) throw new ValidationError(`Stack with id ${name ?? '(none)'} does not exist`);
      return stack;
    };
    let result: string;
    if (action === 'DescribeStackResources') {
      const physical = params.get('PhysicalResourceId');
      const stack = physical
        ? options.stacks().find((s) => s.resources.some((r) => r.physicalId === physical))
        : params.get('StackName')
          ? find()
          : undefined;
      if (!stack) throw new ValidationError('Either StackName or PhysicalResourceId must be specified (and exist)');
      const logical = params.get('LogicalResourceId');
      const members = stack.resources
        .filter((r) => !logical || r.logicalId === logical)
        .map(
          (r) =>
            `<member><StackId>${xml(stackId(stack))}</StackId><StackName>${xml(stack.name)}</StackName>` +
            `<LogicalResourceId>${xml(r.logicalId)}</LogicalResourceId><PhysicalResourceId>${xml(r.physicalId)}</PhysicalResourceId>` +
            `<ResourceType>${xml(r.type)}</ResourceType><Timestamp>${stack.createdAt.toISOString()}</Timestamp>` +
            '<ResourceStatus>CREATE_COMPLETE</ResourceStatus>' +
            '<DriftInformation><StackResourceDriftStatus>NOT_CHECKED</StackResourceDriftStatus></DriftInformation></member>',
        );
      result = `<StackResources>${members.join('')}</StackResources>`;
    } else if (action === 'DescribeStacks') {
      const stacks = params.get('StackName') ? [find()] : options.stacks();
      const members = stacks.map(
        (s) =>
          `<member><StackId>${xml(stackId(s))}</StackId><StackName>${xml(s.name)}</StackName>` +
          `<CreationTime>${s.createdAt.toISOString()}</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus>` +
          `<Outputs>${Object.entries(s.outputs)
            .map(([k, v]) => `<member><OutputKey>${xml(k)}</OutputKey><OutputValue>${xml(v)}</OutputValue></member>`)
            .join('')}</Outputs></member>`,
      );
      result = `<Stacks>${members.join('')}</Stacks>`;
    } else {
      return send(
        response,
        400,
        errorXml('InvalidAction', `Could not find operation ${action} for version 2010-05-15`, requestId),
      );
    }
    send(
      response,
      200,
      `<?xml version="1.0" encoding="UTF-8"?><${action}Response xmlns="${XMLNS}"><${action}Result>${result}</${action}Result>` +
        `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
    );
  } catch (error) {
    const e = error as Error;
    send(
      response,
      e instanceof ValidationError ? 400 : 500,
      errorXml(e instanceof ValidationError ? 'ValidationError' : 'InternalFailure', e.message, requestId),
    );
  }
}

function errorXml(code: string, message: string, requestId: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?><ErrorResponse xmlns="${XMLNS}"><Error><Type>Sender</Type>` +
    `<Code>${code}</Code><Message>${xml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}

function send(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
}

function xml(text: string): string {
  return text.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!,
  );
}
