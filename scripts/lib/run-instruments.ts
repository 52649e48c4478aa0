import type {
  CloudInstruments,
  CounterName,
  HopType,
  InvocationRecord,
  RetryRecord,
  TimingSample,
} from '../local-cloud/types.ts';
import type { JourneyHop, JourneyInvocation, JourneyRetry, OrderJourney } from '../measure/aws-model.ts';
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
  private invocations = new Map<string, JourneyInvocation[]>();
  private hops = new Map<string, JourneyHop[]>();
  private retries = new Map<string, JourneyRetry[]>();
  private compute = new Map<string, number[]>();
  private durations = new Map<string, number[]>();
  private perFunction = new Map<string, FunctionUsage>();
  private timings = new Map<string, Array<{ atMs: number; samples: TimingSample[] }>>();

  reset(model?: LatencyModel): void {
    this.counts = new Map();
    this.injected = new Map();
    this.handlerSpans = new Map();
    this.invocations = new Map();
    this.hops = new Map();
    this.retries = new Map();
    this.compute = new Map();
    this.durations = new Map();
    this.perFunction = new Map();
    this.timings = new Map();
    this.model = model;
  }

  count(name: CounterName, n = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + n);
  }

  /** Draws the hop's modelled delay and records it for the orders it carries; never delays the hop. */
  hopDelay(hop: HopType, payload?: unknown): number {
    const hopAtMs = Date.now();
    for (const orderId of orderIdsInPayload(payload)) push(this.hops, orderId, { type: hop, atMs: hopAtMs });
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

  retry(record: RetryRecord): void {
    const { payload, ...rest } = record;
    const atMs = Date.now();
    for (const orderId of orderIdsInPayload(payload)) push(this.retries, orderId, { ...rest, atMs });
  }

  invocation(record: InvocationRecord): void {
    const usage = record.usage ?? {};
    // The function's own work: its duration minus the time it waited on AWS calls (local emulators).
    const ownMs = Math.max(0, record.endedAtMs - record.startedAtMs - (usage.awsCallMs ?? 0));
    if (!record.cold) {
      push(this.compute, record.functionName, ownMs);
      push(this.durations, record.functionName, record.endedAtMs - record.startedAtMs);
    }
    const fn = this.perFunction.get(record.functionName) ?? {
      invocations: 0,
      memoryMb: record.memoryMb ?? 1024,
      usage: {},
      billedMs: 0,
    };
    fn.invocations += 1;
    fn.billedMs += Math.ceil(record.endedAtMs - record.startedAtMs);
    for (const [name, n] of Object.entries(usage)) {
      const counter = name as CounterName;
      fn.usage[counter] = (fn.usage[counter] ?? 0) + (n ?? 0);
    }
    this.perFunction.set(record.functionName, fn);
    const entry: JourneyInvocation = {
      functionName: record.functionName,
      startedAtMs: record.startedAtMs,
      endedAtMs: record.endedAtMs,
      cold: record.cold ?? false,
      dynamoCalls: usage.dynamoCalls ?? 0,
    };
    // The HTTP API's handlers (place, get) answer the client: the order's journey starts at
    // acceptance, and a status poll is not a step of it.
    if (!isHttpApiEvent(record.event))
      for (const orderId of orderIdsInPayload(record.event)) {
        push(this.invocations, orderId, entry);
        if (record.timings?.length) push(this.timings, orderId, { atMs: record.startedAtMs, samples: record.timings });
      }
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

  /** The order's journey from `fromMs` (accepted) to `toMs` (terminal): what the AWS model prices. */
  journey(orderId: string, fromMs: number, toMs: number): OrderJourney {
    const within = (atMs: number): boolean => atMs >= fromMs && atMs <= toMs;
    return {
      invocations: (this.invocations.get(orderId) ?? []).filter((i) => within(i.startedAtMs)),
      hops: (this.hops.get(orderId) ?? []).filter((h) => within(h.atMs)),
      retries: (this.retries.get(orderId) ?? []).filter((r) => within(r.atMs)),
    };
  }

  /**
   * What the order's handlers timed themselves from `fromMs` (accepted) to `toMs` (terminal): a
   * durable function's checkpoint round trips, step bodies and replays, in invocation order.
   */
  timingsOf(orderId: string, fromMs: number, toMs: number): TimingSample[] {
    return (this.timings.get(orderId) ?? [])
      .filter((t) => t.atMs >= fromMs && t.atMs <= toMs)
      .flatMap((t) => t.samples);
  }

  /**
   * Time the order's handlers ran from `fromMs` (accepted) to `toMs` (terminal), summed over its
   * invocations: the API's accept and status reads are not among them.
   */
  inHandlerMs(orderId: string, fromMs: number, toMs: number): number {
    return (this.invocations.get(orderId) ?? [])
      .filter((i) => i.startedAtMs >= fromMs && i.startedAtMs <= toMs)
      .reduce((sum, i) => sum + (i.endedAtMs - i.startedAtMs), 0);
  }

  /** Each function's own compute per warm invocation (ms), as measured: the calibration's samples. */
  computeSamples(): Map<string, number[]> {
    return new Map(this.compute);
  }

  /** Each function's full duration per warm invocation (ms): light-load durations price GB-seconds. */
  durationSamples(): Map<string, number[]> {
    return new Map(this.durations);
  }

  /** Per function: invocations, memory and the billable calls its handlers made in this run. */
  functions(): Map<string, FunctionUsage> {
    return new Map(this.perFunction);
  }

  /** Every order's invocations, to tell a consumer that only runs after orders ended (fan-out). */
  invocationsByOrder(): Map<string, JourneyInvocation[]> {
    return new Map(this.invocations);
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

export interface FunctionUsage {
  invocations: number;
  memoryMb: number;
  usage: Partial<Record<CounterName, number>>;
  /** Every invocation's duration rounded up to the ms, cold ones included, as Lambda bills them. */
  billedMs: number;
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function isHttpApiEvent(event: unknown): boolean {
  return typeof event === 'object' && event !== null && 'requestContext' in event && 'routeKey' in event;
}
