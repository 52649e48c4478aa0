import { checkInvariants, type InvariantViolation } from '#domain/invariants';
import { isTerminal, type StepName, type TimelineEntry } from '#domain/order';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoDocumentClient } from '#adapters/clients';
import { declareOutage, readProviderCalls } from '#adapters/simulated-outside-world';
import { startLocalCloud, type LocalCloud } from '../local-cloud/cloud.ts';
import type { DeployedStack } from '../local-cloud/deploy.ts';
import { driveWorkload, type DriveResult } from './driver.ts';
import { LocalStackProbe } from './local-probe.ts';
import { serviceDir, specOf, VARIANTS, type Variant } from './variants.ts';
import { generateWorkload } from './workload.ts';

export const DRILLS = ['duplicates', 'payment-storm', 'always-failing-step', 'worker-crash', 'mid-step-crash'] as const;
export type Drill = (typeof DRILLS)[number];

export const DRILL_DESCRIPTIONS: Record<Drill, string> = {
  duplicates:
    'every event-driven invocation delivered twice, at once (and EventBridge events twice, some out of order)',
  'payment-storm':
    '50% of payment calls fail transiently while the orders run; then the provider recovers and parked orders are ' +
    'redriven',
  'always-failing-step':
    'the mailer fails every call: retries run out, orders park FAILED; the fault is fixed, then redrive',
  'worker-crash': 'the Lambda execution environments are killed mid-run and restarted',
  'mid-step-crash':
    "each order's execution environment is killed once in the middle of reserve-inventory (after charge-payment completed): does the order resume there, or run again from validate?",
};

