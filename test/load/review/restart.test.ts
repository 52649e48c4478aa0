/**
 * A restart of the local cloud while orders wait for review (issue 13): the variants that park an
 * order in DynamoDB with a one-time EventBridge Scheduler schedule for its timeout (sqs-chain,
 * eventbridge-flags, single-lambda) keep both across a restart, as AWS keeps them across anything.
 * A cloud with `persistState` in a temp workDir parks two orders, stops; a new cloud on the same
 * workDir, the service redeployed into it, still shows both waiting: the approved one ends
 * CONFIRMED charged once. The cloud stops again while the other still waits, and stays down past
 * its timeout: the next cloud fires what fell due, and the order ends CANCELLED (ReviewTimedOut).
 * Everything goes through the service's HTTP API and the real SDK clients; every wait is on
 * observable state (an order's status, the clock passing a schedule's time).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { startLocalCloud, type LocalCloud } from '#cloud/cloud';
import { checkInvariants } from '#domain/invariants';
import type { ReviewDecision } from '#domain/order';
import { serviceDir } from '#lib/variants';
import { aReviewOrder } from '#test/helpers/review-cases';
import { startVariant, type VariantHarness } from '#test/helpers/variant-harness';
import { eventually } from '#test/helpers/wait';

/**
 * Long enough that the other order still waits when the approved one has ended and the cloud stops
 * a second time (parked to approved took 2-3 s on a 2-core machine: a restart reuses the workDir's
 * bundles); short enough to wait for its timeout.
 */
const REVIEW_TIMEOUT_SECONDS = 10;

const PARKING_VARIANTS = ['sqs-chain', 'eventbridge-flags', 'single-lambda'] as const;

