import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
  type ExecutionListItem,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { checkInvariants } from '#domain/invariants';
import { redriveStepFunctions } from '#lib/redrive-step-functions';
import { startOrderExecution } from '#services/step-functions/lib/start-execution';
import { EXHAUSTING_TOKEN, PATH_CASES } from '#test/helpers/path-cases';
import { expectSeededMixSound, runPathCase } from '#test/helpers/path-assertions';
import { order, startVariant, type VariantHarness } from '#test/helpers/variant-harness';

/** The machine's logical id in services/step-functions/serverless.yml (`id:`). */
const MACHINE_ID = 'OrderPipelineStateMachine';

let harness: VariantHarness;
let sfn: SFNClient;
let stateMachineArn: string;

beforeAll(async () => {
  harness = await startVariant('step-functions');
  // disableHostPrefix: StartSyncExecution's `sync-` host prefix would not reach 127.0.0.1.
  sfn = new SFNClient({
    region: harness.cloud.region,
    endpoint: harness.cloud.endpoints.stepfunctions,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    disableHostPrefix: true,
  });
  stateMachineArn = harness.stack.resources.get(MACHINE_ID)?.ref ?? '';
}, 120_000);

afterAll(async () => {
  sfn?.destroy();
  await harness?.stop();
});

async function executionsOf(orderId: string): Promise<ExecutionListItem[]> {
  const { executions = [] } = await sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 1000 }));
  return executions.filter((e) => e.name === orderId || e.name?.startsWith(`${orderId}-redrive-`));
}

