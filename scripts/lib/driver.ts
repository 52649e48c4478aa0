import type { OrderRecord, TerminalStatus } from '../../shared/domain/order.ts';
import { isTerminal } from '../../shared/domain/order.ts';
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
  /** Give up waiting for terminal states after this long. */
  deadlineMs: number;
  /** Reads the current records of the given orders (a table scan locally, GETs against a stack). */
  readOrders: (orderIds: string[]) => Promise<OrderRecord[]>;
  onProgress?: (done: number, total: number) => void;
}

export interface OrderOutcome {
  orderId: string;
  kind: WorkloadOrder['kind'];
  httpStatus: number;
  /** When the client sent the POST and got the answer (client clock). */
  sentAtMs: number;
  acceptedAtMs: number;
  record?: OrderRecord;
}

export interface DriveResult {
  outcomes: OrderOutcome[];
  startedAtMs: number;
  /** When the last order reached a terminal state (or the deadline passed). */
  finishedAtMs: number;
  timedOut: string[];
}

/**
 * Drives a workload through an orders API, closed model (bounded orders in flight) or open model
 * (a fixed arrival rate), and waits until each accepted order reaches a terminal state or the
 * deadline passes. One watcher polls for all pending orders, so polling does not grow with the
 * number of clients.
 */
export async function driveWorkload(options: DriveOptions): Promise<DriveResult> {
  const startedAtMs = Date.now();
  const deadline = startedAtMs + options.deadlineMs;
  const watcher = new TerminalWatcher(options.readOrders, deadline);
  const outcomes: OrderOutcome[] = new Array(options.orders.length);
  let finishedAtMs = startedAtMs;
  let done = 0;
  const track = async (outcome: OrderOutcome) => {
    if (outcome.httpStatus !== 202 && outcome.httpStatus !== 200) return;
    outcome.record = await watcher.wait(outcome.orderId);
    if (outcome.record && isTerminal(outcome.record.status)) finishedAtMs = Math.max(finishedAtMs, Date.now());
    options.onProgress?.(++done, options.orders.length);
  };
  if (options.ratePerSec) {
    const interval = 1000 / options.ratePerSec;
    await Promise.all(options.orders.map(async (order, index) => {
      const due = startedAtMs + index * interval;
      if (due > Date.now()) await sleep(due - Date.now());
      outcomes[index] = await postOne(options.apiUrl, order);
      await track(outcomes[index]!);
    }));
  } else {
    let next = 0;
    const lane = async () => {
      while (next < options.orders.length && Date.now() < deadline) {
        const index = next++;
        outcomes[index] = await postOne(options.apiUrl, options.orders[index]!);
        await track(outcomes[index]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency, options.orders.length) }, lane));
  }
  watcher.stop();
  const placed = outcomes.filter((o): o is OrderOutcome => o !== undefined);
  const timedOut = placed.filter((o) => (o.httpStatus === 202 || o.httpStatus === 200) && !(o.record && isTerminal(o.record.status))).map((o) => o.orderId);
  return { outcomes: placed, startedAtMs, finishedAtMs: timedOut.length > 0 ? Date.now() : finishedAtMs, timedOut };
}

/** Polls for every pending order at once and wakes each waiter when its order ends. */
class TerminalWatcher {
  private readonly waiters = new Map<string, (record: OrderRecord | undefined) => void>();
  private readonly last = new Map<string, OrderRecord>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(private readonly readOrders: (ids: string[]) => Promise<OrderRecord[]>, private readonly deadline: number) {}

  wait(orderId: string): Promise<OrderRecord | undefined> {
    return new Promise((resolve) => {
      this.waiters.set(orderId, resolve);
      this.timer ??= setInterval(() => void this.poll(), 150);
    });
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async poll(): Promise<void> {
    if (this.polling || this.waiters.size === 0) return;
    this.polling = true;
    try {
      const ids = [...this.waiters.keys()];
      for (const record of await this.readOrders(ids)) {
        this.last.set(record.orderId, record);
        if (isTerminal(record.status)) this.settle(record.orderId, record);
      }
      if (Date.now() >= this.deadline) for (const id of ids) this.settle(id, this.last.get(id));
    } catch {
      // a failed poll is retried at the next tick
    } finally {
      this.polling = false;
    }
  }

  private settle(orderId: string, record: OrderRecord | undefined): void {
    const resolve = this.waiters.get(orderId);
    if (!resolve) return;
    this.waiters.delete(orderId);
    resolve(record);
  }
}

async function postOne(apiUrl: string, order: WorkloadOrder): Promise<OrderOutcome> {
  const sentAtMs = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(`${apiUrl}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(order.command) });
      await response.text();
      // 5xx and throttling are retried with the same body: the orderId makes that safe.
      if ((response.status >= 500 || response.status === 429) && attempt < 5) {
        await sleep(100 * 2 ** attempt);
        continue;
      }
      return { orderId: order.command.orderId, kind: order.kind, httpStatus: response.status, sentAtMs, acceptedAtMs: Date.now() };
    } catch (error) {
      if (attempt >= 5) return { orderId: order.command.orderId, kind: order.kind, httpStatus: 0, sentAtMs, acceptedAtMs: Date.now() };
      await sleep(100 * 2 ** attempt);
    }
  }
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
