import type { CloudInstruments, CounterName, HopType } from '../local-cloud/types.ts';
import type { LatencyModel } from '../measure/latency-model.ts';
import { orderIdsIn } from './local-probe.ts';

/**
 * The instruments of one measured run: counters of billable units, and the latency model's hop
 * delays, remembered per order (from the ids in each hop's payload) so that a run's local and
 * modelled-for-AWS latencies can be told apart. `reset` starts the next variant's run.
 */
export class RunInstruments implements CloudInstruments {
  private counts = new Map<CounterName, number>();
  private injected = new Map<string, number>();
  private model: LatencyModel | undefined;

  reset(model?: LatencyModel): void {
    this.counts = new Map();
    this.injected = new Map();
    this.model = model;
  }

  count(name: CounterName, n = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + n);
  }

  hopDelay(hop: HopType, payload?: unknown): number {
    const delay = this.model?.hopDelay(hop) ?? 0;
    if (delay > 0) for (const orderId of orderIdsInPayload(payload)) this.injected.set(orderId, (this.injected.get(orderId) ?? 0) + delay);
    return delay;
  }

  counters(): Partial<Record<CounterName, number>> {
    return Object.fromEntries(this.counts) as Partial<Record<CounterName, number>>;
  }

  /** Milliseconds of modelled AWS delay this order's hops waited. */
  injectedFor(orderId: string): number {
    return this.injected.get(orderId) ?? 0;
  }
}

function orderIdsInPayload(payload: unknown): string[] {
  if (payload === undefined || payload === null) return [];
  if (typeof payload === 'string') return orderIdsIn(payload);
  if (Array.isArray(payload)) return [...new Set(payload.flatMap(orderIdsInPayload))];
  return orderIdsIn(JSON.stringify(payload));
}
