import type { OrderRecord, StepInput } from './order.ts';
import { DEFAULT_REVIEW_CONFIG, needsReview } from './review.ts';
import {
  duplicateOf,
  loadOrder,
  positionOf,
  recordingFailures,
  StepOutOfOrderError,
  timelineEntry,
  type StepDeps,
  type StepResult,
} from './step-runner.ts';

export interface AwaitReviewInput extends StepInput {
  /**
   * What the variant resumes the order with, when its mechanism hands one over (a Step Functions
   * task token, a durable callback id). Without it, `deps.reviewTimer` starts the timeout and
   * its token (the schedule's name) is stored.
   */
  token?: string;
  /**
   * When the variant's own mechanism started waiting (a Task state's entered time, ISO-8601): its
   * timeout counts from then, so `timeoutAt` is never later than the moment that mechanism fires
   * (a park step delayed by a cold start would otherwise push `timeoutAt` past it). Default: now.
   */
  waitingSince?: string;
}

/**
 * Parks a validated order above the review threshold: VALIDATED -> AWAITING_REVIEW, with the
 * review (requested at, times out at, the variant's token) in the same conditional write, never
 * charged. A repeat finds it parked (or decided) and is a duplicate; an order that was reviewed
 * already is never parked again.
 *
 * @example
 * const validated = await steps.validateOrder(input);
 * if (validated.awaitsReview) await steps.awaitReview({ ...input, token: taskToken });
 */
export function createAwaitReview(deps: StepDeps): (input: AwaitReviewInput) => Promise<StepResult> {
  const config = deps.review ?? DEFAULT_REVIEW_CONFIG;
  const measured = deps.measureWait ?? ((work) => work());
  return (input) =>
    measured(() =>
      recordingFailures(deps, 'await-review', input, async () => {
        const order = await loadOrder(deps, input.orderId);
        if (order.review) return renewToken(deps, input, order);
        const position = positionOf(order, 'VALIDATED');
        if (position === 'duplicate') return duplicateOf(deps, 'await-review', input, order);
        if (position === 'early') throw new StepOutOfOrderError(order.orderId, 'await-review', order.status);
        if (!needsReview(order.totalCents, config))
          throw new Error(`order ${order.orderId} (${order.totalCents} cents) is not above the review threshold`);
        const since = input.waitingSince ? new Date(input.waitingSince) : undefined;
        const requestedAt = since && !Number.isNaN(since.getTime()) ? since : deps.clock.now();
        const timeoutAt = new Date(requestedAt.getTime() + config.timeoutSeconds * 1000);
        const token = input.token ?? (await deps.reviewTimer?.start(order, timeoutAt));
        const entry = timelineEntry(deps, 'await-review', input, 'succeeded', {
          detail: { timeoutAt: timeoutAt.toISOString(), totalCents: order.totalCents },
        });
        const moved = await deps.orders.transition(order.orderId, {
          from: ['VALIDATED'],
          to: 'AWAITING_REVIEW',
          resumeFrom: 'VALIDATED',
          entry,
          patch: {
            review: {
              requestedAt: requestedAt.toISOString(),
              timeoutAt: timeoutAt.toISOString(),
              ...(token ? { token } : {}),
            },
          },
        });
        if (!moved) return duplicateOf(deps, 'await-review', input, await loadOrder(deps, input.orderId));
        return {
          orderId: order.orderId,
          status: 'AWAITING_REVIEW',
          duplicate: false,
          correlationId: order.correlationId,
        };
      }),
    );
}

/**
 * A repeat of the park step on an order already parked. When it brings a token other than the
 * stored one while nobody has decided yet (a retried callback Task issues a new token, and only
 * the newest one resumes the execution), the stored token is replaced, in a write conditional on
 * the order still waiting; otherwise it is a plain duplicate.
 */
async function renewToken(deps: StepDeps, input: AwaitReviewInput, order: OrderRecord): Promise<StepResult> {
  const review = order.review;
  if (!review || !input.token || review.token === input.token || order.status !== 'AWAITING_REVIEW')
    return duplicateOf(deps, 'await-review', input, order);
  const renewed = await deps.orders.transition(order.orderId, {
    from: ['AWAITING_REVIEW'],
    to: 'AWAITING_REVIEW',
    entry: timelineEntry(deps, 'await-review', input, 'duplicate', { detail: { token: 'renewed' } }),
    patch: { review: { ...review, token: input.token } },
  });
  if (!renewed) return duplicateOf(deps, 'await-review', input, await loadOrder(deps, input.orderId));
  return { orderId: order.orderId, status: 'AWAITING_REVIEW', duplicate: true, correlationId: order.correlationId };
}
