import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { recordUsage } from '../observability/usage.ts';
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
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

function recordCapacity(consumed: unknown, isWrite: boolean): void {
  const list = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
  for (const entry of list as { CapacityUnits?: number; ReadCapacityUnits?: number; WriteCapacityUnits?: number }[]) {
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
      (next) => async (args) => {
        const bytes = Buffer.byteLength(JSON.stringify(args.input ?? {}));
        recordUsage('sqsRequests', Math.max(1, Math.ceil(bytes / 65536)));
        return next(args);
      },
      { step: 'initialize', name: 'meterRequests' },
    );
  }
  return client;
}

export function createSqsClient(options: ClientOptions = {}): SQSClient {
  return meterSqsRequests(new SQSClient(baseConfig('sqs', options)), options);
}

export function createEventBridgeClient(options: ClientOptions = {}): EventBridgeClient {
  // Events are billed per 64 KB chunk of each entry; the bus counts them as it accepts them.
  return new EventBridgeClient(baseConfig('eventbridge', options));
}

export function createSfnClient(options: ClientOptions = {}): SFNClient {
  return new SFNClient(baseConfig('sfn', options));
}

export function createLambdaClient(options: ClientOptions = {}): LambdaClient {
  return new LambdaClient(baseConfig('lambda', options));
}
