import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  GetDurableExecutionCommand,
  GetDurableExecutionHistoryCommand,
  LambdaClient,
  ListDurableExecutionsByFunctionCommand,
  ListFunctionsCommand,
  type Event,
} from '@aws-sdk/client-lambda';
import { checkInvariants } from '#domain/invariants';
import { EXHAUSTING_TOKEN, PATH_CASES } from '#test/helpers/path-cases';
import { runPathCase } from '#test/helpers/path-assertions';
import { order, startVariant, type VariantHarness } from '#test/helpers/variant-harness';

const run = promisify(execFile);

let harness: VariantHarness;
let lambda: LambdaClient;
let workflow: string;

beforeAll(async () => {
  harness = await startVariant('durable-functions');
  lambda = new LambdaClient({
    region: harness.cloud.region,
    endpoint: harness.cloud.endpoints.lambda,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  workflow = harness.stack.functions.orderWorkflow ?? '';
}, 120_000);

afterAll(async () => {
  lambda?.destroy();
  await harness?.stop();
});

async function executionOf(orderId: string) {
  const { DurableExecutions = [] } = await lambda.send(
    new ListDurableExecutionsByFunctionCommand({ FunctionName: workflow, DurableExecutionName: orderId }),
  );
  return DurableExecutions;
}

async function historyOf(arn: string): Promise<Event[]> {
  const { Events = [] } = await lambda.send(
    new GetDurableExecutionHistoryCommand({ DurableExecutionArn: arn, IncludeExecutionData: true }),
  );
  return Events;
}

/** Events of one step (by name) of a given type. */
const stepEvents = (events: Event[], name: string, type: string) =>
  events.filter((e) => e.Name === name && e.EventType === type);

describe('durable-functions: the shared paths', () => {
  it.each(PATH_CASES.map((c) => [c.name, c] as const))('%s', async (_name, pathCase) => {
    const before = new Set((await harness.probe.allOrders()).map((o) => o.orderId));
    await runPathCase(harness, pathCase);
    const [orderId] = (await harness.probe.allOrders()).map((o) => o.orderId).filter((id) => !before.has(id));
    const [execution, ...others] = await executionOf(orderId ?? '');
    expect(others).toEqual([]);
    // Business outcomes are handled by the saga in code: the execution itself succeeds.
    expect(execution?.Status).toBe('SUCCEEDED');

    if (pathCase.paymentToken === 'tok_flaky_2') {
      const events = await historyOf(execution?.DurableExecutionArn ?? '');
      // Two retries of charge-payment, each a new invocation that replayed the log: the step ran
      // three times, validate-order (completed before) only once.
      const retries = stepEvents(events, 'charge-payment', 'StepFailed');
      expect(retries.map((e) => e.StepFailedDetails?.RetryDetails?.CurrentAttempt)).toEqual([1, 2]);
      expect(retries.map((e) => e.StepFailedDetails?.Error?.Payload?.ErrorType)).toEqual([
        'TransientDependencyError',
        'TransientDependencyError',
      ]);
      expect(stepEvents(events, 'charge-payment', 'StepSucceeded')).toHaveLength(1);
      expect(stepEvents(events, 'validate-order', 'StepStarted')).toHaveLength(1);
      expect(events.filter((e) => e.EventType === 'InvocationCompleted').length).toBeGreaterThanOrEqual(3);
      expect(events.at(-1)?.EventType).toBe('ExecutionSucceeded');
    }
  });
});

describe('durable-functions: executions', () => {
  it('starts nothing new when the same order is posted again', async () => {
    const command = order();
    expect((await harness.post(command)).status).toBe(202);
    await harness.waitFor(command.orderId);
    expect((await harness.post(command)).status).toBe(200);
    await harness.cloud.idle();
    expect(await executionOf(command.orderId)).toHaveLength(1);
    expect((await harness.probe.ledger(command.orderId)).filter((e) => e.kind === 'charge')).toHaveLength(1);
  });

  it('parks an order FAILED when the charge retries run out, after three attempts', async () => {
    const command = order({ paymentToken: EXHAUSTING_TOKEN, items: [{ sku: 'SKU-DOCK', qty: 1 }] });
    expect((await harness.post(command)).status).toBe(202);
    const failed = await harness.waitFor(command.orderId);
    expect(failed.status).toBe('FAILED');
    expect(failed.reason).toBe('TransientDependencyError@charge-payment');
    await harness.cloud.idle();
    const [execution] = await executionOf(command.orderId);
    const described = await lambda.send(
      new GetDurableExecutionCommand({ DurableExecutionArn: execution?.DurableExecutionArn }),
    );
    expect(described).toMatchObject({
      DurableExecutionName: command.orderId,
      Status: 'FAILED',
      Error: { ErrorType: 'OrderFailed' },
    });
    const events = await historyOf(described.DurableExecutionArn ?? '');
    expect(stepEvents(events, 'charge-payment', 'StepFailed')).toHaveLength(3);
    expect(stepEvents(events, 'fail-order', 'StepSucceeded')).toHaveLength(1);
    expect((await harness.probe.ledger(command.orderId)).filter((e) => e.kind === 'charge')).toHaveLength(0);
    expect(
      checkInvariants(await harness.probe.snapshot([command.orderId])).filter((v) => v.orderId === command.orderId),
    ).toEqual([]);
  });

  it('lists its functions, with the orchestrator durable, through the SDK and the AWS CLI', async () => {
    const { Functions = [] } = await lambda.send(new ListFunctionsCommand({}));
    const names = Functions.map((f) => f.FunctionName).sort();
    expect(names).toEqual(Object.values(harness.stack.functions).sort());
    expect(Functions.find((f) => f.FunctionName === workflow)?.DurableConfig).toEqual({
      ExecutionTimeout: 90_000,
      RetentionPeriodInDays: 14,
    });

    const env = { ...process.env, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_DEFAULT_REGION: 'us-east-1' };
    const cli = (...args: string[]) =>
      run('aws', ['--endpoint-url', harness.cloud.endpoints.lambda, 'lambda', ...args, '--output', 'json'], { env });
    const listed = JSON.parse((await cli('list-functions')).stdout) as { Functions: Array<{ FunctionName: string }> };
    expect(listed.Functions.map((f) => f.FunctionName).sort()).toEqual(names);

    const command = order({ paymentToken: 'tok_flaky_2', items: [{ sku: 'SKU-CABLE', qty: 1 }] });
    await harness.post(command);
    await harness.waitFor(command.orderId);
    await harness.cloud.idle();
    const [execution] = await executionOf(command.orderId);
    const history = JSON.parse(
      (await cli('get-durable-execution-history', '--durable-execution-arn', execution?.DurableExecutionArn ?? ''))
        .stdout,
    ) as { Events: Array<{ EventType: string; Name?: string }> };
    const charge = history.Events.filter((e) => e.Name === 'charge-payment').map((e) => e.EventType);
    expect(charge).toEqual(['StepStarted', 'StepFailed', 'StepStarted', 'StepFailed', 'StepStarted', 'StepSucceeded']);
  });
});
