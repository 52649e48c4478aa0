/**
 * The baseline's own process: `baseline.ts` bundles this file with esbuild and starts it with
 * plain `node` (no TypeScript loader), so nothing else shares its event loop: not SQS, not the
 * EventBridge or Step Functions emulators, not the Lambda runtime's bookkeeping, not the HTTP
 * APIs. It gets one job over IPC, creates its tables in the local cloud's DynamoDB, runs the
 * orders through the steps in `concurrency` lanes (spread over worker threads when `threads` > 1),
 * checks the invariants and reports back the records, the usage counts and the wall clock.
 *
 * The same file is the worker thread's script: each worker runs its share of the lanes and pulls
 * the next order from one shared counter, so lanes on different threads still form one closed
 * model of `concurrency` orders in flight.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AwsConfig } from '#adapters/config';
import { createDynamoDocumentClient } from '#adapters/clients';
import { DynamoInventoryStore } from '#adapters/dynamo-inventory-store';
import { DynamoOrderRepository } from '#adapters/dynamo-order-repository';
import { readLedger, SimulatedMailer, SimulatedPaymentGateway } from '#adapters/simulated-outside-world';
import { createCatalog } from '#domain/catalog';
import { isBusinessError, isRetryable } from '#domain/errors';
import { checkInvariants, type InvariantViolation } from '#domain/invariants';
import type { OrderRecord, PlaceOrderCommand, ReviewDecision } from '#domain/order';
import { DEFAULT_OUTSIDE_WORLD } from '#domain/outside-world';
import { systemClock } from '#domain/ports';
import type { StepResult } from '#domain/step-runner';
import { createOrderSteps, type OrderSteps } from '#domain/steps';
import { takeUsage } from '#observability/usage';
import type { CounterName } from '../local-cloud/types.ts';

/** Retries of a transient failure: the same 3 attempts as every variant, but without waiting. */
const ATTEMPTS = 3;

export interface BaselineTables {
  orders: string;
  inventory: string;
  ledger: string;
}

/** What the parent sends: where DynamoDB is, which tables to create, and the orders to run. */
export interface BaselineJob {
  awsConfig: AwsConfig;
  tables: BaselineTables;
  seed: number;
  concurrency: number;
  /** 1: every lane on the process's main thread; N > 1: the lanes spread over N worker threads. */
  threads: number;
  /** Orders each thread runs first, over tables of their own, before the clock starts (0: none). */
  warmUpOrders: number;
  /** ...but no longer than this: a warm-up, not a second run. */
  warmUpMaxMs: number;
  commands: PlaceOrderCommand[];
  /** The review orders and the decision each gets, at once (the baseline never waits for a person). */
  reviews?: Record<string, ReviewDecision>;
}

export type Counts = Partial<Record<CounterName, number>>;

/** What the process reports back. */
export interface BaselineResult {
  pid: number;
  /** Threads the lanes actually ran on (never more than the lanes). */
  threads: number;
  /** One record per order, in workload order. */
  records: OrderRecord[];
  counts: Counts;
  wallClockMs: number;
  /** CPU time the process (all its threads) spent while the clock ran. */
  cpuMs: number;
  invariantViolations: InvariantViolation[];
}

export type BaselineReply =
  | { type: 'result'; result: BaselineResult }
  | { type: 'error'; message: string; stack?: string };

/** A thread's share of the work: its lanes, and the counter every thread takes orders from. */
interface LaneJob {
  awsConfig: AwsConfig;
  tables: BaselineTables;
  seed: number;
  lanes: number;
  commands: PlaceOrderCommand[];
  reviews: Record<string, ReviewDecision>;
  next: SharedArrayBuffer;
  /** Which thread this is (0-based): its warm-up orders get ids of their own. */
  thread: number;
  warmUp?: { tables: BaselineTables; orders: number; maxMs: number };
}

type WorkerMessage =
  | { type: 'ready' }
  | { type: 'done'; records: OrderRecord[]; counts: Counts }
  | { type: 'error'; message: string; stack?: string };

const WORKER_MARK = 'order-pipelines-baseline-lanes';

if (!isMainThread && (workerData as { mark?: string } | undefined)?.mark === WORKER_MARK) {
  void runWorkerThread((workerData as { job: LaneJob }).job);
} else if (isMainThread && process.send && process.env.ORDER_PIPELINES_BASELINE_PROCESS === '1') {
  // If the parent goes away (Ctrl-C, a crashed comparison), so does the baseline.
  process.once('disconnect', () => process.exit(1));
  process.once('message', (job: BaselineJob) => {
    runJob(job).then(
      (result) => reply({ type: 'result', result }),
      (error: Error) =>
        reply({ type: 'error', message: error.message, ...(error.stack ? { stack: error.stack } : {}) }),
    );
  });
}

