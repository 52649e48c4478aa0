import { lightLoadGbSeconds } from '../measure/lambda-duration.ts';
import type { Counts } from '../report/types.ts';
import type { FunctionUsage, RunInstruments } from './run-instruments.ts';

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
 * The pipeline's counts (fan-out consumers taken out). Lambda GB-seconds are priced from each
 * function's light-load duration when a calibration gave them (`lightLoadMs`, scripts/measure/
 * lambda-duration.ts), plus what in-code retries waited inside billed invocations
 * (`waitGbSeconds`); a function the calibration never ran is priced at its own durations and named.
 * `measuredGbSeconds` is the pipeline's GB-seconds at the run's own durations, for the report.
 */
export function withoutFanOut(
  counts: Counts,
  instruments: RunInstruments,
  fanOut: ReadonlySet<string>,
  lightLoadMs: Record<string, number> = {},
  waitGbSeconds = 0,
): { counts: Counts; fanOutCounts: Counts; measuredGbSeconds: number; notCalibrated: string[] } {
  const pipeline: Counts = { ...counts };
  const apart: Counts = {};
  const calibrated = Object.keys(lightLoadMs).length > 0;
  let gbSeconds = 0;
  let fanOutMeasured = 0;
  const notCalibrated: string[] = [];
  for (const [name, fn] of instruments.functions()) {
    const ms = lightLoadMs[name];
    if (calibrated && ms === undefined && !fanOut.has(name)) notCalibrated.push(name);
    const fnGbSeconds =
      ms === undefined
        ? measuredGbSecondsOf(fn)
        : lightLoadGbSeconds([[name, { invocations: fn.invocations, memoryMb: fn.memoryMb, lightLoadMs: ms }]])
            .gbSeconds;
    if (!fanOut.has(name)) {
      gbSeconds += fnGbSeconds;
      continue;
    }
    fanOutMeasured += measuredGbSecondsOf(fn);
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
  // The runtime's own counter: every invocation rounded up to the ms, timeouts billed in full.
  const measuredGbSeconds = Math.max(0, (counts.lambdaGbSeconds ?? 0) - fanOutMeasured);
  pipeline.lambdaGbSeconds = calibrated ? gbSeconds + waitGbSeconds : measuredGbSeconds;
  return { counts: pipeline, fanOutCounts: apart, measuredGbSeconds, notCalibrated };
}

/** GB-seconds of a function's invocations as billed: each one's duration rounded up to the ms. */
function measuredGbSecondsOf(fn: FunctionUsage): number {
  return ((fn.memoryMb / 1024) * fn.billedMs) / 1000;
}
