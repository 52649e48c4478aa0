import { readFileSync } from 'node:fs';
import { mulberry32 } from '../local-cloud/eventbridge/prng.ts';
import type { HopType } from '../local-cloud/types.ts';

/** Published delay quantiles of one hop type, in ms (`shared/data/aws-hop-latency.json`). */
export interface HopQuantiles {
  /** Short service name for sentences: "EventBridge". */
  name: string;
  label: string;
  p10: number;
  p50: number;
  p90: number;
  p99: number;
}

export interface HopLatencyTable {
  source: { title: string; publisher: string; url: string; region: string; measured: string; method: string };
  asOf: string;
  unit: 'ms';
  hops: Record<HopType, HopQuantiles>;
}

export interface LatencyModel {
  /** Milliseconds the emulator should wait before delivering one hop of this type. */
  hopDelay(hop: HopType): number;
  /** One line for logs and reports: what is modelled, from which source, with which seed. */
  describe(): string;
}

export interface LatencyModelOptions {
  /** 'aws' samples the published per-hop delays; 'none' delivers at local speed. */
  mode: 'aws' | 'none';
  seed: number;
  /** Defaults to `shared/data/aws-hop-latency.json`. */
  table?: HopLatencyTable;
}

export const DEFAULT_HOP_LATENCY_FILE = new URL('../../shared/data/aws-hop-latency.json', import.meta.url);

const HOP_TYPES: readonly HopType[] = ['sqs', 'eventbridge', 'sfn-standard', 'sfn-express'];

/**
 * A seeded model of the delay AWS adds per messaging hop. Each hop type draws from its own
 * PRNG stream, so the delays one variant sees do not depend on how its hops interleave with
 * another type's, and the same seed replays the same delays.
 *
 * @example
 * const model = createLatencyModel({ mode: 'aws', seed: 42 });
 * await sleep(model.hopDelay('eventbridge')); // ~148 ms at the median
 */
export function createLatencyModel(options: LatencyModelOptions): LatencyModel {
  if (options.mode === 'none') {
    return { hopDelay: () => 0, describe: () => 'no hop delay added: latencies are local only' };
  }
  const table = options.table ?? loadHopLatencyTable();
  const samplers = new Map(
    HOP_TYPES.map((hop, index) => {
      const random = mulberry32(streamSeed(options.seed, index));
      const knots = quantileKnots(table.hops[hop]);
      return [hop, () => inverseCdf(knots, random())] as const;
    }),
  );
  return {
    hopDelay: (hop) => {
      const sample = samplers.get(hop);
      if (!sample) throw new RangeError(`unknown hop type "${hop}"`);
      return sample();
    },
    describe: () => {
      const hops = HOP_TYPES.map((hop) => {
        const q = table.hops[hop];
        return `${hop} p50 ${q.p50} / p90 ${q.p90} / p99 ${q.p99} ms`;
      });
      return (
        `AWS hop delays (${table.source.title}, ${table.source.region}, ${table.source.url}), seed ` +
        `${options.seed}: ${hops.join('; ')}`
      );
    },
  };
}

/** A point of the inverse CDF: at cumulative probability `q` the delay is `ms`. */
export interface Knot {
  q: number;
  ms: number;
}

/**
 * The knots of the piecewise-linear inverse CDF through the published quantiles. The source
 * also publishes p10, so the lower body is pinned by data rather than by a guess.
 */
export function quantileKnots(hop: HopQuantiles): Knot[] {
  // Floor (q = 0): the source publishes no minimum. Continuing the p10 -> p50 slope down to
  // q = 0 gives p10 - (p50 - p10) / 4 (13.1 ms for SQS, 104 ms for EventBridge): the fastest
  // tenth is as densely packed as the next four tenths, and no delivery is faster than the
  // service's fixed cost of polling or routing (which a floor of 0 would wrongly allow).
  const floor = Math.max(0, hop.p10 - (hop.p50 - hop.p10) / 4);
  // Cap (q = 1): nothing above p99 is published. Continuing the p90 -> p99 slope would stop at
  // p99 + (p99 - p90) / 9 (113 ms for SQS), a thinner tail than queues and buses show. Letting
  // the slowest 1% spread over as wide a range as p50 -> p99 (cap = 2 * p99 - p50: 194 ms for
  // SQS, 626 ms for EventBridge) keeps rare slow deliveries without one draw dominating a run.
  const cap = hop.p99 + (hop.p99 - hop.p50);
  return [
    { q: 0, ms: floor },
    { q: 0.1, ms: hop.p10 },
    { q: 0.5, ms: hop.p50 },
    { q: 0.9, ms: hop.p90 },
    { q: 0.99, ms: hop.p99 },
    { q: 1, ms: cap },
  ];
}

/** Linear interpolation between the two knots around `u` (knots sorted by q, from 0 to 1). */
export function inverseCdf(knots: readonly Knot[], u: number): number {
  for (let i = 1; i < knots.length; i += 1) {
    const lo = knots[i - 1]!;
    const hi = knots[i]!;
    if (u <= hi.q) return lo.ms + ((u - lo.q) / (hi.q - lo.q)) * (hi.ms - lo.ms);
  }
  return knots[knots.length - 1]!.ms;
}

/** Reads and validates the hop latency table; throws naming the bad field. */
export function loadHopLatencyTable(file: string | URL = DEFAULT_HOP_LATENCY_FILE): HopLatencyTable {
  const table = JSON.parse(readFileSync(file, 'utf8')) as HopLatencyTable;
  for (const key of ['title', 'url', 'region'] as const) {
    if (typeof table.source?.[key] !== 'string') throw new Error(`hop latency table: source.${key} must be a string`);
  }
  for (const hop of HOP_TYPES) {
    const q = table.hops?.[hop];
    if (!q) throw new Error(`hop latency table: hops.${hop} is missing`);
    const values = [q.p10, q.p50, q.p90, q.p99];
    const increasing = values.every((v, i) => typeof v === 'number' && v >= 0 && (i === 0 || v >= values[i - 1]!));
    if (!increasing) throw new Error(`hop latency table: hops.${hop} needs numbers with p10 <= p50 <= p90 <= p99`);
  }
  return table;
}

// Decorrelates the per-hop streams: adjacent seeds would otherwise start adjacent mulberry32 states.
function streamSeed(seed: number, stream: number): number {
  return (Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) + Math.imul(stream + 1, 0x85ebca6b)) >>> 0;
}