function reply(message: BaselineReply): void {
  process.send!(message, () => process.exit(message.type === 'result' ? 0 : 1));
}

async function runJob(job: BaselineJob): Promise<BaselineResult> {
  const names = job.tables;
  const warmUpTables: BaselineTables = {
    orders: `${names.orders}-warm-up`,
    inventory: `${names.inventory}-warm-up`,
    ledger: `${names.ledger}-warm-up`,
  };
  const warmUp =
    job.warmUpOrders > 0 ? { tables: warmUpTables, orders: job.warmUpOrders, maxMs: job.warmUpMaxMs } : undefined;
  await Promise.all(
    [job.tables, ...(warmUp ? [warmUp.tables] : [])].map((tables) => createTables(job.awsConfig, tables)),
  );
  const unmetered = createDynamoDocumentClient({ config: job.awsConfig, metered: false });
  const store = new DynamoInventoryStore({ tableName: job.tables.inventory, client: unmetered });
  await store.seed(createCatalog().entries);
  if (warmUp)
    await new DynamoInventoryStore({ tableName: warmUp.tables.inventory, client: unmetered }).seed(
      createCatalog().entries,
    );
  const lanes = Math.max(1, Math.min(job.concurrency, job.commands.length));
  const threads = Math.max(1, Math.min(job.threads, lanes));
  const nextOrder = new SharedArrayBuffer(4);
  const laneJob = (thread: number, share: number): LaneJob => ({
    awsConfig: job.awsConfig,
    tables: job.tables,
    seed: job.seed,
    lanes: share,
    commands: job.commands,
    reviews: job.reviews ?? {},
    next: nextOrder,
    thread,
    ...(warmUp ? { warmUp } : {}),
  });
  const { records, counts, wallClockMs, cpuMs } =
    threads === 1 ? await runHere(laneJob(0, lanes)) : await runOnWorkers(threads, lanes, laneJob);
  const index = new Map(job.commands.map((c, i) => [c.orderId, i]));
  records.sort((a, b) => index.get(a.orderId)! - index.get(b.orderId)!);
  const stock = await store.snapshot();
  const ledger = await readLedger({ tableName: job.tables.ledger, client: unmetered });
  const invariantViolations = checkInvariants({
    acceptedOrderIds: records.map((r) => r.orderId),
    orders: records,
    ledger,
    stock,
    parkedOrderIds: new Set(records.filter((r) => r.status === 'FAILED').map((r) => r.orderId)),
    expectedReviews: new Map(Object.entries(job.reviews ?? {})),
  });
  unmetered.destroy();
  return { pid: process.pid, threads, records, counts, wallClockMs, cpuMs, invariantViolations };
}

/** Every lane on this thread: warm up, start the clock, run. */
async function runHere(job: LaneJob): Promise<Timed> {
  const lanes = await prepareLanes(job);
  const startedAt = Date.now();
  const cpu = process.cpuUsage();
  const done = await lanes.run();
  return { ...done, ...elapsed(startedAt, cpu) };
}

interface Timed {
  records: OrderRecord[];
  counts: Counts;
  wallClockMs: number;
  cpuMs: number;
}

function elapsed(startedAt: number, cpu: NodeJS.CpuUsage): { wallClockMs: number; cpuMs: number } {
  const used = process.cpuUsage(cpu);
  return { wallClockMs: Date.now() - startedAt, cpuMs: Math.round((used.user + used.system) / 1000) };
}

/**
 * The lanes spread over worker threads (as evenly as they divide). The clock starts once every
 * thread is loaded and warm, so no thread's start-up counts as pipeline time.
 */
