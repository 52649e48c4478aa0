/**
 * The local cloud's CloudWatch API: `GetMetricData` and `ListMetrics` (plus
 * `GetMetricStatistics`) over the AWS JSON 1.0 protocol with query compatibility
 * (`X-Amz-Target: GraniteServiceVersion20100801.<Operation>`), which is what the pinned
 * `@aws-sdk/client-cloudwatch` and the AWS CLI v1 (botocore) both speak. The answers come from
 * the {@link MetricStore} the emulators fill as they work.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isStatistic, STATISTICS, type MetricStore, type Statistic } from './metric-store.ts';

const TARGET_PREFIX = 'GraniteServiceVersion20100801.';

export interface CloudWatchServer {
  url: string;
  stop(): Promise<void>;
}

/** An error as CloudWatch answers it: the query-protocol code travels in `x-amzn-query-error`. */
export class CloudWatchApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = code;
  }
}

type Input = Record<string, unknown>;

/** The model's error shapes behind the query-protocol codes: what SDK users see as `error.name`. */
const SHAPES: Record<string, string> = {
  InvalidParameterValue: 'InvalidParameterValueException',
  MissingParameter: 'MissingRequiredParameterException',
  InvalidParameterCombination: 'InvalidParameterCombinationException',
  InternalServiceError: 'InternalServiceFault',
};
type Dimension = { Name: string; Value: string };

export async function startCloudWatch(options: {
  port: number;
  host?: string;
  store: MetricStore;
}): Promise<CloudWatchServer> {
  const host = options.host ?? '127.0.0.1';
  const operations: Record<string, (input: Input) => unknown> = {
    GetMetricData: (input) => getMetricData(options.store, input),
    ListMetrics: (input) => listMetrics(options.store, input),
    GetMetricStatistics: (input) => getMetricStatistics(options.store, input),
  };
  const server = createServer((request, response) => void handle(request, response, operations));
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

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  operations: Record<string, (input: Input) => unknown>,
): Promise<void> {
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const target = request.headers['x-amz-target'];
    const name =
      typeof target === 'string' && target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
    const operation = Object.hasOwn(operations, name) ? operations[name] : undefined;
    if (!operation)
      throw new CloudWatchApiError(
        'InvalidAction',
        `Operation ${String(target ?? '(no X-Amz-Target)')} is not supported`,
      );
    const text = Buffer.concat(chunks).toString('utf8');
    let input: unknown = {};
    try {
      input = text.trim() === '' ? {} : JSON.parse(text);
    } catch {
      throw new CloudWatchApiError('SerializationException', 'The request body is not JSON');
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input))
      throw new CloudWatchApiError('SerializationException', 'The request body is not a JSON object');
    respond(response, 200, operation(input as Input));
  } catch (error) {
    const e =
      error instanceof CloudWatchApiError
        ? error
        : new CloudWatchApiError('InternalServiceError', (error as Error).message, 500);
    response.setHeader('x-amzn-query-error', `${e.code};${e.status < 500 ? 'Sender' : 'Receiver'}`);
    respond(response, e.status, { __type: `com.amazonaws.cloudwatch#${SHAPES[e.code] ?? e.code}`, message: e.message });
  }
}

function respond(response: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/x-amz-json-1.0',
    'Content-Length': Buffer.byteLength(payload),
    'x-amzn-RequestId': randomUUID(),
  });
  response.end(payload);
}

function getMetricData(store: MetricStore, input: Input) {
  const start = timestamp(input, 'StartTime');
  const end = timestamp(input, 'EndTime');
  if (end <= start)
    throw new CloudWatchApiError(
      'InvalidParameterValue',
      'The parameter StartTime must be less than the parameter EndTime.',
    );
  const queries = input.MetricDataQueries;
  if (!Array.isArray(queries) || queries.length === 0)
    throw new CloudWatchApiError('MissingParameter', 'The parameter MetricDataQueries is required.');
  if (queries.length > 500)
    throw new CloudWatchApiError(
      'InvalidParameterValue',
      'The collection MetricDataQueries must not have a size greater than 500.',
    );
  const descending = input.ScanBy !== 'TimestampAscending';
  const results = queries.map((raw, index) => {
    const q = (raw ?? {}) as Input;
    const id = requireString(q, 'Id', `MetricDataQueries.member.${index + 1}`);
    if (!/^[a-z][a-zA-Z0-9_]*$/.test(id))
      throw new CloudWatchApiError(
        'InvalidParameterValue',
        `The value ${id} for parameter MetricDataQueries.member.${index + 1}.Id is not matching the expected pattern ^[a-z][a-zA-Z0-9_]*$.`,
      );
    if (q.Expression !== undefined)
      throw new CloudWatchApiError(
        'InvalidParameterValue',
        `MetricDataQueries.member.${index + 1}.Expression: metric math is not supported by the local cloud; use MetricStat`,
      );
    const stat = (q.MetricStat ?? undefined) as Input | undefined;
    if (!stat)
      throw new CloudWatchApiError('MissingParameter', `MetricDataQueries.member.${index + 1}.MetricStat is required.`);
    const metric = parseMetric((stat.Metric ?? {}) as Input, `MetricDataQueries.member.${index + 1}.MetricStat.Metric`);
    const period = period_(stat.Period, `MetricDataQueries.member.${index + 1}.MetricStat.Period`);
    const statName = statistic(stat.Stat, `MetricDataQueries.member.${index + 1}.MetricStat.Stat`);
    const found = store.query(metric, start, end, period, statName);
    const order = found.timestamps.map((_, i) => i);
    if (descending) order.reverse();
    return {
      Id: id,
      Label: typeof q.Label === 'string' ? q.Label : metric.metricName,
      Timestamps: order.map((i) => found.timestamps[i]! / 1000),
      Values: order.map((i) => found.values[i]!),
      StatusCode: 'Complete',
      ...(q.ReturnData === false ? {} : {}),
    };
  });
  return {
    MetricDataResults: results.filter((_, i) => (queries[i] as Input).ReturnData !== false),
    Messages: [],
  };
}

