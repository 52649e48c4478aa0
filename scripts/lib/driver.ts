import { Worker } from 'node:worker_threads';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { OrderRecord, TerminalStatus } from '#domain/order';
import { isTerminal } from '#domain/order';
import { createHttpClient, type HttpClient } from './http-client.ts';
import type { OpenModelJob, SenderMessage } from './open-model-thread.ts';
import { postOrder } from './order-post.ts';
import type { RequestSigner } from './sigv4.ts';
import type { WorkloadOrder } from './workload.ts';

export interface DriveOptions {
  apiUrl: string;
  orders: WorkloadOrder[];
  /**
   * Closed model: this many orders in the pipeline at once; each virtual client places an order,
   * waits until it ends, then places the next. Latency is then the pipeline's own, not a backlog.
   */
  concurrency: number;
  /** Open model: place orders at this rate (per second) whatever happens to them; 0 = closed model. */
  ratePerSec?: number;
  /** Optional cap: give up waiting for terminal states after this long. */
  deadlineMs?: number;
  /**
   * What is still moving in the cloud behind the API (the local cloud's `activity()`): with it,
   * the run ends when every order is terminal or when nothing moves any more (an order still not
   * terminal then is stranded), never on a clock. Without it (a remote stack), only the deadline
   * ends the wait.
   */
  activity?: () => string[];
  /** Reads the current records of the given orders (a table scan locally, GETs against a stack). */
  readOrders: (orderIds: string[]) => Promise<OrderRecord[]>;
  /**
   * At most this many order reads a second, spread over the pending orders (each polled again
   * after a growing interval): a GET is an invocation of the target, so an open model with
   * thousands of orders pending would otherwise load the target with its own polling. Latency
   * comes from the records' own times, so polling later only delays noticing the end. Default:
   * every pending order at every tick in a closed model (its clients wait on the reads; cheap
   * BatchGetItems of 100 keys), {@link OPEN_MODEL_READS_PER_SECOND} in an open model, where no
   * client waits on them and thousands may be pending.
   */
  maxReadsPerSecond?: number;
  /**
   * How often a closed model reads its pending orders (default 150 ms). Each client waits on these
   * reads before its next order: the calibration, one order at a time and no review orders, reads
   * every 40 ms (every 150 ms it noticed an order 75 ms after it ended on average, 30 times per
   * variant). Runs with review orders keep 150 ms: a reviewer that sees an order park sooner can
   * decide while the parking invocation is still returning on a busy machine, which the report's
   * "compute while waiting" then counts.
   */
  pollMs?: number;
  onProgress?: (done: number, total: number) => void;
  /** Signs each POST (SigV4, an API with IAM authorization); unsigned without it. */
  sign?: RequestSigner;
  /** The same signing for the open model's sender thread, which builds its own signer from it. */
  signing?: { region: string; credentials: AwsCredentialIdentity };
  /** Who the driver says it is when it decides a review (`reviewer` of the review API). */
  reviewer?: string;
}

export interface OrderOutcome {
  orderId: string;
  kind: WorkloadOrder['kind'];
  httpStatus: number;
  /** When the client sent the POST and got the answer (client clock). */
  sentAtMs: number;
  acceptedAtMs: number;
  record?: OrderRecord;
  /**
   * Open model: how late the client sent the order after its due time (ms). When it grows, the
   * generator, not the target, sets the pace.
   */
  lagMs?: number;
  /** When the order was due (open model, client clock). */
  dueAtMs?: number;
  /** Review orders: what the driver saw and did as the reviewer. */
  review?: ReviewerOutcome;
}

export interface ReviewerOutcome {
  /** The decision the workload gave the reviewer (`timeout`: it posted none). */
  decision: 'approve' | 'reject' | 'timeout';
  /** When GET first showed the order AWAITING_REVIEW (client clock); absent if it never did. */
  sawWaitingAtMs?: number;
  /** The review API's answer (202, or 409 when a retry found its own decision recorded). */
  httpStatus?: number;
}

