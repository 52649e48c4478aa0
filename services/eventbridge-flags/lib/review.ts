import type { Target } from '@aws-sdk/client-scheduler';
import { deleteReviewSchedule, type ReviewSchedule } from '#adapters/review-schedule';
import type { ResumeReview } from '#api/order-api';
import type { OrderRecord, ReviewDecision } from '#domain/order';
import { DECISION_OUTCOMES } from '#domain/review';
import type { FlagOutcome } from './dynamo-order-flags.ts';
import type { OrderEventDetail } from './events.ts';
import { handOn, type FlaggedStep, type FlagsConfig } from './flags-step.ts';

/**
 * How the choreography waits for a review. validate-order parks a big order in DynamoDB
 * (AWAITING_REVIEW) and settles its flag `awaiting-review`: done, so duplicates of OrderPlaced do
 * nothing, but it puts no event, so charge-payment cannot run. Nothing runs while it waits. Its
 * timeout is a one-time EventBridge Scheduler schedule named after the orderId that puts
 * `ReviewTimedOut` on this service's bus. Whoever decides (the review API for approve and
 * reject, time-out-review for the timeout) records the decision in the orders table (one
 * conditional write: exactly one wins), then resolves validate-order's flag to the decision's
 * outcome and puts the event validate-order would have put: OrderValidated (charge-payment goes
 * on) or OrderStepFailed (compensation, which finds the order CANCELLED and nothing to undo).
 */

/** The validate step as its hand-on sees it: the review resolves it and puts its event. */
export const VALIDATE_HAND_ON = { step: 'validate-order', next: 'OrderValidated' } as const satisfies Pick<
  FlaggedStep,
  'step' | 'next'
>;

/** The schedule's templated EventBridge target: `ReviewTimedOut` with the order's ids as detail. */
export function timeoutEvent(order: OrderRecord, busArn: string, source: string): Omit<Target, 'RoleArn'> {
  const detail: OrderEventDetail = {
    orderId: order.orderId,
    ...(order.correlationId ? { correlationId: order.correlationId } : {}),
  };
  return {
    Arn: busArn,
    EventBridgeParameters: { DetailType: 'ReviewTimedOut', Source: source },
    Input: JSON.stringify(detail),
  };
}

/** The outcome validate-order's flag takes for a decision: approved goes on, the rest fail into compensation. */
export function decisionOutcome(decision: ReviewDecision): FlagOutcome {
  return decision === 'approve' ? 'succeeded' : `failed:${DECISION_OUTCOMES[decision].reason}`;
}

/**
 * Hands a decided order on: resolves validate-order's flag and puts its event, unless that event
 * is out already. Safe to repeat (a client's retry, the timeout racing a reviewer): the flag
 * keeps the first resolution, and a second copy of the event is a duplicate delivery, which the
 * flags of its consumer absorb.
 */
export async function handOnDecision(
  config: Pick<FlagsConfig, 'flags' | 'publisher'>,
  order: Pick<OrderRecord, 'orderId' | 'correlationId'>,
  decision: ReviewDecision,
): Promise<void> {
  const { outcome, emitted } = await config.flags.resolve(order.orderId, 'validate-order', decisionOutcome(decision));
  if (emitted) return;
  const detail: OrderEventDetail = {
    orderId: order.orderId,
    ...(order.correlationId ? { correlationId: order.correlationId } : {}),
  };
  await handOn(config, VALIDATE_HAND_ON, detail, outcome);
}

/**
 * The choreography's ResumeReview: hand the decided order on (approve: OrderValidated, which
 * charge-payment listens to; reject: OrderStepFailed, the compensation path), then delete the
 * timeout's schedule (after the event is out: a failed delete leaves a timeout that finds the
 * order decided and changes nothing).
 */
export function createResumeReview(
  config: Pick<FlagsConfig, 'flags' | 'publisher'>,
  schedule: ReviewSchedule,
): ResumeReview {
  return async (order, decision) => {
    await handOnDecision(config, order, decision);
    await deleteReviewSchedule(schedule, order);
  };
}