async function runOnWorkers(
  threads: number,
  lanes: number,
  laneJob: (thread: number, share: number) => LaneJob,
): Promise<Timed> {
  const workers = Array.from({ length: threads }, (_, i) => {
    const share = Math.floor(lanes / threads) + (i < lanes % threads ? 1 : 0);
    return new Worker(new URL(import.meta.url), {
      workerData: { mark: WORKER_MARK, job: laneJob(i, share) },
      execArgv: [],
    });
  });
  const messages = workers.map((worker) => {
    const queue: WorkerMessage[] = [];
    const waiting: Array<(m: WorkerMessage) => void> = [];
    let failure: Error | undefined;
    const push = (m: WorkerMessage) => (waiting.length > 0 ? waiting.shift()!(m) : queue.push(m));
    worker.on('message', push);
    worker.on('error', (error) => {
      failure = error;
      push({ type: 'error', message: error.message, ...(error.stack ? { stack: error.stack } : {}) });
    });
    worker.on('exit', (code) => {
      if (code !== 0 && !failure) push({ type: 'error', message: `baseline worker thread exited with code ${code}` });
    });
    return async (): Promise<WorkerMessage> => {
      const m =
        queue.length > 0 ? queue.shift()! : await new Promise<WorkerMessage>((resolve) => waiting.push(resolve));
      if (m.type === 'error') throw Object.assign(new Error(m.message), m.stack ? { stack: m.stack } : {});
      return m;
    };
  });
  try {
    await Promise.all(messages.map((next) => next()));
    const startedAt = Date.now();
    const cpu = process.cpuUsage();
    for (const worker of workers) worker.postMessage('go');
    const finished = (await Promise.all(messages.map((next) => next()))) as Array<
      Extract<WorkerMessage, { type: 'done' }>
    >;
    return {
      records: finished.flatMap((f) => f.records),
      counts: sumCounts(finished.map((f) => f.counts)),
      ...elapsed(startedAt, cpu),
    };
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

async function runWorkerThread(job: LaneJob): Promise<void> {
  const port = parentPort!;
  try {
    const lanes = await prepareLanes(job);
    port.postMessage({ type: 'ready' } satisfies WorkerMessage);
    await new Promise((resolve) => port.once('message', resolve));
    port.postMessage({ type: 'done', ...(await lanes.run()) } satisfies WorkerMessage);
  } catch (error) {
    const { message, stack } = error as Error;
    port.postMessage({ type: 'error', message, ...(stack ? { stack } : {}) } satisfies WorkerMessage);
  }
}

type LaneSteps = ReturnType<typeof createLaneSteps>;

/** This thread's steps over the same adapters every Lambda uses, and a way to read records back. */
function createLaneSteps(awsConfig: AwsConfig, tables: BaselineTables, seed: number) {
  const client = createDynamoDocumentClient({ config: awsConfig });
  const unmetered = createDynamoDocumentClient({ config: awsConfig, metered: false });
  const world = { ...DEFAULT_OUTSIDE_WORLD, seed };
  const orders = new DynamoOrderRepository({ tableName: tables.orders, client });
  const steps = createOrderSteps({
    orders,
    inventory: new DynamoInventoryStore({ tableName: tables.inventory, client }),
    catalog: createCatalog(),
    clock: systemClock,
    variant: 'baseline',
    payments: new SimulatedPaymentGateway({ tableName: tables.ledger, config: world, client: unmetered }),
    mailer: new SimulatedMailer({ tableName: tables.ledger, config: world, client: unmetered }),
  });
  return {
    steps,
    orders,
    // The records are read back for the report with a client that is not metered, as the
    // variants' probe reads them: looking is not part of the pipeline's bill.
    observer: new DynamoOrderRepository({ tableName: tables.orders, client: unmetered }),
    destroy() {
      client.destroy();
      unmetered.destroy();
    },
  };
}

/**
 * Runs `commands` through `lanes` lanes, each taking the next order from the shared counter (and
 * none once `untilMs` has passed).
 */
async function runLanes(
  lane: LaneSteps,
  lanes: number,
  commands: readonly PlaceOrderCommand[],
  next: Int32Array,
  untilMs = Infinity,
  reviews: Record<string, ReviewDecision> = {},
): Promise<OrderRecord[]> {
  const records: OrderRecord[] = [];
  const runOne = async () => {
    for (let i = Atomics.add(next, 0, 1); i < commands.length && Date.now() < untilMs; i = Atomics.add(next, 0, 1)) {
      const { order } = await lane.steps.acceptOrder(commands[i]!);
      await runPipeline(lane.steps, order.orderId, reviews[order.orderId]);
      records.push((await lane.observer.get(order.orderId))!);
    }
  };
  await Promise.all(Array.from({ length: lanes }, runOne));
  return records;
}

/**
 * Makes this thread warm, as a lower bound should be: first a pass of the workload's first orders
 * over tables of their own (a fresh V8 isolate runs the SDK's request path measurably slower for
 * its first few thousand calls), then one connection per lane opened with a read. The usage
 * counters are reset after, so the warm-up is not billed.
 */
async function prepareLanes(job: LaneJob): Promise<{ run: () => Promise<{ records: OrderRecord[]; counts: Counts }> }> {
  if (job.warmUp) {
    const warm = createLaneSteps(job.awsConfig, job.warmUp.tables, job.seed);
    // Ids of their own per thread (threads share the warm-up tables), short whatever the run's ids.
    const commands = job.commands
      .slice(0, job.warmUp.orders)
      .map((c, i) => ({ ...c, orderId: `warm-up-${job.thread}-${i}` }));
    await runLanes(warm, job.lanes, commands, new Int32Array(new SharedArrayBuffer(4)), Date.now() + job.warmUp.maxMs);
    warm.destroy();
  }
  const lane = createLaneSteps(job.awsConfig, job.tables, job.seed);
  await Promise.all(
    Array.from({ length: job.lanes }, (_, i) =>
      Promise.all([lane.orders.get(`connect-${i}`), lane.observer.get(`connect-${i}`)]),
    ),
  );
  takeUsage();
  return {
    async run() {
      const records = await runLanes(lane, job.lanes, job.commands, new Int32Array(job.next), Infinity, job.reviews);
      const counts = takeUsage();
      lane.destroy();
      return { records, counts };
    },
  };
}

/**
 * The four forward steps in order; a business error compensates, exhausted retries park the order
 * FAILED. An order above the review threshold parks after validation and gets its decision at
 * once (the workload's: approve, reject or timeout): the same steps and outcome as a variant's,
 * without the wait.
 */
async function runPipeline(steps: OrderSteps, orderId: string, review?: ReviewDecision): Promise<void> {
  const decide = async (): Promise<boolean> => {
    await withRetries((attempt) => steps.awaitReview({ orderId, attempt }));
    if (review === 'timeout' || review === undefined) {
      await withRetries((attempt) => steps.timeOutReview({ orderId, attempt }));
      return false;
    }
    const { order } = await steps.reviewOrder(orderId, { decision: review, reviewer: 'baseline' });
    return order.status === 'VALIDATED';
  };
  const chain = [
    ['validate-order', steps.validateOrder],
    ['charge-payment', steps.chargePayment],
    ['reserve-inventory', steps.reserveInventory],
    ['send-confirmation', steps.sendConfirmation],
  ] as const;
  for (const [name, step] of chain) {
    let awaitsReview = false;
    const outcome = await withRetries(async (attempt) => {
      const result = await step({ orderId, attempt });
      awaitsReview = result.awaitsReview === true;
      return result;
    });
    if (outcome.kind === 'ok' && awaitsReview && !(await decide())) return;
    if (outcome.kind === 'business') {
      await steps.compensateOrder({ orderId, attempt: 1, reason: outcome.error });
      return;
    }
    if (outcome.kind === 'exhausted') {
      await steps.failOrder({ orderId, attempt: ATTEMPTS, reason: `${outcome.error}@${name}` });
      return;
    }
  }
}

async function withRetries(
  run: (attempt: number) => Promise<StepResult>,
): Promise<{ kind: 'ok' } | { kind: 'business' | 'exhausted'; error: string }> {
  for (let attempt = 1; ; attempt++) {
    try {
      await run(attempt);
      return { kind: 'ok' };
    } catch (error) {
      const name = (error as Error).name;
      if (isBusinessError(error)) return { kind: 'business', error: name };
      if (!isRetryable(error)) throw error;
      if (attempt >= ATTEMPTS) return { kind: 'exhausted', error: name };
    }
  }
}

function sumCounts(all: Counts[]): Counts {
  const sum: Counts = {};
  for (const counts of all) {
    for (const [name, n] of Object.entries(counts) as [CounterName, number][]) sum[name] = (sum[name] ?? 0) + n;
  }
  return sum;
}

async function createTables(awsConfig: AwsConfig, tables: BaselineTables): Promise<void> {
  const { region, endpoints, credentials } = awsConfig;
  const dynamo = new DynamoDBClient({ region, endpoint: endpoints.dynamodb, ...(credentials ? { credentials } : {}) });
  const S = 'S' as const;
  const HASH = 'HASH' as const;
  const byOrder = {
    AttributeDefinitions: [{ AttributeName: 'orderId', AttributeType: S }],
    KeySchema: [{ AttributeName: 'orderId', KeyType: HASH }],
  };
  try {
    await Promise.all([
      dynamo.send(new CreateTableCommand({ TableName: tables.orders, BillingMode: 'PAY_PER_REQUEST', ...byOrder })),
      dynamo.send(
        new CreateTableCommand({
          TableName: tables.inventory,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'sku', AttributeType: S }],
          KeySchema: [{ AttributeName: 'sku', KeyType: 'HASH' }],
        }),
      ),
      dynamo.send(
        new CreateTableCommand({
          TableName: tables.ledger,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: 'orderId', AttributeType: S },
            { AttributeName: 'entryId', AttributeType: S },
          ],
          KeySchema: [
            { AttributeName: 'orderId', KeyType: 'HASH' },
            { AttributeName: 'entryId', KeyType: 'RANGE' },
          ],
        }),
      ),
    ]);
  } finally {
    dynamo.destroy();
  }
}