function getMetricStatistics(store: MetricStore, input: Input) {
  const metric = parseMetric(input, '');
  const stats = Array.isArray(input.Statistics) ? input.Statistics : [];
  const extended = Array.isArray(input.ExtendedStatistics) ? input.ExtendedStatistics : [];
  if (stats.length === 0 && extended.length === 0)
    throw new CloudWatchApiError('MissingParameter', 'Must specify either Statistics or ExtendedStatistics.');
  const start = timestamp(input, 'StartTime');
  const end = timestamp(input, 'EndTime');
  const period = period_(input.Period, 'Period');
  type Point = Record<string, number | Record<string, number>>;
  const byTime = new Map<number, Point>();
  for (const raw of stats) {
    // Statistics takes the simple ones only; a percentile goes in ExtendedStatistics, as on AWS.
    if (!(STATISTICS as readonly unknown[]).includes(raw))
      throw new CloudWatchApiError(
        'InvalidParameterValue',
        `The parameter Statistics must be one of ${STATISTICS.join(', ')}, got ${String(raw)}.`,
      );
    const name = raw as Statistic;
    const found = store.query(metric, start, end, period, name);
    found.timestamps.forEach((t, i) => byTime.set(t, { ...(byTime.get(t) ?? {}), [name]: found.values[i]! }));
  }
  for (const raw of extended) {
    const name = statistic(raw, 'ExtendedStatistics');
    const found = store.query(metric, start, end, period, name);
    found.timestamps.forEach((t, i) => {
      const point = byTime.get(t) ?? {};
      const before = (point.ExtendedStatistics ?? {}) as Record<string, number>;
      byTime.set(t, { ...point, ExtendedStatistics: { ...before, [name]: found.values[i]! } });
    });
  }
  const unit = store.list({ namespace: metric.namespace, metricName: metric.metricName })[0]?.unit ?? 'None';
  return {
    Label: metric.metricName,
    Datapoints: [...byTime.entries()].map(([t, values]) => ({ Timestamp: t / 1000, ...values, Unit: unit })),
  };
}

function listMetrics(store: MetricStore, input: Input) {
  const dims = Array.isArray(input.Dimensions)
    ? (input.Dimensions as Input[]).map((d, i) => ({
        Name: requireString(d, 'Name', `Dimensions.member.${i + 1}`),
        ...(typeof d.Value === 'string' ? { Value: d.Value } : {}),
      }))
    : undefined;
  const series = store.list({
    ...(typeof input.Namespace === 'string' ? { namespace: input.Namespace } : {}),
    ...(typeof input.MetricName === 'string' ? { metricName: input.MetricName } : {}),
    ...(dims ? { dimensions: dims } : {}),
  });
  return {
    Metrics: series.map((s) => ({ Namespace: s.namespace, MetricName: s.metricName, Dimensions: s.dimensions })),
  };
}

function parseMetric(raw: Input, path: string): { namespace: string; metricName: string; dimensions: Dimension[] } {
  const at = (field: string) => (path ? `${path}.${field}` : field);
  const namespace = requireString(raw, 'Namespace', path);
  const metricName = requireString(raw, 'MetricName', path);
  const dimensions = Array.isArray(raw.Dimensions)
    ? (raw.Dimensions as Input[]).map((d, i) => ({
        Name: requireString(d, 'Name', at(`Dimensions.member.${i + 1}`)),
        Value: requireString(d, 'Value', at(`Dimensions.member.${i + 1}`)),
      }))
    : [];
  if (dimensions.length > 30)
    throw new CloudWatchApiError('InvalidParameterValue', `${at('Dimensions')} must not have more than 30 members.`);
  return { namespace, metricName, dimensions };
}

function requireString(raw: Input, field: string, path: string): string {
  const value = raw[field];
  if (typeof value !== 'string' || value === '')
    throw new CloudWatchApiError('MissingParameter', `The parameter ${path ? `${path}.` : ''}${field} is required.`);
  return value;
}

/** JSON 1.0 carries timestamps as epoch seconds (a number); ISO strings are accepted too. */
function timestamp(raw: Input, field: string): number {
  const value = raw[field];
  const ms = typeof value === 'number' ? value * 1000 : typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) throw new CloudWatchApiError('MissingParameter', `The parameter ${field} is required.`);
  return ms;
}

function period_(value: unknown, path: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || (n >= 60 ? n % 60 !== 0 : ![1, 5, 10, 20, 30].includes(n)))
    throw new CloudWatchApiError(
      'InvalidParameterValue',
      `The parameter ${path} must be 1, 5, 10, 20, 30 or a multiple of 60, got ${String(value)}.`,
    );
  return n;
}

function statistic(value: unknown, path: string): Statistic {
  if (!isStatistic(value))
    throw new CloudWatchApiError(
      'InvalidParameterValue',
      `The parameter ${path} must be one of ${STATISTICS.join(', ')} or a percentile (p0 to p100, e.g. p99.9), got ${String(value)}.`,
    );
  return value;
}
