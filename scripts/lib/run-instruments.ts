import type { CloudInstruments, CounterName, HopType, InvocationRecord } from '../local-cloud/types.ts';
import type { LatencyModel } from '../measure/latency-model.ts';
import { orderIdsIn } from './local-probe.ts';

/**
 * The instruments of one measured run: counters of billable units, and the latency model's hop
 * delays, drawn per hop and remembered per order (from the ids in each hop's payload) with when
 * the hop happened, so that a run's modelled-for-AWS latency is its local latency plus the
 * delays of the hops on the way to its terminal state. The hops are not slowed down: sleeping
 * them would only make the machine idle (a closed model then measures the sleeps, and lower
 * concurrency costs throughput), and a hop after the order ended (a fan-out consumer of
 * OrderConfirmed) must not count. `reset` starts the next variant's run.
 */
export class RunInstruments implements CloudInstruments {
  private counts = new Map<CounterName, number>();
  private injected = new Map<string, Array<{ atMs: number; delayMs: number }>>();
  private model: LatencyModel | undefined;
  private handlerSpans = new Map<string, Array<[number, number]>>();

  reset(model?: LatencyModel): void {
    this.counts = new Map();
    this.injected = new Map();
    this.handlerSpans = new Map();
    this.model = model;
  }

  count(name: CounterName, n = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + n);
  }

  /** Draws the hop's modelled delay and records it for the orders it carries; never delays the hop. */
  hopDelay(hop: HopType, payload?: unknown): number {
    const delayMs = this.model?.hopDelay(hop) ?? 0;
    if (delayMs > 0) {
      const atMs = Date.now();
      for (const orderId of orderIdsInPayload(payload)) {
        const hops = this.injected.get(orderId);
        if (hops) hops.push({ atMs, delayMs });
        else this.injected.set(orderId, [{ atMs, delayMs }]);
      }
    }
    return 0;
  }

  invocation(record: InvocationRecord): void {
    for (const orderId of orderIdsInPayload(record.event)) {
      const spans = this.handlerSpans.get(orderId);
      if (spans) spans.push([record.startedAtMs, record.endedAtMs]);
      else this.handlerSpans.set(orderId, [[record.startedAtMs, record.endedAtMs]]);
    }
  }

  /**
   * Of an order's time from `fromMs` to `toMs`, the part when none of its handlers was running:
   * what the local cloud itself took to carry it from step to step (queues, buses, the state
   * machine, waiting for an environment), as opposed to the steps' own work.
   */
  betweenStepsMs(orderId: string, fromMs: number, toMs: number): number {
    const spans = (this.handlerSpans.get(orderId) ?? [])
      .map(([start, end]): [number, number] => [Math.max(start, fromMs), Math.min(end, toMs)])
      .filter(([start, end]) => end > start)
      .sort((a, b) => a[0] - b[0]);
    let busy = 0;
    let reach = fromMs;
    for (const [start, end] of spans) {
      if (end <= reach) continue;
      busy += end - Math.max(start, reach);
      reach = end;
    }
    return Math.max(0, toMs - fromMs - busy);
  }

  counters(): Partial<Record<CounterName, number>> {
    return Object.fromEntries(this.counts) as Partial<Record<CounterName, number>>;
  }

  /** Modelled AWS delay of this order's hops that happened by `untilMs` (its terminal time). */
  injectedFor(orderId: string, untilMs = Number.POSITIVE_INFINITY): number {
    return (this.injected.get(orderId) ?? []).reduce((sum, hop) => (hop.atMs <= untilMs ? sum + hop.delayMs : sum), 0);
  }
}

function orderIdsInPayload(payload: unknown): string[] {
  if (payload === undefined || payload === null) return [];
  if (typeof payload === 'string') return orderIdsIn(payload);
  if (Array.isArray(payload)) return [...new Set(payload.flatMap(orderIdsInPayload))];
  return orderIdsIn(JSON.stringify(payload));
}
