import type { OrderRecord, TerminalStatus } from '../../shared/domain/order.ts';
import { isTerminal } from '../../shared/domain/order.ts';
import type { WorkloadOrder } from './workload.ts';

export interface DriveOptions {
  apiUrl: string;
  orders: WorkloadOrder[];
  /** Closed model: at most this many requests in flight. */
  concurrency: number;
  /** Open model: start orders at this rate (per second) regardless of responses; 0 = closed model. */
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
 * Drives a workload through an orders API: POSTs every order (closed or open model), then waits
 * until each accepted order reaches a terminal state or the deadline passes.
 */
export async function driveWorkload(options: DriveOptions): Promise<DriveResult> {
  const startedAtMs = Date.now();
  const outcomes = await postAll(options);
  const accepted = outcomes.filter((o) => o.httpStatus === 202 || o.httpStatus === 200);
  const pending = new Map(accepted.map((o) => [o.orderId, o]));
  const deadline = startedAtMs + options.deadlineMs;
  let finishedAtMs = Date.now();
  while (pending.size > 0 && Date.now() < deadline) {
    const records = await options.readOrders([...pending.keys()]);
    for (const record of records) {
      if (!isTerminal(record.status)) continue;
      const outcome = pending.get(record.orderId);
      if (!outcome) continue;
      outcome.record = record;
      pending.delete(record.orderId);
      finishedAtMs = Date.now();
    }
    options.onProgress?.(accepted.length - pending.size, accepted.length);
    if (pending.size > 0) await sleep(pending.size > 50 ? 250 : 100);
  }
  // Whatever is still pending: record its last state (it counts as not terminal).
  if (pending.size > 0) {
    for (const record of await options.readOrders([...pending.keys()])) {
      const outcome = pending.get(record.orderId);
      if (outcome) outcome.record = record;
    }
    finishedAtMs = Date.now();
  }
  return { outcomes, startedAtMs, finishedAtMs, timedOut: [...pending.keys()] };
}

async function postAll(options: DriveOptions): Promise<OrderOutcome[]> {
  const results: OrderOutcome[] = new Array(options.orders.length);
  let next = 0;
  const interval = options.ratePerSec ? 1000 / options.ratePerSec : 0;
  const t0 = Date.now();
  const worker = async () => {
    while (next < options.orders.length) {
      const index = next++;
      if (interval) {
        const due = t0 + index * interval;
        if (due > Date.now()) await sleep(due - Date.now());
      }
      results[index] = await postOne(options.apiUrl, options.orders[index]!);
    }
  };
  const lanes = interval ? Math.max(options.concurrency, 64) : options.concurrency;
  await Promise.all(Array.from({ length: Math.min(lanes, options.orders.length) }, worker));
  return results;
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
