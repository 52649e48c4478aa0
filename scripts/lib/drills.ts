import { SFNClient } from '@aws-sdk/client-sfn';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { checkInvariants, type InvariantViolation } from '#domain/invariants';
import { isTerminal } from '#domain/order';
import { createDynamoDocumentClient } from '#adapters/clients';
import { declareOutage } from '#adapters/simulated-outside-world';
import { startLocalCloud, type LocalCloud } from '../local-cloud/cloud.ts';
import type { DeployedStack } from '../local-cloud/deploy.ts';
import { driveWorkload, type DriveResult } from './driver.ts';
import { LocalStackProbe } from './local-probe.ts';
import { findRedrivePairs, redriveQueues } from './redrive.ts';
import { redriveEventBridge } from './redrive-eventbridge.ts';
import { redriveStepFunctions } from './redrive-step-functions.ts';
import { serviceDir, type Variant } from './variants.ts';
import { generateWorkload } from './workload.ts';

export const DRILLS = ['duplicates', 'payment-storm', 'always-failing-step', 'worker-crash'] as const;
export type Drill = (typeof DRILLS)[number];

export const DRILL_DESCRIPTIONS: Record<Drill, string> = {
  duplicates:
    'every event-driven invocation delivered twice, at once (and EventBridge events twice, some out of order)',
  'payment-storm':
    '50% of payment calls fail transiently while the orders run; then the provider recovers and parked orders are redriven',
  'always-failing-step':
    'the mailer fails every call: retries run out, orders park FAILED; the fault is fixed, then redrive',
  'worker-crash': 'the Lambda execution environments are killed mid-run and restarted',
};

/** What each variant loses locally in a crash, and what AWS does instead (README, report). */
export const CRASH_NOTES: Record<Variant, string> = {
  'sqs-chain':
    'nothing: in-flight messages stay in the queue and reappear after their visibility timeout, locally as on AWS',
  'eventbridge-flags':
    "locally the async-invocation retry queue lives in the local cloud process, so it survives a crash of the execution environments but not of that process; AWS keeps async events in Lambda's own durable queue (up to 6 h, 2 retries) and then the on-failure destination",
  'step-functions':
    'locally executions live in memory: a crashed task fails with Sandbox.Crashed, the execution ends FAILED in that state and a redrive (RedriveExecution) resumes it there; a crash of the local cloud process loses running executions. AWS persists Standard executions and retries the task per the definition (Express: at-least-once, in-memory for its 5 minutes)',
};

export interface DrillResult {
  variant: Variant;
  drill: Drill;
  orders: number;
  /** Orders that were FAILED (parked) at some point and ended CONFIRMED / CANCELLED after redrive. */
  recovered: number;
  /** Accepted orders without a terminal state at the end (must be 0). */
  lost: number;
  /** Orders still FAILED after the redrive rounds (findable, replayable; 0 once the fault passed). */
  stillParked: number;
  /** Orders charged more than once (must be 0). */
  doubleCharges: number;
  redriveRounds: number;
  violations: InvariantViolation[];
  note?: string;
}

export interface DrillOptions {
  orders: number;
  seed: number;
}

/**
 * Runs one failure drill against one variant on a fresh local cloud: inject the fault, drive a
 * seeded workload, wait, redrive what is parked once the fault has passed (rounds until nothing
 * is left), then check the invariants and count what was recovered, lost and double-charged.
 */
