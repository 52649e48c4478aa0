import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
  type ExecutionListItem,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { createDynamoDocumentClient } from '#adapters/clients';
import { DynamoOrderRepository } from '#adapters/dynamo-order-repository';
import { systemClock } from '#domain/ports';
import { createReviewOrder } from '#domain/review-order';
import { RunInstruments } from '#lib/run-instruments';
import { describeReviewCases, placeAndPark, REVIEW_TEST_PARAMS } from '#test/helpers/review-cases';
import { startVariant, type VariantHarness } from '#test/helpers/variant-harness';
import { eventually } from '#test/helpers/wait';

/**
 * step-functions waits for a review in a `.waitForTaskToken` Task (AwaitReview): the shared review
 * cases through its API, then what is particular to it: the execution waits in AwaitReview with no
 * function running, the review API hands the token back, and the AWS CLI does the same.
 */
const MACHINE_ID = 'OrderPipelineStateMachine';
const runFile = promisify(execFile);

let harness: VariantHarness;
let sfn: SFNClient;
const instruments = new RunInstruments();
let stateMachineArn: string;

beforeAll(async () => {
  harness = await startVariant('step-functions', { deploy: { params: REVIEW_TEST_PARAMS }, cloud: { instruments } });
  sfn = new SFNClient({
    region: harness.cloud.region,
    endpoint: harness.cloud.endpoints.stepfunctions,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  stateMachineArn = harness.stack.resources.get(MACHINE_ID)?.ref ?? '';
}, 120_000);

afterAll(async () => {
  sfn?.destroy();
  await harness?.stop();
});

describeReviewCases(() => harness);

async function executionOf(orderId: string): Promise<ExecutionListItem> {
  const { executions = [] } = await sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 1000 }));
  const execution = executions.find((e) => e.name === orderId);
  if (!execution) throw new Error(`no execution for ${orderId}`);
  return execution;
}

async function historyOf(executionArn: string | undefined): Promise<HistoryEvent[]> {
  const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
  return events;
}

const enteredStates = (events: HistoryEvent[]) =>
  events.filter((e) => e.type?.endsWith('StateEntered')).map((e) => e.stateEnteredEventDetails?.name);

describe('step-functions: how the order waits', () => {
  it('waits in the AwaitReview task with no function running, and goes on at ChargePayment once approved', async () => {
    const parked = await placeAndPark(harness);
    const execution = await executionOf(parked.orderId);
    expect(execution.status).toBe('RUNNING');
    // The park function ran and returned (TaskSubmitted): the task, not a function, waits for the token.
    let waiting: HistoryEvent[] = [];
    await eventually(async () => {
      waiting = await historyOf(execution.executionArn);
      return waiting.at(-1)?.type === 'TaskSubmitted';
    }, 'the AwaitReview task submitted');
    expect(enteredStates(waiting).at(-1)).toBe('AwaitReview');

    expect((await harness.review(parked.orderId, { decision: 'approve', reviewer: 'ada' })).status).toBe(202);
    expect((await harness.waitFor(parked.orderId)).status).toBe('CONFIRMED');
    await harness.cloud.idle();
    const done = await historyOf(execution.executionArn);
    expect(done.map((e) => e.type)).toEqual(expect.arrayContaining(['TaskSucceeded', 'ExecutionSucceeded']));
    expect(enteredStates(done)).toEqual([
      'ValidateOrder',
      'NeedsReview',
      'AwaitReview',
      'ChargePayment',
      'ReserveInventory',
      'SendConfirmation',
    ]);
  });

  it('ends a rejected order in ReviewEnded without running a compensation', async () => {
    await harness.cloud.idle();
    instruments.reset();
    const parked = await placeAndPark(harness);
    expect((await harness.review(parked.orderId, { decision: 'reject', reviewer: 'bob' })).status).toBe(202);
    await harness.waitFor(parked.orderId);
    await harness.cloud.idle();
    const events = await historyOf((await executionOf(parked.orderId)).executionArn);
    expect(events.find((e) => e.type === 'TaskFailed')?.taskFailedEventDetails?.error).toBe('ReviewRejected');
    expect(enteredStates(events).slice(-2)).toEqual(['AwaitReview', 'ReviewEnded']);
    // The wait's transitions: AwaitReview and ReviewEnded, of ValidateOrder, NeedsReview and those.
    const counts = instruments.counters();
    expect([counts['wait.stateTransitions' as 'stateTransitions'], counts.stateTransitions]).toEqual([2, 4]);
  });

  it('resumes a recorded approval with `aws stepfunctions send-task-success`, as the review API does', async () => {
    const parked = await placeAndPark(harness);
    const { executionArn } = await executionOf(parked.orderId);
    // What the review API does first: the decision, in its one conditional write...
    const orders = new DynamoOrderRepository({
      tableName: harness.probe.tables.orders,
      client: createDynamoDocumentClient({ config: harness.cloud.awsConfig, metered: false }),
    });
    const reviewOrder = createReviewOrder({ orders, clock: systemClock, variant: 'step-functions' });
    expect((await reviewOrder(parked.orderId, { decision: 'approve', reviewer: 'ops' })).recorded).toBe(true);
    // ...then, by hand, its resume: the task token stored with the review, sent back with the CLI.
    const token = (await harness.probe.order(parked.orderId))?.review?.token ?? '';
    await runFile(
      'aws',
      [
        'stepfunctions',
        'send-task-success',
        '--task-token',
        token,
        '--task-output',
        JSON.stringify({ decision: 'approve', reviewer: 'ops' }),
        '--endpoint-url',
        harness.cloud.endpoints.stepfunctions,
      ],
      { env: { ...process.env, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_DEFAULT_REGION: 'us-east-1' } },
    );
    expect((await harness.waitFor(parked.orderId)).status).toBe('CONFIRMED');
    await harness.cloud.idle();
    expect((await harness.probe.ledger(parked.orderId)).filter((e) => e.kind === 'charge')).toHaveLength(1);
    const events = await historyOf(executionArn);
    expect(events.find((e) => e.type === 'TaskSucceeded')?.taskSucceededEventDetails?.output).toBe(
      JSON.stringify({ decision: 'approve', reviewer: 'ops' }),
    );
    // The token is spent: sending it again is refused as on AWS.
    await expect(
      runFile(
        'aws',
        [
          'stepfunctions',
          'send-task-success',
          '--task-token',
          token,
          '--task-output',
          '{}',
          '--endpoint-url',
          harness.cloud.endpoints.stepfunctions,
        ],
        {
          env: { ...process.env, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_DEFAULT_REGION: 'us-east-1' },
        },
      ),
    ).rejects.toMatchObject({ stderr: expect.stringContaining('TaskDoesNotExist') });
  });
});
