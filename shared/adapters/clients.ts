import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { beginAwsCall, recordMetric, recordUsage } from '../observability/usage.ts';
import { awsConfigFromEnv, type AwsConfig, type AwsService } from './config.ts';

/** Options every client factory takes: config from env by default, and whether to meter it. */
export interface ClientOptions {
  config?: AwsConfig;
  /** Count billable units of each call (off for the simulated outside world, which is not ours to pay). */
  metered?: boolean;
}

function baseConfig(service: AwsService, options: ClientOptions) {
  const config = options.config ?? awsConfigFromEnv();
  const endpoint = config.endpoints[service];
  return {
    region: config.region,
    ...(endpoint ? { endpoint } : {}),
    ...(config.credentials ? { credentials: config.credentials } : {}),
    // Steps retry through their transport (SQS redelivery, Step Functions Retry); the SDK's own
    // retries stay short so a dependency outage surfaces as a counted, visible attempt.
    maxAttempts: 2,
  };
}

/** Write operations of DynamoDB: a failed condition still consumes (and bills) a write unit. */
const DYNAMO_WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'BatchWriteItemCommand']);

export function createDynamoDocumentClient(
  options: ClientOptions & { clientConfig?: DynamoDBClientConfig } = {},
): DynamoDBDocumentClient {
  const client = new DynamoDBClient({ ...baseConfig('dynamodb', options), ...options.clientConfig });
  if (options.metered ?? true) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as Record<string, unknown>;
        input.ReturnConsumedCapacity ??= 'TOTAL';
        const isWrite = DYNAMO_WRITES.has(context.commandName ?? '');
        recordUsage('dynamoCalls', 1);
        try {
          const result = await next(args);
          recordCapacity((result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity, isWrite);
          return result;
        } catch (error) {
          if ((error as Error).name === 'ConditionalCheckFailedException')
            recordUsage(isWrite ? 'dynamoWriteUnits' : 'dynamoReadUnits', 1);
          throw error;
        }
      },
      { step: 'initialize', name: 'meterConsumedCapacity' },
    );
  }
  // Timed whether metered or not: the simulated outside world's bookkeeping (its ledger) runs on
  // the local DynamoDB too, and its speed is not the step's own compute either.
  timeAwsCalls(client);
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

function recordCapacity(consumed: unknown, isWrite: boolean): void {
  const list = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
  for (const entry of list as {
    TableName?: string;
    CapacityUnits?: number;
    ReadCapacityUnits?: number;
    WriteCapacityUnits?: number;
  }[]) {
    const reads = entry.ReadCapacityUnits ?? (isWrite ? 0 : (entry.CapacityUnits ?? 0));
    const writes = entry.WriteCapacityUnits ?? (isWrite ? (entry.CapacityUnits ?? 0) : 0);
    if (reads) recordUsage('dynamoReadUnits', reads);
    if (writes) recordUsage('dynamoWriteUnits', writes);
  }
}

/** Counts one billable request per SDK call (SQS bills each API call, in 64 KB chunks). */
function meterSqsRequests(client: SQSClient, options: ClientOptions): SQSClient {
  if (options.metered ?? true) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = (args.input ?? {}) as { QueueUrl?: string; Entries?: unknown[] };
        const bytes = Buffer.byteLength(JSON.stringify(input));
        recordUsage('sqsRequests', Math.max(1, Math.ceil(bytes / 65536)));
        const result = await next(args);
        // What SQS itself reports per queue for the messages a producer sends.
        const sent =
          context.commandName === 'SendMessageCommand'
            ? 1
            : context.commandName === 'SendMessageBatchCommand'
              ? ((result.output as { Successful?: unknown[] }).Successful?.length ?? 0)
              : 0;
        if (sent > 0 && input.QueueUrl)
          recordMetric('AWS/SQS', 'NumberOfMessagesSent', { QueueName: input.QueueUrl.split('/').pop() ?? '' }, sent);
        return result;
      },
      { step: 'initialize', name: 'meterRequests' },
    );
  }
  return client;
}

export function createSqsClient(options: ClientOptions = {}): SQSClient {
  return timed(meterSqsRequests(new SQSClient(baseConfig('sqs', options)), options), options);
}

export function createEventBridgeClient(options: ClientOptions = {}): EventBridgeClient {
  // Events are billed per 64 KB chunk of each entry; the bus counts them as it accepts them.
  return timed(new EventBridgeClient(baseConfig('eventbridge', options)), options);
}

export function createSfnClient(options: ClientOptions = {}): SFNClient {
  return timed(new SFNClient(baseConfig('sfn', options)), options);
}

/**
 * EventBridge Scheduler (one-time schedules for timeouts): its API calls are free; what it bills,
 * each target invocation, the local Scheduler counts as it fires.
 */
export function createSchedulerClient(options: ClientOptions = {}): SchedulerClient {
  return timed(new SchedulerClient(baseConfig('scheduler', options)), options);
}

/** Any SDK v3 client: each has a middleware stack that takes an initialize-step middleware. */
type TimedClient = {
  middlewareStack: { add(middleware: unknown, options: { step: 'initialize'; name: string; priority: 'high' }): void };
};

function timed<C extends TimedClient>(client: C, _options: ClientOptions): C {
  timeAwsCalls(client);
  return client;
}

/**
 * Times every call of a client (the AWS model replaces the local emulators' speed with
 * AWS's: the handler's own compute is its duration minus this time).
 */
function timeAwsCalls(client: TimedClient): void {
  client.middlewareStack.add(
    (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
      const end = beginAwsCall();
      try {
        return await next(args);
      } finally {
        end();
      }
    },
    { step: 'initialize', name: 'timeAwsCalls', priority: 'high' },
  );
}

export function createLambdaClient(options: ClientOptions = {}): LambdaClient {
  // Lambda bills the invocation it runs (counted by the runtime), not the Invoke call itself.
  return new LambdaClient(baseConfig('lambda', options));
}
