import type { SQSClient } from '@aws-sdk/client-sqs';
import type { ResumeReview } from '#api/order-api';
import { deleteReviewSchedule, type ReviewSchedule } from '#adapters/review-schedule';
import { REVIEW_TIMED_OUT } from '#domain/review';
import { type ChainMessage, sendToQueue } from './sqs-step.ts';

/**
 * How the chain waits for a review: the order parks in DynamoDB (AWAITING_REVIEW) and nothing runs
 * while it waits. Its timeout is a one-time EventBridge Scheduler schedule, named after the
 * orderId in the stack's own schedule group (shared/adapters/review-schedule.ts), that puts
 * `{orderId, reason: ReviewTimedOut}` on the compensate-order queue when it fires (and deletes
 * itself); the review API resumes the order by sending it to the charge-payment queue, and deletes
 * the schedule.
 */
export function timeoutMessage(order: { orderId: string }, compensateQueueArn: string) {
  const message: ChainMessage = { orderId: order.orderId, reason: REVIEW_TIMED_OUT };
  return { Arn: compensateQueueArn, Input: JSON.stringify(message) };
}

/**
 * The chain's ResumeReview: approve sends the order to the charge-payment queue (it is VALIDATED
 * again); reject needs no message (the decision ended it CANCELLED, with nothing to undo). Both
 * delete the timeout's schedule.
 */
export function createResumeReview(sqs: SQSClient, chargeQueueUrl: string, schedule: ReviewSchedule): ResumeReview {
  return async (order, decision) => {
    if (decision === 'approve') await sendToQueue(sqs, chargeQueueUrl, { orderId: order.orderId }, order.correlationId);
    await deleteReviewSchedule(schedule, order);
  };
}