export interface DriveResult {
  outcomes: OrderOutcome[];
  startedAtMs: number;
  /**
   * When the last order reached a terminal state (or the wait ended); orders that waited for
   * review are left out (a person or a timeout, not the pipeline, decides when they end).
   */
  finishedAtMs: number;
  /** Accepted orders that did not reach a terminal state. */
  timedOut: string[];
  /** Why the wait for them ended: the cloud went quiet with them stranded, or the deadline passed. */
  endedBy?: 'quiescent' | 'deadline';
}

/**
 * Drives a workload through an orders API, closed model (bounded orders in flight) or open model
 * (a fixed arrival rate), and waits until each accepted order reaches a terminal state or the
 * deadline passes. One watcher polls for all pending orders, so polling does not grow with the
 * number of clients.
 */
export async function driveWorkload(options: DriveOptions): Promise<DriveResult> {
  const startedAtMs = Date.now();
  const deadline = options.deadlineMs === undefined ? Number.POSITIVE_INFINITY : startedAtMs + options.deadlineMs;
  const reviewing = { count: 0 };
  const watcher = new TerminalWatcher(
    options.readOrders,
    deadline,
    options.activity,
    () => reviewing.count > 0,
    options.maxReadsPerSecond ?? (options.ratePerSec ? OPEN_MODEL_READS_PER_SECOND : undefined),
    options.pollMs,
  );
  const client = createHttpClient();
  try {
    return await drive(options, startedAtMs, deadline, watcher, client, reviewing);
  } finally {
    client.destroy();
  }
}

async function drive(
  options: DriveOptions,
  startedAtMs: number,
  deadline: number,
  watcher: TerminalWatcher,
  client: HttpClient,
  reviewing: { count: number },
): Promise<DriveResult> {
  const outcomes: OrderOutcome[] = new Array(options.orders.length);
  let finishedAtMs = startedAtMs;
  let done = 0;
  // Orders waiting for review finish in the background: a client does not hold a lane while a
  // person decides, so the wait adds no back-pressure to the other orders.
  const background: Promise<void>[] = [];
  const finish = async (outcome: OrderOutcome) => {
    outcome.record = await watcher.wait(outcome.orderId);
    // The throughput window ends with the last order the pipeline itself finished (an order that
    // waited for review ends when a person or its timeout decides), when its record says it ended
    // (clamped to this clock's now), not when a read noticed: reads on a budget notice late.
    if (outcome.record && isTerminal(outcome.record.status) && !outcome.review?.sawWaitingAtMs)
      finishedAtMs = Math.max(
        finishedAtMs,
        Math.min(Date.now(), Date.parse(outcome.record.terminalAt ?? '') || Date.now()),
      );
    options.onProgress?.(++done, options.orders.length);
  };
  const track = async (outcome: OrderOutcome, order: WorkloadOrder) => {
    if (outcome.httpStatus !== 202 && outcome.httpStatus !== 200) return;
    if (!order.review) return finish(outcome);
    const review = order.review;
    const reviewer: ReviewerOutcome = { decision: review.decision };
    outcome.review = reviewer;
    const parked = await watcher.wait(outcome.orderId, (r) => r.status === 'AWAITING_REVIEW' || isTerminal(r.status));
    if (parked?.status === 'AWAITING_REVIEW') reviewer.sawWaitingAtMs = Date.now();
    const decide = async () => {
      if (parked?.status !== 'AWAITING_REVIEW' || review.decision === 'timeout') return;
      reviewing.count++;
      try {
        await sleep(review.delayMs);
        reviewer.httpStatus = await postReview(client, options.apiUrl, outcome.orderId, review.decision, options);
      } finally {
        reviewing.count--;
      }
    };
    background.push(decide().then(() => finish(outcome)));
  };
  if (options.ratePerSec) {
    // The open model's sends happen on a thread of their own (open-model-thread.ts): this thread's
    // polling and bookkeeping never make an order late, so the lag is the sender's own.
    const tracked: Promise<void>[] = [];
    await sendOnThread(
      {
        apiUrl: options.apiUrl,
        orderIds: options.orders.map((o) => o.command.orderId),
        bodies: options.orders.map((o) => JSON.stringify(o.command)),
        ratePerSec: options.ratePerSec,
        ...(options.signing ? { signing: options.signing } : {}),
      },
      (posted) => {
        const { index, ...rest } = posted;
        outcomes[index] = { ...rest, kind: options.orders[index]!.kind };
        tracked.push(track(outcomes[index]!, options.orders[index]!));
      },
    );
    await Promise.all(tracked);
  } else {
    // Orders that will wait for review go first: their waits (a reviewer's delay, a timeout) then
    // overlap the rest of the run instead of lengthening it.
    const sequence = options.orders.map((_, index) => index);
    sequence.sort((a, b) => Number(!options.orders[a]!.review) - Number(!options.orders[b]!.review) || a - b);
    let next = 0;
    const lane = async () => {
      while (next < sequence.length && Date.now() < deadline) {
        const index = sequence[next++]!;
        const order = options.orders[index]!;
        const posted = await postOrder(
          client,
          options.apiUrl,
          order.command.orderId,
          JSON.stringify(order.command),
          options.sign,
        );
        outcomes[index] = { ...posted, kind: order.kind };
        await track(outcomes[index]!, order);
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency, options.orders.length) }, lane));
  }
  await Promise.all(background);
  watcher.stop();
  const placed = outcomes.filter((o): o is OrderOutcome => o !== undefined);
  const timedOut = placed
    .filter((o) => (o.httpStatus === 202 || o.httpStatus === 200) && !(o.record && isTerminal(o.record.status)))
    .map((o) => o.orderId);
  return {
    outcomes: placed,
    startedAtMs,
    finishedAtMs: timedOut.length > 0 ? Date.now() : finishedAtMs,
    timedOut,
    ...(watcher.endedBy ? { endedBy: watcher.endedBy } : {}),
  };
}

