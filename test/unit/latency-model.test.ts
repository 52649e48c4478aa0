import type { HopType } from '#cloud/types';
import { createLatencyModel, inverseCdf, loadHopLatencyTable, quantileKnots } from '#measure/latency-model';

const table = loadHopLatencyTable();
const HOPS: HopType[] = ['sqs', 'eventbridge', 'sfn-standard', 'sfn-express'];

function draw(seed: number, hop: HopType, n: number): number[] {
  const model = createLatencyModel({ mode: 'aws', seed });
  return Array.from({ length: n }, () => model.hopDelay(hop));
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

describe('createLatencyModel', () => {
  it('replays the same delays for the same seed', () => {
    expect(draw(42, 'eventbridge', 50)).toEqual(draw(42, 'eventbridge', 50));
    expect(draw(42, 'eventbridge', 50)).not.toEqual(draw(43, 'eventbridge', 50));
  });

  it('keeps each hop type on its own stream, whatever the interleaving', () => {
    const interleaved = createLatencyModel({ mode: 'aws', seed: 9 });
    const sqs = Array.from({ length: 20 }, () => {
      interleaved.hopDelay('eventbridge');
      return interleaved.hopDelay('sqs');
    });
    expect(sqs).toEqual(draw(9, 'sqs', 20));
  });

  it.each(HOPS)('draws %s delays whose p50 / p90 / p99 match the published table', (hop) => {
    const sorted = draw(2024, hop, 20_000).sort((a, b) => a - b);
    const published = table.hops[hop];
    expect(quantile(sorted, 0.5)).toBeGreaterThan(published.p50 * 0.97);
    expect(quantile(sorted, 0.5)).toBeLessThan(published.p50 * 1.03);
    expect(quantile(sorted, 0.9)).toBeGreaterThan(published.p90 * 0.97);
    expect(quantile(sorted, 0.9)).toBeLessThan(published.p90 * 1.03);
    expect(quantile(sorted, 0.99)).toBeGreaterThan(published.p99 * 0.92);
    expect(quantile(sorted, 0.99)).toBeLessThan(published.p99 * 1.08);
  });

  it('never draws below the floor or above the cap', () => {
    const knots = quantileKnots(table.hops.sqs);
    const samples = draw(5, 'sqs', 5_000);
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(knots[0]!.ms);
    expect(Math.max(...samples)).toBeLessThanOrEqual(knots[knots.length - 1]!.ms);
  });

  it('adds nothing in mode none', () => {
    const model = createLatencyModel({ mode: 'none', seed: 1 });
    expect(HOPS.map((hop) => model.hopDelay(hop))).toEqual([0, 0, 0, 0]);
    expect(model.describe()).toMatch(/local only/);
  });

  it('describes its source and seed', () => {
    expect(createLatencyModel({ mode: 'aws', seed: 77 }).describe()).toMatch(/bitesizedserverless\.com.*seed 77/);
  });
});

describe('inverseCdf', () => {
  it('passes through every knot and interpolates linearly between them', () => {
    const knots = quantileKnots(table.hops.eventbridge);
    for (const knot of knots) expect(inverseCdf(knots, knot.q)).toBeCloseTo(knot.ms, 10);
    expect(inverseCdf(knots, 0.7)).toBeCloseTo((table.hops.eventbridge.p50 + table.hops.eventbridge.p90) / 2, 10);
  });
});
