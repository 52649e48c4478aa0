import type { OrderRecord, ReviewDecision } from './order.ts';

/**
 * Manual review of big orders: an order whose total is above the review threshold stops after
 * validation, before any charge, in status AWAITING_REVIEW. A reviewer approves it (the pipeline
 * continues at charge-payment) or rejects it (CANCELLED, ReviewRejected); nobody deciding before
 * the timeout cancels it too (ReviewTimedOut). Each variant waits its own way and resumes the
 * order with its own token; what they share is here and in the review steps.
 */

/**
 * Above this total (cents) an order waits for review. Between the largest order of the default
 * workload's other kinds (three lines of at most three of the dearest products plus an
 * out-of-stock line: about 4,200 USD) and the credit limit (10,000 USD, REJECTED), so only the
 * workload's review orders cross it.
 */
export const DEFAULT_REVIEW_THRESHOLD_CENTS = 500_000;

/** How long an order waits for a decision before it is cancelled: a day, as deployed on AWS. */
export const DEFAULT_REVIEW_TIMEOUT_SECONDS = 86_400;

export interface ReviewConfig {
  /** Orders above this total (cents) wait for review (REVIEW_THRESHOLD_CENTS). */
  thresholdCents: number;
  /** Seconds an order waits before the timeout cancels it (REVIEW_TIMEOUT_SECONDS). */
  timeoutSeconds: number;
}

export const DEFAULT_REVIEW_CONFIG: ReviewConfig = {
  thresholdCents: DEFAULT_REVIEW_THRESHOLD_CENTS,
  timeoutSeconds: DEFAULT_REVIEW_TIMEOUT_SECONDS,
};

/** The cancel reasons of a review that did not approve the order. */
export const REVIEW_REJECTED = 'ReviewRejected' as const;
export const REVIEW_TIMED_OUT = 'ReviewTimedOut' as const;

/** Where a decision takes the order, and why it ends there (one conditional write does both). */
export const DECISION_OUTCOMES: Record<ReviewDecision, { to: 'VALIDATED' | 'CANCELLED'; reason?: string }> = {
  approve: { to: 'VALIDATED' },
  reject: { to: 'CANCELLED', reason: REVIEW_REJECTED },
  timeout: { to: 'CANCELLED', reason: REVIEW_TIMED_OUT },
};

/** True when an order of this total must wait for a review. */
export function needsReview(totalCents: number | undefined, config: ReviewConfig = DEFAULT_REVIEW_CONFIG): boolean {
  return totalCents !== undefined && totalCents > config.thresholdCents;
}

/**
 * Starts the timeout of a parked order where the variant's own mechanism does not (sqs-chain,
 * eventbridge-flags, single-lambda: a one-time EventBridge Scheduler schedule). Returns the token
 * the variant needs later (the schedule's name), stored on the order with the review.
 *
 * @example
 * const timer: ReviewTimer = { start: async (order, at) => createTimeoutSchedule(order.orderId, at) };
 */
export interface ReviewTimer {
  start(order: OrderRecord, timeoutAt: Date): Promise<string | undefined>;
}

/**
 * A human decision was recorded and the pipeline has not moved since (the decision is still the
 * order's last timeline entry): resuming the variant again is what heals a resume that failed
 * after the decision was written (a client retry of `POST /orders/{id}/review`).
 */
export function resumePending(order: OrderRecord): boolean {
  const decision = order.review?.decision;
  if (decision !== 'approve' && decision !== 'reject') return false;
  return order.timeline.at(-1)?.step === 'review-order';
}