/**
 * The open model's read budget when none is given: at 500 orders/s 2,000 orders and more are
 * pending at once, and reading them all at every tick (the closed model's way) kept the local
 * DynamoDB busy with the driver's reads (1,800 records a second, 0.55 ms each, in a 2,000-order
 * run at 500/s), taken from the pipeline it measures. Orders a reviewer waits for are read first.
 */
const OPEN_MODEL_READS_PER_SECOND = 400;

/** The cloud must stay quiet this long, over several polls, before a waiting order counts as stranded. */
const QUIET_FOR_MS = 1_000;

interface Waiter {
  until: (record: OrderRecord) => boolean;
  /** Waits for something before the end (a review order parking): read first on a budget. */
  eager: boolean;
  resolve: (record: OrderRecord | undefined) => void;
}

/**
 * Polls for every pending order at once and wakes each waiter when its order ends (or reaches
 * what the waiter waits for), or when the cloud has gone quiet with the order still not terminal
 * (stranded), or at the optional deadline. An order waiting for review is not stranded while its
 * review may still be decided: the driver is about to decide it, or its timeout is still ahead.
 */
class TerminalWatcher {
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly last = new Map<string, OrderRecord>();
  /** With a read budget: when each pending order is read next, and its current interval. */
  private readonly schedule = new Map<string, { atMs: number; intervalMs: number }>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private polling = false;
  private quietSince: number | undefined;
  endedBy: 'quiescent' | 'deadline' | undefined;

  constructor(
    private readonly readOrders: (ids: string[]) => Promise<OrderRecord[]>,
    private readonly deadline: number,
    private readonly activity?: () => string[],
    private readonly deciding: () => boolean = () => false,
    private readonly maxReadsPerSecond = Number.POSITIVE_INFINITY,
    private readonly pollMs = POLL_MS,
  ) {}