export async function runDrill(variant: Variant, drill: Drill, options: DrillOptions): Promise<DrillResult> {
  const environment: Record<string, string> = { LOG_LEVEL: 'CRITICAL', FAULT_SEED: String(options.seed) };
  const cloud = await startLocalCloud({
    ports: { dynamodb: 0, sqs: 0, eventbridge: 0, stepfunctions: 0, lambda: 0 },
    asyncRetryDelaysMs: [300, 600],
    optional: variant === 'eventbridge-flags' ? ['eventbridge'] : variant === 'step-functions' ? ['stepfunctions'] : [],
    ...(drill === 'duplicates' && variant === 'eventbridge-flags'
      ? { eventBridgeDuplicates: { enabled: true, reorder: true, seed: options.seed } }
      : {}),
  });
  try {
    const stack = await cloud.deploy(serviceDir(variant), {
      httpPort: 0,
      environment,
      // A crashed consumer's messages come back after the visibility timeout: keep it short here.
      ...(variant === 'sqs-chain' ? { params: { visibilityTimeout: '3' } } : {}),
    });
    if (drill === 'duplicates') {
      const eventDriven = new Set(
        Object.entries(stack.config.functions)
          .filter(([, fn]) => !(fn.events ?? []).some((e) => 'httpApi' in e))
          .map(([key]) => stack.functions[key]),
      );
      cloud.runtime.setDuplicateInvocations((name) => eventDriven.has(name));
    }
    const probe = new LocalStackProbe(cloud, stack);
    // The fault lasts until every order has ended or parked; then it is fixed, and redrive runs.
    const outage =
      drill === 'payment-storm'
        ? { dependency: 'payment' as const, transientRate: 0.5 }
        : drill === 'always-failing-step'
          ? { dependency: 'mailer' as const, transientRate: 1 }
          : undefined;
    const world = {
      tableName: probe.tables.ledger,
      client: createDynamoDocumentClient({ config: cloud.awsConfig, metered: false }),
    };
    if (outage) await declareOutage({ ...world, ...outage, untilMs: Date.now() + 10 * 60_000 });
    const workload = generateWorkload({
      orders: options.orders,
      seed: options.seed,
      declineRate: 0.1,
      outOfStockRate: 0.1,
      transientRate: 0,
      rejectRate: 0.05,
      runId: `${drill}`,
    });
    const readOrders = (ids: string[]) => probe.orders(ids);
    const crash = drill === 'worker-crash' ? setTimeout(() => void cloud.runtime.crashAll(), 400) : undefined;
    const run = await driveWorkload({
      apiUrl: stack.apiUrl ?? '',
      orders: workload,
      concurrency: 20,
      activity: () => cloud.activity(),
      readOrders,
    });
    clearTimeout(crash);
    await cloud.idle();
    if (outage) {
      await declareOutage({ ...world, ...outage, untilMs: Date.now() });
      await new Promise((r) => setTimeout(r, 300)); // providers re-read their state every 250 ms
    }
    let rounds = 0;
    while (rounds < 5 && (await probe.allOrders()).some((o) => o.status === 'FAILED' || !isTerminal(o.status))) {
      rounds++;
      await redrive(cloud, stack, variant);
      await settle(probe, cloud);
    }
    return await summarize(variant, drill, run, probe, rounds);
  } finally {
    await cloud.stop();
  }
}

async function redrive(cloud: LocalCloud, stack: DeployedStack, variant: Variant): Promise<void> {
  const prefix = `${stack.service}-${stack.stage}-`;
  const credentials = cloud.awsConfig.credentials!;
  if (variant === 'sqs-chain') {
    await redriveQueues(cloud.sqs, await findRedrivePairs(cloud.sqs, prefix));
  } else if (variant === 'eventbridge-flags') {
    const eventBridge = new EventBridgeClient({
      region: cloud.region,
      endpoint: cloud.endpoints.eventbridge,
      credentials,
    });
    await redriveEventBridge({ sqs: cloud.sqs, eventBridge, queuePrefix: prefix, eventBusName: `${prefix}orders` });
    eventBridge.destroy();
  } else {
    const sfn = new SFNClient({
      region: cloud.region,
      endpoint: cloud.endpoints.stepfunctions,
      credentials,
      disableHostPrefix: true,
    });
    const stateMachineArn =
      [...stack.resources.values()].map((r) => r.ref).find((ref) => ref.startsWith('arn:aws:states:')) ?? '';
    await redriveStepFunctions({ sfn, stateMachineArn });
    sfn.destroy();
  }
}

/** Waits until every order is terminal again (or 30 s pass) and the cloud is quiet. */
async function settle(probe: LocalStackProbe, cloud: LocalCloud): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    await cloud.idle();
    if ((await probe.allOrders()).every((o) => isTerminal(o.status))) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function summarize(
  variant: Variant,
  drill: Drill,
  run: DriveResult,
  probe: LocalStackProbe,
  rounds: number,
): Promise<DrillResult> {
  const accepted = run.outcomes.filter((o) => o.httpStatus === 202 || o.httpStatus === 200).map((o) => o.orderId);
  const snapshot = await probe.snapshot(accepted);
  const byId = new Map(snapshot.orders.map((o) => [o.orderId, o]));
  // The timeline keeps every fail-order entry: an order parked at any point shows it.
  const parkedEver = snapshot.orders
    .filter((o) => o.timeline.some((e) => e.step === 'fail-order' && e.outcome === 'succeeded'))
    .map((o) => o.orderId);
  const charges = new Map<string, number>();
  for (const entry of snapshot.ledger)
    if (entry.kind === 'charge') charges.set(entry.orderId, (charges.get(entry.orderId) ?? 0) + 1);
  return {
    variant,
    drill,
    orders: run.outcomes.length,
    recovered: parkedEver.filter((id) => ['CONFIRMED', 'CANCELLED', 'REJECTED'].includes(byId.get(id)?.status ?? ''))
      .length,
    lost: accepted.filter((id) => !byId.has(id) || !isTerminal(byId.get(id)!.status)).length,
    stillParked: snapshot.orders.filter((o) => o.status === 'FAILED').length,
    doubleCharges: [...charges.values()].filter((n) => n > 1).length,
    redriveRounds: rounds,
    violations: checkInvariants(snapshot),
    ...(drill === 'worker-crash' ? { note: CRASH_NOTES[variant] } : {}),
  };
}
