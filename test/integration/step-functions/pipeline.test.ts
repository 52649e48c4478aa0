import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
  type ExecutionListItem,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createDynamoDocumentClient } from '#adapters/clients';
import { declareOutage } from '#adapters/simulated-outside-world';
import { checkInvariants } from '#domain/invariants';
import { redriveStepFunctions } from '#lib/redrive-step-functions';
import { startOrderExecution } from '#services/step-functions/lib/start-execution';
import { EXHAUSTING_TOKEN, PATH_CASES } from '#test/helpers/path-cases';
import { runPathCase } from '#test/helpers/path-assertions';
import { order, startVariant, type VariantHarness } from '#test/helpers/variant-harness';

/** The machine's logical id in services/step-functions/serverless.yml (`id:`). */
const MACHINE_ID = 'OrderPipelineStateMachine';

const runFile = promisify(execFile);

let harness: VariantHarness;
let sfn: SFNClient;
let stateMachineArn: string;
let ledgerClient: ReturnType<typeof createDynamoDocumentClient>;

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
  ledgerClient = createDynamoDocumentClient({ config: harness.cloud.awsConfig, metered: false });
}, 120_000);

afterAll(async () => {
  sfn?.destroy();
  ledgerClient?.destroy();
  await harness?.stop();
});

async function executionsOf(orderId: string): Promise<ExecutionListItem[]> {
  const { executions = [] } = await sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 1000 }));
  return executions.filter((e) => e.name === orderId);
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
  it('parks an order FAILED in a FAILED execution when retries run out, and a redrive resumes it there', async () => {
    const command = order({ paymentToken: EXHAUSTING_TOKEN, items: [{ sku: 'SKU-DOCK', qty: 1 }] });
    expect((await harness.post(command)).status).toBe(202);
    const failed = await harness.waitFor(command.orderId);
    expect(failed.status).toBe('FAILED');
    expect(failed.reason).toBe('TransientDependencyError@charge-payment');
    await harness.cloud.idle();

    const [execution] = await executionsOf(command.orderId);
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: execution?.executionArn }));
    // The execution fails in ChargePayment itself, with the step's error: that is where a redrive resumes.
    expect(described).toMatchObject({
      name: command.orderId,
      status: 'FAILED',
      error: 'TransientDependencyError',
      redriveStatus: 'REDRIVABLE',
    });
    expect(lambdaCalls(await historyOf(described.executionArn ?? ''), 'chargePayment').scheduled).toBe(3);
    // Findable: the invariant checker counts the failed execution as where the order is parked.
    expect(
      checkInvariants(await harness.probe.snapshot([command.orderId])).filter((v) => v.orderId === command.orderId),
    ).toEqual([]);

    expect(await redriveStepFunctions({ sfn, stateMachineArn })).toBeGreaterThanOrEqual(1);
    const recovered = await harness.waitFor(command.orderId, { statuses: ['CONFIRMED'], timeoutMs: 20_000 });
    await harness.cloud.idle();
    // The redrive resumed at ChargePayment: validate-order ran once and was not run again.
    expect(recovered.timeline.filter((e) => e.step === 'charge-payment').map((e) => e.outcome)).toEqual([
      'failed',
      'failed',
      'failed',
      'succeeded',
    ]);
    expect(recovered.timeline.filter((e) => e.step === 'validate-order').map((e) => e.outcome)).toEqual(['succeeded']);
    expect((await harness.probe.ledger(command.orderId)).filter((e) => e.kind === 'charge')).toHaveLength(1);
    const executions = await executionsOf(command.orderId);
    expect(executions.map((e) => [e.name, e.status, e.redriveCount])).toEqual([[command.orderId, 'SUCCEEDED', 1]]);
    const events = await historyOf(execution?.executionArn ?? '');
    expect(events.filter((e) => e.type === 'ExecutionRedriven')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'TaskStateEntered').map((e) => e.stateEnteredEventDetails?.name)).toEqual([
      'ValidateOrder',
      'ChargePayment',
      'ReserveInventory',
      'SendConfirmation',
    ]);
    // The execution succeeded: a second redrive leaves it alone.
    await redriveStepFunctions({ sfn, stateMachineArn });
    expect((await executionsOf(command.orderId)).map((e) => e.redriveCount)).toEqual([1]);
  });

  it('aws stepfunctions redrive-execution resumes an order that failed at SendConfirmation, charged once', async () => {
    const world = { tableName: harness.probe.tables.ledger, client: ledgerClient };
    await declareOutage({ ...world, dependency: 'mailer', transientRate: 1, untilMs: Date.now() + 10 * 60_000 });
    // The mailer re-reads the provider's state at most every 250 ms (simulated-outside-world.ts).
    await new Promise((resolve) => setTimeout(resolve, 300));
    const command = order({ items: [{ sku: 'SKU-HEADSET', qty: 1 }] });
    expect((await harness.post(command)).status).toBe(202);
    const failed = await harness.waitFor(command.orderId);
    expect(failed).toMatchObject({ status: 'FAILED', reason: 'TransientDependencyError@send-confirmation' });
    await harness.cloud.idle();
    const [execution] = await executionsOf(command.orderId);
    expect(execution?.status).toBe('FAILED');
    await declareOutage({ ...world, dependency: 'mailer', transientRate: 0, untilMs: Date.now() });

    const { stdout } = await runFile(
      'aws',
      [
        'stepfunctions',
        'redrive-execution',
        '--execution-arn',
        execution?.executionArn ?? '',
        '--endpoint-url',
        harness.cloud.endpoints.stepfunctions,
        '--output',
        'json',
      ],
      { env: { ...process.env, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_DEFAULT_REGION: 'us-east-1' } },
    );
    expect(JSON.parse(stdout)).toHaveProperty('redriveDate');
    const confirmed = await harness.waitFor(command.orderId, { statuses: ['CONFIRMED'], timeoutMs: 20_000 });
    await harness.cloud.idle();
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: execution?.executionArn }));
    expect(described).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
    // ChargePayment was not run again: one charge in the provider's ledger, one charge step on the timeline.
    expect((await harness.probe.ledger(command.orderId)).filter((e) => e.kind === 'charge')).toHaveLength(1);
    expect(confirmed.timeline.filter((e) => e.step === 'charge-payment').map((e) => e.outcome)).toEqual(['succeeded']);
    const events = await historyOf(execution?.executionArn ?? '');
    expect(lambdaCalls(events, 'chargePayment').scheduled).toBe(1);
    // The timeline shows the resume: the step failed its attempts, the order was parked, then it went on.
    expect(
      confirmed.timeline.filter((e) => e.step === 'send-confirmation' || e.step === 'fail-order').map((e) => e.outcome),
    ).toEqual(['failed', 'failed', 'failed', 'succeeded', 'succeeded']);
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

  it('refuses an order that needs a review up front: REJECTED, never charged (Express cannot wait)', async () => {
    const command = order({ items: [{ sku: 'SKU-MONITOR', qty: 16 }] });
    expect((await express.post(command)).status).toBe(202);
    const ended = await express.waitFor(command.orderId);
    expect(ended).toMatchObject({ status: 'REJECTED', reason: 'ReviewUnavailableError' });
    expect(ended.review).toBeUndefined();
    expect(await express.probe.ledger(command.orderId)).toEqual([]);
  });
});