  wait(orderId: string, until?: (record: OrderRecord) => boolean) {
    return new Promise<OrderRecord | undefined>((resolve) => {
      if (this.endedBy) return resolve(this.last.get(orderId));
      const waiter = {
        until: until ?? ((r: OrderRecord) => isTerminal(r.status)),
        eager: until !== undefined,
        resolve,
      };
      const list = this.waiters.get(orderId);
      if (list) list.push(waiter);
      else this.waiters.set(orderId, [waiter]);
      if (!this.schedule.has(orderId)) this.schedule.set(orderId, { atMs: Date.now() + POLL_MS, intervalMs: POLL_MS });
      this.arm();
    });
  }

  /**
   * The pending orders to read this tick: all of them, or, on a budget, those a waiter wants before
   * the end (a reviewer) first, then the most overdue.
   */
  private due(now: number): string[] {
    const ids = [...this.waiters.keys()];
    if (!Number.isFinite(this.maxReadsPerSecond)) return ids;
    const budget = Math.max(1, Math.floor((this.maxReadsPerSecond * POLL_MS) / 1000));
    const eager = (id: string) => (this.waiters.get(id)?.some((w) => w.eager) ? 0 : 1);
    return ids
      .filter((id) => (this.schedule.get(id)?.atMs ?? 0) <= now)
      .sort((a, b) => eager(a) - eager(b) || (this.schedule.get(a)?.atMs ?? 0) - (this.schedule.get(b)?.atMs ?? 0))
      .slice(0, budget);
  }

  /** A read that found the order still going: read it again later, less often the longer it runs. */
  private backOff(orderId: string, now: number): void {
    const entry = this.schedule.get(orderId);
    if (!entry) return;
    const intervalMs = Math.min(MAX_POLL_INTERVAL_MS, entry.intervalMs * 2);
    this.schedule.set(orderId, { atMs: now + intervalMs, intervalMs });
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The next poll, one at a time: each is armed when the one before has finished. */
  private arm(): void {
    if (this.timer || this.stopped || this.waiters.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.poll().finally(() => this.arm());
    }, this.interval());
  }

  /** How long until the next poll: the closed model's interval; on a budget (open model), the budget's tick. */
  private interval(): number {
    return Number.isFinite(this.maxReadsPerSecond) ? POLL_MS : this.pollMs;
  }

  private async poll(): Promise<void> {
    if (this.polling || this.waiters.size === 0) return;
    this.polling = true;
    try {
      // Quiet is sampled before the read: an order that ends in between is read as terminal.
      const quiet = this.activity ? this.activity().length === 0 && !this.deciding() : false;
      const ids = this.due(Date.now());
      const records = ids.length > 0 ? await this.readOrders(ids) : [];
      for (const record of records) {
        this.last.set(record.orderId, record);
        this.settle(record.orderId, record, (waiter) => waiter.until(record));
      }
      const now = Date.now();
      for (const id of ids) if (this.waiters.has(id)) this.backOff(id, now);
      if (this.waiters.size === 0) return;
      const reviewPending = [...this.waiters.keys()].some((id) => {
        const review = this.last.get(id);
        return review?.status === 'AWAITING_REVIEW' && Date.parse(review.review?.timeoutAt ?? '') + QUIET_FOR_MS > now;
      });
      this.quietSince = quiet && !reviewPending ? (this.quietSince ?? now) : undefined;
      const stranded = this.quietSince !== undefined && now - this.quietSince >= QUIET_FOR_MS;
      if (stranded && Number.isFinite(this.maxReadsPerSecond)) {
        // On a budget the last reads may be old: every pending order is read once more before
        // any of them counts as stranded.
        for (const record of await this.readOrders([...this.waiters.keys()])) {
          this.last.set(record.orderId, record);
          this.settle(record.orderId, record, (waiter) => waiter.until(record));
        }
      }
      if (stranded || now >= this.deadline) {
        this.endedBy = stranded ? 'quiescent' : 'deadline';
        for (const id of [...this.waiters.keys()]) this.settle(id, this.last.get(id), () => true);
      }
    } catch {
      // a failed poll is retried at the next tick
    } finally {
      this.polling = false;
    }
  }

