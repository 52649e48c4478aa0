import path from 'node:path';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { CloudDurableTestRunner, LocalDurableTestRunner, type TestResult } from '@aws/durable-execution-sdk-js-testing';
import { PROJECT_ROOT, startLocalCloud, type LocalCloud } from '#cloud/cloud';
import { handler } from './handler.ts';

/**
 * The local cloud's durable executions checked against the SDK's own testing package: the same
 * handler runs under its LocalDurableTestRunner (the SDK team's emulation of the service) and,
 * deployed into the local cloud, under its CloudDurableTestRunner (which drives a real endpoint
 * through Invoke and GetDurableExecutionHistory). Both must show the same operations, the same
 * history and the same outcome.
 */
let cloud: LocalCloud;
let lambda: LambdaClient;
const FUNCTION = 'durable-conformance';

beforeAll(async () => {
  cloud = await startLocalCloud({
    ports: { dynamodb: 0, sqs: 0, lambda: 0 },
    optional: [],
  });
  await cloud.runtime.deploy({
    name: FUNCTION,
    entry: path.join(PROJECT_ROOT, 'test/integration/durable-conformance/handler.ts'),
    exportName: 'handler',
    environment: {
      AWS_ENDPOINT_URL_LAMBDA: cloud.endpoints.lambda,
      AWS_REGION: cloud.region,
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'x',
    },
    memoryMb: 256,
    timeoutSeconds: 30,
    durable: { executionTimeoutSeconds: 300, retentionPeriodInDays: 1 },
    async: { maximumRetryAttempts: 0, maximumEventAgeSeconds: 60 },
  });
  lambda = new LambdaClient({
    region: cloud.region,
    endpoint: cloud.endpoints.lambda,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  await LocalDurableTestRunner.setupTestEnvironment({ skipTime: false });
}, 120_000);

afterAll(async () => {
  await LocalDurableTestRunner.teardownTestEnvironment();
  lambda?.destroy();
  await cloud?.stop();
});

/** What both runners must agree on: operations by name, type and status, and their results. */
function shape(result: TestResult) {
  return {
    status: result.getStatus(),
    result: result.getResult(),
    operations: result
      .getOperations()
      .map((op) => ({ name: op.getName(), type: op.getType(), status: op.getStatus() })),
    history: result
      .getHistoryEvents()
      .filter((e) => e.EventType !== 'InvocationCompleted')
      // RetryDetails.CurrentAttempt is left out: the local runner repeats 1 on a step's second
      // failure, where the local cloud records the attempt that failed (1, then 2).
      .map((e) => [e.EventType, e.Name ?? '', e.SubType ?? '']),
  };
}

it('replays like the SDK’s own local runner: same operations, history and result', async () => {
  const payload = { name: 'ada' };
  const local = shape(await new LocalDurableTestRunner({ handlerFunction: handler }).run({ payload }));
  const remote = shape(
    await new CloudDurableTestRunner({ functionName: FUNCTION, client: lambda, config: { pollInterval: 200 } }).run({
      payload,
    }),
  );
  expect(local.status).toBe('SUCCEEDED');
  expect(local.result).toEqual({ greeting: 'hello ada', flaky: 3, caught: 'TypeError', total: 4 });
  expect(remote).toEqual(local);
}, 60_000);
