import type { JourneyInvocation } from '../measure/aws-model.ts';

/** Compute an order's functions spent while it waited for review (summed over the waiting orders of a run). */
export interface WhileWaiting {
  /** Invocations of the order's functions that ran while it waited, beyond parking and deciding. */
  invocations: number;
  /** Their Lambda GB-seconds, counted for the part of each that fell inside the wait. */
  lambdaGbSeconds: number;
}

/**
 * What an order's own functions ran while it waited for review, from the run's invocation
 * records, over its wait (from the moment it parked to the moment the decision or the timeout was
 * recorded): an invocation running across the whole wait (a Lambda sleeping until a person
 * answers) and any invocation in between (a poller) count, for their part inside the wait; the
 * invocation that parked the order and the one that recorded the decision do not (they are the
 * wait's two ends, costed in their own rows). A variant that holds the order without compute (a
 * task token, a durable callback, a table row) shows zero.
 */
export function lambdaWhileWaiting(
  invocations: readonly JourneyInvocation[],
  wait: { parkedAtMs: number; decidedAtMs?: number },
  memoryMbOf: (functionName: string) => number,
): WhileWaiting {
  const { parkedAtMs } = wait;
  const decidedAtMs = wait.decidedAtMs ?? Number.POSITIVE_INFINITY;
  const holds = (at: number, i: JourneyInvocation) => i.startedAtMs <= at && at <= i.endedAtMs;
  let count = 0;
  let gbSeconds = 0;
  for (const invocation of invocations) {
    const parks = holds(parkedAtMs, invocation);
    const decides = holds(decidedAtMs, invocation);
    // One end of the wait only: the park's own work, or the decision's.
    if (parks !== decides) continue;
    const overlapMs = Math.min(invocation.endedAtMs, decidedAtMs) - Math.max(invocation.startedAtMs, parkedAtMs);
    if (overlapMs <= 0) continue;
    count += 1;
    gbSeconds += ((memoryMbOf(invocation.functionName) / 1024) * overlapMs) / 1000;
  }
  return { invocations: count, lambdaGbSeconds: gbSeconds };
}