  private settle(orderId: string, record: OrderRecord | undefined, which: (waiter: Waiter) => boolean): void {
    const list = this.waiters.get(orderId);
    if (!list) return;
    const remaining = list.filter((waiter) => {
      if (!which(waiter)) return true;
      waiter.resolve(record);
      return false;
    });
    if (remaining.length > 0) this.waiters.set(orderId, remaining);
    else {
      this.waiters.delete(orderId);
      this.schedule.delete(orderId);
    }
  }
}

/** How often the watcher wakes; on a read budget, a pending order's first interval. */
const POLL_MS = 150;
/** On a read budget, the longest a pending order goes unread (its interval doubles up to it). */
const MAX_POLL_INTERVAL_MS = 2_000;

/** A throttled review (429) is retried for this long at most; other failures five times. */
const THROTTLE_RETRY_FOR_MS = 30 * 60_000;
const MAX_FAILED_ATTEMPTS = 5;

/**
 * The driver as the reviewer: `POST /orders/{orderId}/review`, throttles and 5xx retried like the
 * orders themselves (a retry of a recorded decision answers 409 with it, which is its answer).
 */
async function postReview(
  client: HttpClient,
  apiUrl: string,
  orderId: string,
  decision: 'approve' | 'reject',
  options: Pick<DriveOptions, 'sign' | 'reviewer'>,
): Promise<number> {
  const startedAtMs = Date.now();
  for (let attempt = 1, failures = 0; ; attempt++) {
    const backoff = () => sleep(Math.random() * Math.min(1000, 50 * 2 ** Math.min(attempt, 10)));
    try {
      const url = `${apiUrl}/orders/${encodeURIComponent(orderId)}/review`;
      const body = JSON.stringify({ decision, reviewer: options.reviewer ?? 'load-driver' });
      const plain = { 'content-type': 'application/json' };
      const headers = options.sign ? await options.sign({ method: 'POST', url, headers: plain, body }) : plain;
      const response = await client.request('POST', url, headers, body);
      if (response.status === 429 && Date.now() - startedAtMs < THROTTLE_RETRY_FOR_MS) {
        await backoff();
        continue;
      }
      if (response.status >= 500 && ++failures < MAX_FAILED_ATTEMPTS) {
        await backoff();
        continue;
      }
      return response.status;
    } catch {
      if (++failures >= MAX_FAILED_ATTEMPTS) return 0;
      await backoff();
    }
  }
}

/** Runs the open model's sender thread to the end, handing each POST outcome over as it comes. */
function sendOnThread(
  job: OpenModelJob,
  onPosted: (posted: Extract<SenderMessage, { type: 'sent' }>['outcomes'][number]) => void,
): Promise<void> {
  const worker = new Worker(new URL('./open-model-thread.ts', import.meta.url), {
    workerData: { openModel: job },
    // Node runs the thread's TypeScript itself (type stripping), without this process's loader.
    execArgv: [],
  });
  return new Promise<void>((resolve, reject) => {
    worker.on('message', (message: SenderMessage) => {
      if (message.type === 'sent') for (const posted of message.outcomes) onPosted(posted);
      else {
        resolve();
        void worker.terminate();
      }
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the open model's sender thread exited with code ${code}`)));
  });
}

/** Accept -> terminal latency of one order, from the record's own (server-side) clock. */
export function latencyMs(record: OrderRecord): number | undefined {
  if (!record.terminalAt) return undefined;
  return Date.parse(record.terminalAt) - Date.parse(record.createdAt);
}

export function terminalCounts(outcomes: OrderOutcome[]): Record<TerminalStatus, number> {
  const counts: Record<TerminalStatus, number> = { CONFIRMED: 0, CANCELLED: 0, REJECTED: 0, FAILED: 0 };
  for (const o of outcomes) if (o.record && isTerminal(o.record.status)) counts[o.record.status as TerminalStatus]++;
  return counts;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