const schedulesOf = async (harness: VariantHarness): Promise<string[]> => {
  const scheduler = new SchedulerClient({
    region: harness.cloud.region,
    endpoint: harness.cloud.endpoints.scheduler,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  try {
    const group = harness.stack.resources.get('ReviewScheduleGroup')?.ref ?? '';
    const { Schedules } = await scheduler.send(new ListSchedulesCommand({ GroupName: group }));
    return (Schedules ?? []).map((s) => s.Name ?? '').sort();
  } finally {
    scheduler.destroy();
  }
};

const expectSound = async (harness: VariantHarness, orderId: string, expected: ReviewDecision) => {
  const snapshot = await harness.probe.snapshot([orderId], { expectedReviews: new Map([[orderId, expected]]) });
  expect(checkInvariants(snapshot).filter((v) => v.orderId === orderId)).toEqual([]);
};

/**
 * The scenario for one variant; any failed expectation throws. The three variants run it side by
 * side, each in a cloud and workDir of its own: it is mostly waiting (restarts, a review timeout
 * falling due while the cloud is down), so together they take the time of the slowest rather than
 * the sum. (Jest's `it.concurrent` would run them outside a test's scope, where the cloud's lazy
 * imports are refused, so they run in one beforeAll and each variant's test reports its outcome.)
 */
const restartScenario = async (variant: (typeof PARKING_VARIANTS)[number]): Promise<void> => {
  const workDir = await mkdtemp(path.join(tmpdir(), `review-restart-${variant}-`));
  let running: VariantHarness | undefined;
  const start = () =>
    startVariant(variant, {
      cloud: { workDir, persistState: true },
      deploy: { params: { reviewTimeoutSeconds: String(REVIEW_TIMEOUT_SECONDS) } },
    });
  try {
    running = await start();
    const [toApprove, toTimeOut] = [aReviewOrder(), aReviewOrder()];
    for (const command of [toApprove, toTimeOut]) expect((await running.post(command)).status).toBe(202);
    const ids = [toApprove.orderId, toTimeOut.orderId];
    const first = running;
    const [, parked] = await Promise.all(ids.map((id) => first.waitFor(id, { statuses: ['AWAITING_REVIEW'] })));
    for (const id of ids) expect((await running.get(id)).body).toMatchObject({ status: 'AWAITING_REVIEW' });
    expect(await schedulesOf(running)).toEqual([...ids].sort());

    await running.stop();
    running = undefined;
    running = await start();

    // The orders table and the schedules came back with the cloud; the stack is redeployed.
    for (const id of ids) expect((await running.get(id)).body).toMatchObject({ status: 'AWAITING_REVIEW' });
    expect(await schedulesOf(running)).toEqual([...ids].sort());

    const decided = await running.review(toApprove.orderId, { decision: 'approve', reviewer: 'ada' });
    expect(decided).toEqual({
      status: 202,
      body: { orderId: toApprove.orderId, decision: 'approve', reviewer: 'ada', status: 'VALIDATED' },
    });
    expect((await running.waitFor(toApprove.orderId)).status).toBe('CONFIRMED');

    // Down again while the other order waits, until its schedule's time (`at()`, to the second) has passed.
    expect((await running.get(toTimeOut.orderId)).body).toMatchObject({ status: 'AWAITING_REVIEW' });
    await running.stop();
    running = undefined;
    const dueAt = Math.ceil(Date.parse(parked?.review?.timeoutAt ?? '') / 1000) * 1000;
    await eventually(() => Date.now() > dueAt, 'the review timeout to fall due while the cloud is down');
    running = await start();

    const timedOut = await running.waitFor(toTimeOut.orderId, {
      timeoutMs: (REVIEW_TIMEOUT_SECONDS + 40) * 1000,
    });
    expect(timedOut).toMatchObject({
      status: 'CANCELLED',
      reason: 'ReviewTimedOut',
      review: { decision: 'timeout' },
    });
    expect(Date.parse(timedOut.terminalAt ?? '')).toBeGreaterThanOrEqual(Date.parse(parked?.review?.timeoutAt ?? ''));
    expect((await running.get(toTimeOut.orderId)).body).toMatchObject({
      status: 'CANCELLED',
      reason: 'ReviewTimedOut',
    });

    await running.cloud.idle();
    expect((await running.probe.ledger(toApprove.orderId)).filter((e) => e.kind === 'charge')).toHaveLength(1);
    expect(await running.probe.ledger(toTimeOut.orderId)).toEqual([]);
    await expectSound(running, toApprove.orderId, 'approve');
    await expectSound(running, toTimeOut.orderId, 'timeout');
    expect(await schedulesOf(running)).toEqual([]);
  } finally {
    await running?.stop();
    await rm(workDir, { recursive: true, force: true });
  }
};

describe('a restart of the local cloud while orders wait for review', () => {
  const outcomes = new Map<string, PromiseSettledResult<void>>();

  beforeAll(async () => {
    const settled = await Promise.allSettled(PARKING_VARIANTS.map((variant) => restartScenario(variant)));
    PARKING_VARIANTS.forEach((variant, i) => outcomes.set(variant, settled[i]!));
  }, 240_000);

  it.each(PARKING_VARIANTS)(
    '%s keeps both orders across restarts, and fires the timeout that fell due while it was down',
    (variant) => {
      const outcome = outcomes.get(variant);
      if (outcome?.status === 'rejected') throw outcome.reason;
      expect(outcome?.status).toBe('fulfilled');
    },
  );
});

describe('a redeploy into a local cloud that keeps its tables', () => {
  let cloud: LocalCloud | undefined;

  afterEach(async () => {
    await cloud?.stop();
    cloud = undefined;
  });

  it('refuses a table of the same name with another key schema, naming it', async () => {
    cloud = await startLocalCloud({ ports: { dynamodb: 0, sqs: 0, lambda: 0, scheduler: 0 }, optional: ['scheduler'] });
    await cloud.dynamo.send(
      new CreateTableCommand({
        TableName: 'sqs-chain-local-orders',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'N' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await expect(cloud.deploy(serviceDir('sqs-chain'), { httpPort: null })).rejects.toThrow(
      /table sqs-chain-local-orders \(OrdersTable\) exists in the local cloud with another key schema: it has id N HASH, the template declares orderId S HASH/,
    );
  });
});
