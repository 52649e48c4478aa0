import type { OrderRecord, StepInput, StepName } from './order.ts';
import {
  COMPENSABLE,
  duplicateOf,
  hasSucceeded,
  loadOrder,
  recordingFailures,
  timelineEntry,
  type ForwardEffect,
  type StepDeps,
  type StepResult,
} from './step-runner.ts';

/** Input of a compensation: which order, and why it is being unwound (an error name or rule). */
export interface CompensationInput extends StepInput {
  reason: string;
}

/**
 * The shape of an inverse step (refund, release): run at most once per order (the timeline says
 * whether it already succeeded), move the order to COMPENSATING so no forward step runs after it,
 * and leave ended orders alone.
 */
export async function runInverseStep(
  deps: StepDeps,
  step: StepName,
  input: CompensationInput,
  effect: (order: OrderRecord) => Promise<ForwardEffect>,
): Promise<StepResult> {
  return recordingFailures(deps, step, input, async () => {
    const order = await loadOrder(deps, input.orderId);
    if (!COMPENSABLE.includes(order.status) || hasSucceeded(order, step)) return duplicateOf(deps, step, input, order);
    const { detail } = await effect(order);
    const entry = timelineEntry(deps, step, input, 'succeeded', detail ? { detail } : {});
    const moved = await deps.orders.transition(order.orderId, {
      from: COMPENSABLE,
      to: 'COMPENSATING',
      entry,
      patch: { reason: input.reason },
    });
    if (!moved) return duplicateOf(deps, step, input, await loadOrder(deps, input.orderId));
    return { orderId: order.orderId, status: 'COMPENSATING', duplicate: false, correlationId: order.correlationId };
  });
}

/**
 * Ends an order with a terminal status from any compensable status (CANCELLED, REJECTED, FAILED).
 * A repeat finds it ended and is a no-op.
 */
export async function endOrder(
  deps: StepDeps,
  step: StepName,
  input: CompensationInput,
  to: 'CANCELLED' | 'REJECTED' | 'FAILED',
): Promise<StepResult> {
  return recordingFailures(deps, step, input, async () => {
    const order = await loadOrder(deps, input.orderId);
    if (!COMPENSABLE.includes(order.status) || order.status === to) return duplicateOf(deps, step, input, order);
    const entry = timelineEntry(deps, step, input, 'succeeded', { detail: { reason: input.reason } });
    // FAILED remembers where the order stood, so a redriven message resumes from there.
    const patch = to === 'FAILED' ? { reason: input.reason, resumeStatus: order.status } : { reason: input.reason };
    const moved = await deps.orders.transition(order.orderId, { from: [order.status], to, entry, patch });
    if (!moved) return duplicateOf(deps, step, input, await loadOrder(deps, input.orderId));
    return { orderId: order.orderId, status: to, duplicate: false, correlationId: order.correlationId };
  });
}
