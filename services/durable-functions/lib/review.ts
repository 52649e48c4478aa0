import type { DurableContext, RetryDecision } from '@aws/durable-execution-sdk-js';
import {
  SendDurableExecutionCallbackFailureCommand,
  SendDurableExecutionCallbackSuccessCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { callAws } from '#adapters/aws-errors';
import type { ResumeReview } from '#api/order-api';
import { REVIEW_REJECTED, REVIEW_TIMED_OUT } from '#domain/review';
import type { StepResult } from '#domain/step-runner';
import type { OrderSteps } from '#domain/steps';
import { logger } from '#observability/logger';
import type { WorkflowInput } from './start-workflow.ts';

/**
 * How the durable saga waits for a review: `waitForCallback`, whose submitter parks the order
 * AWAITING_REVIEW with the callback id, and whose timeout is the review timeout. While it waits
 * the function is not running: the invocation ends (PENDING) and Lambda invokes it again when the
 * review API completes the callback (SendDurableExecutionCallbackSuccess: approve;
 * SendDurableExecutionCallbackFailure `ReviewRejected`: the decision already cancelled it) or the
 * timeout passes; the new invocation replays the log up to the wait and goes on. All of it runs in
 * a child context `review`, so what the wait costs (its operations) is one subtree of the log.
 */
export type ReviewOutcome = { status: 'VALIDATED' } | { status: 'CANCELLED'; reason: string };

type RetryPolicy = (error: Error, attemptsMade: number) => RetryDecision;

export function awaitReview(
  context: DurableContext,
  steps: Pick<OrderSteps, 'awaitReview' | 'timeOutReview'>,
  input: WorkflowInput,
  options: { timeoutSeconds: number; retryStrategy: RetryPolicy },
): Promise<ReviewOutcome> {
  const { orderId, correlationId } = input;
  return context.runInChildContext('review', async (review): Promise<ReviewOutcome> => {
    // When the wait starts, checkpointed (the same on every replay): the callback's timeout counts
    // from just after it, so the order's timeoutAt is never later than the moment the timeout fires,
    // even when the submitter runs late (a retry, a slow checkpoint).
    const waitingSince = await review.step('review-requested', async () => new Date().toISOString());
    try {
      await review.waitForCallback(
        'await-review',
        async (callbackId) => {
          await steps.awaitReview({ orderId, correlationId, attempt: 1, token: callbackId, waitingSince });
        },
        { timeout: { seconds: options.timeoutSeconds }, retryStrategy: options.retryStrategy },
      );
      // SendDurableExecutionCallbackSuccess: approved, the order is VALIDATED again.
      return { status: 'VALIDATED' };
    } catch (error) {
      const errorType = (error as { errorType?: string }).errorType;
      // SendDurableExecutionCallbackFailure: rejected; the decision's own write cancelled the order.
      if (errorType === 'CallbackExternalError') return { status: 'CANCELLED', reason: REVIEW_REJECTED };
      if (errorType !== 'CallbackTimeoutError') throw error;
      // Nobody decided in time: record the timeout in the decision's conditional write. A decision
      // that won just before (its callback too late) stands: an approval goes on to charge-payment.
      const timedOut = await review.step(
        'time-out-review',
        async ({ attempt }): Promise<Pick<StepResult, 'status' | 'duplicate'>> => {
          const { status, duplicate } = await steps.timeOutReview({ orderId, correlationId, attempt });
          return { status, duplicate };
        },
        { retryStrategy: options.retryStrategy },
      );
      if (timedOut.status === 'VALIDATED') return { status: 'VALIDATED' };
      return { status: 'CANCELLED', reason: timedOut.duplicate ? REVIEW_REJECTED : REVIEW_TIMED_OUT };
    }
  });
}

/**
 * The review API's ResumeReview: completes the callback. approve: success with the decision as
 * its result; reject: failure `ReviewRejected`. A callback that closed meanwhile (its timeout came
 * first, or a retried call already completed it) answers CallbackTimeoutException: nothing to do,
 * the timeout path reads the recorded decision and follows it.
 */
export function createResumeReview(lambda: LambdaClient): ResumeReview {
  return async (order, decision) => {
    const CallbackId = order.review?.token;
    if (!CallbackId) throw new Error(`order ${order.orderId} has no callback id to resume`);
    const reviewer = order.review?.reviewer ?? 'unknown';
    try {
      await callAws('durable-callback', async () => {
        if (decision === 'approve')
          await lambda.send(
            new SendDurableExecutionCallbackSuccessCommand({
              CallbackId,
              Result: Buffer.from(JSON.stringify({ decision, reviewer })),
            }),
          );
        else
          await lambda.send(
            new SendDurableExecutionCallbackFailureCommand({
              CallbackId,
              Error: { ErrorType: REVIEW_REJECTED, ErrorMessage: `order ${order.orderId} rejected by ${reviewer}` },
            }),
          );
      });
    } catch (error) {
      if ((error as Error).name !== 'CallbackTimeoutException') throw error;
      logger.info('review callback already closed; its timeout path follows the recorded decision');
    }
  };
}