/** What each variant loses locally in a crash, and what AWS does instead (README, report). */
export const CRASH_NOTES = Object.fromEntries(VARIANTS.map((v) => [v, specOf(v).crashNote])) as Record<Variant, string>;

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
  /**
   * What the drill's fault did, counted while it ran (a drill whose fault never fired proves nothing):
   * environments crashed with work in flight, invocations and events delivered twice, and dependency
   * calls that failed transiently (failed payment or mailer attempts in the orders' timelines).
   */
  faults: { crashes: number; duplicateInvocations: number; duplicateEvents: number; failedCalls: number };
  /** Calls of the payment provider's charge (a step run again calls again; its key still charges once). */
  chargeCalls: number;
  /** Orders whose charge the provider saw more than once (its idempotency key still charged once). */
  chargeCalledAgain: number;
  /**
   * Orders whose timeline shows the step reached again after it had completed (a duplicate entry):
   * a redelivery, a retried POST, or the whole order run again from its start (single-lambda).
   */
  ranAgain: { 'validate-order': number; 'charge-payment': number };
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
    optional: [...specOf(variant).emulators],
    ...(drill === 'duplicates' && specOf(variant).duplicateEvents
      ? { eventBridgeDuplicates: { enabled: true, reorder: true, seed: options.seed } }
      : {}),
  });
  try {
    const stack = await cloud.deploy(serviceDir(variant), {
      httpPort: 0,
      environment,
      // A crashed consumer's messages come back after the visibility timeout: keep it short here.
      ...(specOf(variant).drillParams ? { params: specOf(variant).drillParams } : {}),
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
    // The crash waits for invocations to be running, so it always kills work in flight.
    let driving = true;
    const crash =
      drill === 'worker-crash'
        ? (async () => {
            while (driving && cloud.runtime.stats().busy < 2) await new Promise((r) => setTimeout(r, 10));
            if (driving) await cloud.runtime.crashAll();
          })()
        : Promise.resolve();
    if (drill === 'mid-step-crash') {
      // Once per order, mid-step: a second crash of the same order would only repeat the first.
      const crashed = new Set<string>();
      cloud.runtime.crashAtFaultPoints(({ name, orderId }) => {
        if (name !== 'reserve-inventory' || crashed.has(orderId)) return false;
        crashed.add(orderId);
        return true;
      });
    }
    const run = await driveWorkload({
      apiUrl: stack.apiUrl ?? '',
      orders: workload,
      concurrency: 20,
      activity: () => cloud.activity(),
      readOrders,
    });
    driving = false;
    await crash;
    await cloud.idle();
    cloud.runtime.crashAtFaultPoints(undefined);
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
    const faults = {
      crashes: cloud.runtime.stats().crashes,
      duplicateInvocations: cloud.runtime.stats().duplicateInvocations,
      duplicateEvents: cloud.eventBridge?.duplicatedDeliveries?.() ?? 0,
    };
    return await summarize(variant, drill, run, probe, rounds, faults, world.client);
  } finally {
    await cloud.stop();
  }
}

async function redrive(cloud: LocalCloud, stack: DeployedStack, variant: Variant): Promise<void> {
  await specOf(variant).redrive({
    prefix: `${stack.service}-${stack.stage}-`,
    region: cloud.region,
    account: cloud.account,
    endpoints: cloud.endpoints,
    ...(cloud.awsConfig.credentials ? { credentials: cloud.awsConfig.credentials } : {}),
  });
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
  faults: Omit<DrillResult['faults'], 'failedCalls'>,
  client: DynamoDBDocumentClient,
): Promise<DrillResult> {
  const accepted = run.outcomes.filter((o) => o.httpStatus === 202 || o.httpStatus === 200).map((o) => o.orderId);
  const snapshot = await probe.snapshot(accepted);
  const byId = new Map(snapshot.orders.map((o) => [o.orderId, o]));
  // The timeline keeps every fail-order entry: an order parked at any point shows it.
  const parkedEver = snapshot.orders
    .filter((o) => o.timeline.some((e) => e.step === 'fail-order' && e.outcome === 'succeeded'))
    .map((o) => o.orderId);
  const chargeCalls = await readProviderCalls({ tableName: probe.tables.ledger, client, kind: 'charge' });
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
    faults: { ...faults, failedCalls: failedCalls(drill, snapshot.orders) },
    chargeCalls: accepted.reduce((sum, id) => sum + (chargeCalls.get(id) ?? 0), 0),
    chargeCalledAgain: accepted.filter((id) => (chargeCalls.get(id) ?? 0) > 1).length,
    ranAgain: {
      'validate-order': snapshot.orders.filter((o) => ranAgain(o.timeline, 'validate-order')).length,
      'charge-payment': snapshot.orders.filter((o) => ranAgain(o.timeline, 'charge-payment')).length,
    },
    ...(drill === 'worker-crash' || drill === 'mid-step-crash' ? { note: CRASH_NOTES[variant] } : {}),
  };
}

/** Failed attempts of the step the drill makes fail (payment-storm: charge; always-failing-step: mailer). */
function failedCalls(drill: Drill, orders: readonly { timeline: readonly TimelineEntry[] }[]): number {
  const step: StepName | undefined =
    drill === 'payment-storm' ? 'charge-payment' : drill === 'always-failing-step' ? 'send-confirmation' : undefined;
  if (!step) return 0;
  return orders.reduce(
    (n, o) =>
      n +
      o.timeline.filter(
        (e) => e.step === step && e.outcome === 'failed' && e.error?.name === 'TransientDependencyError',
      ).length,
    0,
  );
}

/** How often the drill's own fault fired: what `npm run drill` and the drill tests require to be above 0. */
export function faultFired(result: Pick<DrillResult, 'drill' | 'faults'>): number {
  const { faults } = result;
  switch (result.drill) {
    case 'worker-crash':
    case 'mid-step-crash':
      return faults.crashes;
    case 'duplicates':
      return faults.duplicateInvocations + faults.duplicateEvents;
    case 'payment-storm':
    case 'always-failing-step':
      return faults.failedCalls;
  }
}

/** The step completed, and later a delivery or a run of the order reached it again (a duplicate entry). */
function ranAgain(timeline: readonly TimelineEntry[], step: StepName): boolean {
  const done = timeline.findIndex((e) => e.step === step && e.outcome === 'succeeded');
  return done >= 0 && timeline.slice(done + 1).some((e) => e.step === step && e.outcome === 'duplicate');
}
