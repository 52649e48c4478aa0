import type { Counts } from '../report/types.ts';
import type { RunInstruments } from './run-instruments.ts';

/**
 * Functions that only ever ran for orders already terminal: independent consumers of the final
 * event (the warehouse notice). Their units are reported apart, so every variant is compared on
 * the same pipeline.
 */
export function fanOutConsumers(instruments: RunInstruments, terminalAt: Map<string, number | undefined>): Set<string> {
  const before = new Set<string>();
  const after = new Set<string>();
  for (const [orderId, invocations] of instruments.invocationsByOrder()) {
    const end = terminalAt.get(orderId);
    if (end === undefined) continue;
    for (const i of invocations) (i.startedAtMs > end ? after : before).add(i.functionName);
  }
  return new Set([...after].filter((fn) => !before.has(fn)));
}

/**
 * The pipeline's counts (fan-out consumers taken out) with Lambda GB-seconds priced from each
 * function's light-load duration, not from the durations of a loaded machine.
 */
export function withoutFanOut(
  counts: Counts,
  instruments: RunInstruments,
  fanOut: ReadonlySet<string>,
  durationMs: Record<string, number> = {},
): { counts: Counts; fanOutCounts: Counts } {
  const pipeline: Counts = { ...counts };
  const apart: Counts = {};
  let gbSeconds = 0;
  for (const [name, fn] of instruments.functions()) {
    const ms = durationMs[name];
    const fnGbSeconds = ms === undefined ? 0 : (fn.invocations * (fn.memoryMb / 1024) * Math.ceil(ms)) / 1000;
    if (!fanOut.has(name)) {
      gbSeconds += fnGbSeconds;
      continue;
    }
    apart.lambdaInvocations = (apart.lambdaInvocations ?? 0) + fn.invocations;
    apart.lambdaGbSeconds = (apart.lambdaGbSeconds ?? 0) + fnGbSeconds;
    apart.eventDeliveries = (apart.eventDeliveries ?? 0) + fn.invocations;
    for (const [counter, n] of Object.entries(fn.usage)) {
      const c = counter as keyof Counts;
      apart[c] = (apart[c] ?? 0) + (n ?? 0);
    }
  }
  for (const [counter, n] of Object.entries(apart)) {
    const c = counter as keyof Counts;
    if (c !== 'lambdaGbSeconds' && c !== 'eventDeliveries') pipeline[c] = Math.max(0, (pipeline[c] ?? 0) - (n ?? 0));
  }
  if (apart.eventDeliveries && pipeline.eventDeliveries !== undefined)
    pipeline.eventDeliveries = Math.max(0, pipeline.eventDeliveries - apart.eventDeliveries);
  if (Object.keys(durationMs).length > 0) pipeline.lambdaGbSeconds = gbSeconds;
  return { counts: pipeline, fanOutCounts: apart };
}