async function historyOf(executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

/** Lambda calls of one Task state, told apart by the function the state invokes. */
function lambdaCalls(events: HistoryEvent[], functionKey: string) {
  const scheduled = events.filter(
    (e) =>
      e.type === 'LambdaFunctionScheduled' &&
      e.lambdaFunctionScheduledEventDetails?.resource?.endsWith(`-${functionKey}`),
  );
  return {
    scheduled: scheduled.length,
    failedWith: (error: string) =>
      events.filter((e) => e.type === 'LambdaFunctionFailed' && e.lambdaFunctionFailedEventDetails?.error === error)
        .length,
  };
}

describe('step-functions: the shared paths', () => {
  it.each(PATH_CASES.map((c) => [c.name, c] as const))('%s', async (_name, pathCase) => {
    const before = new Set((await harness.probe.allOrders()).map((o) => o.orderId));
    await runPathCase(harness, pathCase);
    const [orderId] = (await harness.probe.allOrders()).map((o) => o.orderId).filter((id) => !before.has(id));
    const [execution] = await executionsOf(orderId ?? '');
    // Business outcomes are handled by the saga: the execution itself succeeds.
    expect(execution?.status).toBe('SUCCEEDED');

    if (pathCase.paymentToken === 'tok_flaky_2') {
      // Two retries of ChargePayment, as AWS records them: three calls, the first two failed.
      const events = await historyOf(execution?.executionArn ?? '');
      const charge = lambdaCalls(events, 'chargePayment');
      expect(charge.scheduled).toBe(3);
      expect(charge.failedWith('TransientDependencyError')).toBe(2);
      expect(events.at(-1)?.type).toBe('ExecutionSucceeded');
    }
  });
});

describe('step-functions: executions', () => {
  it('parks an order FAILED in a FAILED execution when retries run out, and a redrive confirms it', async () => {
    const command = order({ paymentToken: EXHAUSTING_TOKEN, items: [{ sku: 'SKU-DOCK', qty: 1 }] });
    expect((await harness.post(command)).status).toBe(202);
    const failed = await harness.waitFor(command.orderId);
    expect(failed.status).toBe('FAILED');
    expect(failed.reason).toBe('TransientDependencyError@charge-payment');
    await harness.cloud.idle();

    const [execution] = await executionsOf(command.orderId);
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: execution?.executionArn }));
    expect(described).toMatchObject({ name: command.orderId, status: 'FAILED', error: 'OrderFailed' });
    expect(lambdaCalls(await historyOf(described.executionArn ?? ''), 'chargePayment').scheduled).toBe(3);
    // Findable: the invariant checker counts the failed execution as where the order is parked.
    expect(
      checkInvariants(await harness.probe.snapshot([command.orderId])).filter((v) => v.orderId === command.orderId),
    ).toEqual([]);

    expect(await redriveStepFunctions({ sfn, stateMachineArn })).toBeGreaterThanOrEqual(1);
    const recovered = await harness.waitFor(command.orderId, { statuses: ['CONFIRMED'], timeoutMs: 20_000 });
    await harness.cloud.idle();
    // The redriven execution resumed at ChargePayment: validate-order ran once, the charge once.
    expect(recovered.timeline.filter((e) => e.step === 'charge-payment' && e.outcome === 'failed')).toHaveLength(3);
    expect(recovered.timeline.filter((e) => e.step === 'validate-order').map((e) => e.outcome)).toEqual([
      'succeeded',
      'duplicate',
    ]);
    expect((await harness.probe.ledger(command.orderId)).filter((e) => e.kind === 'charge')).toHaveLength(1);
    const executions = await executionsOf(command.orderId);
    expect(executions.map((e) => [e.name, e.status]).sort()).toEqual([
      [command.orderId, 'FAILED'],
      [`${command.orderId}-redrive-1`, 'SUCCEEDED'],
    ]);
    // The order's latest execution succeeded: a second redrive leaves it alone.
    await redriveStepFunctions({ sfn, stateMachineArn });
    expect(await executionsOf(command.orderId)).toHaveLength(2);
  });

  it('runs one execution when the same order is placed twice at once and again later', async () => {
    const command = order({ items: [{ sku: 'SKU-HEADSET', qty: 1 }] });
    const answers = await Promise.all([harness.post(command), harness.post(command)]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 202]);
    await harness.waitFor(command.orderId);
    await harness.cloud.idle();
    // After the execution ended, its name is taken (ExecutionAlreadyExists): a late start is a no-op.
    await expect(
      startOrderExecution(sfn, stateMachineArn, {
        orderId: command.orderId,
        correlationId: String(answers[0].body.correlationId),
      }),
    ).resolves.toBeUndefined();
    expect((await harness.post(command)).body).toMatchObject({ status: 'CONFIRMED' });
    await harness.cloud.idle();

    expect((await executionsOf(command.orderId)).map((e) => e.status)).toEqual(['SUCCEEDED']);
    expect((await harness.probe.ledger(command.orderId)).filter((e) => e.kind === 'charge')).toHaveLength(1);
    const { body } = await harness.get(command.orderId);
    const timeline = body.timeline as Array<{ step: string; outcome: string }>;
    expect(timeline.filter((e) => e.step === 'charge-payment').map((e) => e.outcome)).toEqual(['succeeded']);
  });

  it('ends 200 concurrent orders of a seeded mix with zero invariant violations', async () => {
    // One order per Lambda invocation (no SQS batches of 10) through 8 environments per function:
    // on a busy 2-CPU machine the 200 orders take tens of seconds; the run waits for them.
    await expectSeededMixSound(harness, { runId: 'mix' });
    // A cap for a hung run only: the run itself ends when the cloud is quiet.
  }, 600_000);
});

describe('step-functions: Express (--param="type=EXPRESS")', () => {
  let express: VariantHarness;

  beforeAll(async () => {
    express = await startVariant('step-functions', { deploy: { params: { type: 'EXPRESS' } } });
  }, 120_000);

  afterAll(async () => {
    await express?.stop();
  });

  it('confirms a paid order on an Express machine', async () => {
    await runPathCase(express, PATH_CASES[0]!);
    // Express executions are not in the API (AWS sends them to CloudWatch Logs): ListExecutions refuses.
    const client = new SFNClient({
      region: express.cloud.region,
      endpoint: express.cloud.endpoints.stepfunctions,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await expect(
      client.send(new ListExecutionsCommand({ stateMachineArn: express.stack.resources.get(MACHINE_ID)?.ref })),
    ).rejects.toMatchObject({ name: 'StateMachineTypeNotSupported' });
    client.destroy();
  });
});
