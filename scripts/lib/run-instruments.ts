import type { CloudInstruments, CounterName, HopType } from '../local-cloud/types.ts';
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

  reset(model?: LatencyModel): void {
    this.counts = new Map();
    this.injected = new Map();
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
