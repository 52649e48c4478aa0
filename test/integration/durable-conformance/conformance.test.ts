import path from 'node:path';
import {
  GetDurableExecutionCommand,
  GetDurableExecutionHistoryCommand,
  InvokeCommand,
  LambdaClient,
  SendDurableExecutionCallbackSuccessCommand,
  StopDurableExecutionCommand,
  type Event,
} from '@aws-sdk/client-lambda';
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
  const deploy = (name: string, file: string, exportName: string) =>
    cloud.runtime.deploy({
      name,
      entry: path.join(PROJECT_ROOT, 'test/integration/durable-conformance', file),
      exportName,
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
  await deploy(FUNCTION, 'handler.ts', 'handler');
  await deploy('durable-crashy', 'operator-handlers.ts', 'crashy');
  await deploy('durable-approval', 'operator-handlers.ts', 'approval');
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

async function historyOf(arn: string): Promise<Event[]> {
  const { Events = [] } = await lambda.send(
    new GetDurableExecutionHistoryCommand({ DurableExecutionArn: arn, IncludeExecutionData: true }),
  );
  return Events;
}

/** Polls the history until `found` holds (the execution's progress is observable state). */
async function waitForHistory(arn: string, found: (events: Event[]) => boolean): Promise<Event[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const events = await historyOf(arn);
    if (found(events)) return events;
    if (Date.now() > deadline) throw new Error(`history of ${arn} never showed it: ${JSON.stringify(events)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const named = (events: Event[], name: string, type: string) =>
  events.filter((e) => e.Name === name && e.EventType === type).length;

async function start(functionName: string, payload: unknown, name: string): Promise<string> {
  const { DurableExecutionArn, StatusCode } = await lambda.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'Event',
      DurableExecutionName: name,
      Payload: Buffer.from(JSON.stringify(payload)),
    }),
  );
  expect(StatusCode).toBe(202);
  return DurableExecutionArn ?? '';
}

it('resumes from its checkpoint log after its execution environment is killed mid-step', async () => {
  const arn = await start('durable-crashy', {}, `crash-${process.pid}`);
  await waitForHistory(arn, (events) => named(events, 'slow', 'StepStarted') === 1);
  expect(await cloud.runtime.crashAll()).toBe(1);
  const events = await waitForHistory(arn, (e) => e.at(-1)?.EventType === 'ExecutionSucceeded');
  // The crashed invocation is on record; the next one replayed 'first' from the log and ran the
  // interrupted step again (steps are at-least-once), to the end.
  expect(
    events.filter((e) => e.EventType === 'InvocationCompleted').map((e) => e.InvocationCompletedDetails?.Error),
  ).toEqual([{ Payload: expect.objectContaining({ ErrorType: 'Sandbox.Crashed' }) }, undefined]);
  expect([named(events, 'first', 'StepStarted'), named(events, 'first', 'StepSucceeded')]).toEqual([1, 1]);
  expect([named(events, 'slow', 'StepStarted'), named(events, 'slow', 'StepSucceeded')]).toEqual([1, 1]);
  const described = await lambda.send(new GetDurableExecutionCommand({ DurableExecutionArn: arn }));
  expect(JSON.parse(described.Result ?? '')).toEqual({ first: 'done', slow: 'finally' });
}, 40_000);

it('waits for an operator callback, and an operator can stop an execution', async () => {
  const arn = await start('durable-approval', { amount: 42 }, `approve-${process.pid}`);
  const started = await waitForHistory(arn, (events) => events.some((e) => e.EventType === 'CallbackStarted'));
  const callbackId = started.find((e) => e.EventType === 'CallbackStarted')?.CallbackStartedDetails?.CallbackId;
  await lambda.send(
    new SendDurableExecutionCallbackSuccessCommand({ CallbackId: callbackId, Result: Buffer.from('yes') }),
  );
  await waitForHistory(arn, (e) => e.at(-1)?.EventType === 'ExecutionSucceeded');
  const approved = await lambda.send(new GetDurableExecutionCommand({ DurableExecutionArn: arn }));
  expect(JSON.parse(approved.Result ?? '')).toEqual({ amount: 42, decision: 'yes' });

  // Same name, same input: the execution already there, nothing new; a different input is refused.
  expect(await start('durable-approval', { amount: 42 }, `approve-${process.pid}`)).toBe(arn);
  await expect(start('durable-approval', { amount: 7 }, `approve-${process.pid}`)).rejects.toMatchObject({
    name: 'DurableExecutionAlreadyStartedException',
  });

  const waiting = await start('durable-approval', { amount: 1 }, `stop-${process.pid}`);
  await waitForHistory(waiting, (events) => events.some((e) => e.EventType === 'CallbackStarted'));
  await lambda.send(new StopDurableExecutionCommand({ DurableExecutionArn: waiting }));
  const stopped = await lambda.send(new GetDurableExecutionCommand({ DurableExecutionArn: waiting }));
  expect(stopped.Status).toBe('STOPPED');
  expect((await historyOf(waiting)).at(-1)?.EventType).toBe('ExecutionStopped');
}, 40_000);
