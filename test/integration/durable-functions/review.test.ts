import {
  GetDurableExecutionHistoryCommand,
  LambdaClient,
  ListDurableExecutionsByFunctionCommand,
  SendDurableExecutionCallbackSuccessCommand,
  type Event,
  type Execution,
} from '@aws-sdk/client-lambda';
import { RunInstruments } from '#lib/run-instruments';
import { describeReviewCases, placeAndPark, REVIEW_TEST_PARAMS } from '#test/helpers/review-cases';
import { startVariant, type VariantHarness } from '#test/helpers/variant-harness';
import { eventually } from '#test/helpers/wait';

/**
 * durable-functions waits for a review in `waitForCallback`: the shared review cases through its
 * API, then what is particular to it: while the order waits the function is not running (the
 * invocation ended PENDING), and the callback's completion invokes it again, which replays the log
 * without running the completed steps again.
 */
let harness: VariantHarness;
let lambda: LambdaClient;
const instruments = new RunInstruments();
let workflow: string;

beforeAll(async () => {
  harness = await startVariant('durable-functions', {
    deploy: { params: REVIEW_TEST_PARAMS },
    cloud: { instruments },
  });
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

describeReviewCases(() => harness);

async function executionOf(orderId: string): Promise<Execution> {
  const { DurableExecutions = [] } = await lambda.send(
    new ListDurableExecutionsByFunctionCommand({ FunctionName: workflow, DurableExecutionName: orderId }),
  );
  const [execution] = DurableExecutions;
  if (!execution) throw new Error(`no durable execution for ${orderId}`);
  return execution;
}

async function historyOf(arn: string | undefined): Promise<Event[]> {
  const { Events = [] } = await lambda.send(
    new GetDurableExecutionHistoryCommand({ DurableExecutionArn: arn, IncludeExecutionData: true }),
  );
  return Events;
}

const started = (events: Event[], name: string) =>
  events.filter((e) => e.Name === name && e.EventType === 'StepStarted').length;

describe('durable-functions: how the order waits', () => {
  it('ends the invocation while the order waits, and replays the log once the callback completes', async () => {
    await harness.cloud.idle();
    instruments.reset();
    const parked = await placeAndPark(harness);
    const { DurableExecutionArn: arn } = await executionOf(parked.orderId);
    // Waiting: the callback started and the invocation that started it completed (PENDING).
    let waiting: Event[] = [];
    await eventually(async () => {
      waiting = await historyOf(arn);
      return waiting.at(-1)?.EventType === 'InvocationCompleted';
    }, 'the invocation that started the callback to complete');
    const callback = waiting.find((e) => e.EventType === 'CallbackStarted');
    expect(callback?.CallbackStartedDetails?.Timeout).toBe(Number(REVIEW_TEST_PARAMS.reviewTimeoutSeconds));
    expect((await executionOf(parked.orderId)).Status).toBe('RUNNING');

    expect((await harness.review(parked.orderId, { decision: 'approve', reviewer: 'ada' })).status).toBe(202);
    expect((await harness.waitFor(parked.orderId)).status).toBe('CONFIRMED');
    await harness.cloud.idle();
    const events = await historyOf(arn);
    const types = events.map((e) => e.EventType);
    // A new invocation after the callback succeeded, which replayed validate-order (not run again).
    expect(types.indexOf('CallbackSucceeded')).toBeGreaterThan(types.indexOf('InvocationCompleted'));
    expect(types.lastIndexOf('InvocationCompleted')).toBeGreaterThan(types.indexOf('CallbackSucceeded'));
    expect(started(events, 'validate-order')).toBe(1);
    expect(started(events, 'charge-payment')).toBe(1);
    expect(types.at(-1)).toBe('ExecutionSucceeded');
    // What the wait cost in durable operations: the review context, its review-requested step,
    // the waitForCallback context, its callback and its submitter step.
    expect(instruments.counters()['wait.durableOperations' as 'durableOperations']).toBe(5);
  });

  it('answers a completion of a closed callback with CallbackTimeoutException, as AWS does', async () => {
    const parked = await placeAndPark(harness);
    expect((await harness.review(parked.orderId, { decision: 'reject', reviewer: 'bob' })).status).toBe(202);
    await harness.waitFor(parked.orderId);
    const callbackId = (await harness.probe.order(parked.orderId))?.review?.token;
    await expect(
      lambda.send(
        new SendDurableExecutionCallbackSuccessCommand({ CallbackId: callbackId, Result: Buffer.from('{}') }),
      ),
    ).rejects.toMatchObject({ name: 'CallbackTimeoutException' });
  });
});
