import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { callAws } from '#adapters/aws-errors';
import type { ResumeReview } from '#api/order-api';
import { DomainError } from '#domain/errors';
import type { StepInput } from '#domain/order';
import { REVIEW_REJECTED } from '#domain/review';
import type { StepResult } from '#domain/step-runner';
import type { OrderSteps } from '#domain/steps';
import { logger } from '#observability/logger';
import type { TaskEvent } from './task-step.ts';

/**
 * How the state machine waits for a review. STANDARD: the AwaitReview Task is
 * `lambda:invoke.waitForTaskToken`; its function parks the order AWAITING_REVIEW with the task
 * token, and the execution waits (no function runs, no transition is billed) until the review API
 * sends the token back (SendTaskSuccess: approve, on to ChargePayment; SendTaskFailure
 * `ReviewRejected`: the decision already cancelled it) or `TimeoutSeconds` passes (States.Timeout:
 * TimeOutReview records the timeout, unless a decision won first). EXPRESS cannot wait: no
 * `.waitForTaskToken`, five minutes at most; its AwaitReview is a plain invoke and the function
 * refuses the order (ReviewUnavailableError -> RejectOrder) rather than pretend to wait.
 */
export type WorkflowType = 'STANDARD' | 'EXPRESS';

/** The workflow cannot wait for a person: the review order is refused up front (REJECTED). */
export class ReviewUnavailableError extends DomainError {
  override readonly name = 'ReviewUnavailableError' as const;
  readonly retryable = false;
  constructor(readonly orderId: string) {
    super(
      `order ${orderId} needs a manual review, which an Express workflow cannot wait for ` +
        '(no .waitForTaskToken, 5-minute limit): place it on the Standard workflow',
    );
  }
}

/** The error SendTaskFailure reports for a rejection: AwaitReview's Catch routes it to ReviewEnded. */
export const REVIEW_REJECTED_ERROR = REVIEW_REJECTED;

/**
 * Task AwaitReview: parks the order with the task token (`$states.context.Task.Token`) and the
 * time the state was entered, from which its TimeoutSeconds counts. Returns at once: the
 * execution, not the function, waits.
 */
export function parkForReview(
  steps: Pick<OrderSteps, 'awaitReview'>,
  type: WorkflowType,
  input: StepInput,
  event: TaskEvent,
): Promise<StepResult> {
  if (type === 'EXPRESS') throw new ReviewUnavailableError(input.orderId);
  const token = event.context?.Task?.Token;
  if (!token) throw new Error(`AwaitReview got no task token for order ${input.orderId}: is it .waitForTaskToken?`);
  const waitingSince = event.context?.State?.EnteredTime;
  return steps.awaitReview({ ...input, token, ...(waitingSince ? { waitingSince } : {}) });
}

/**
 * The review API's ResumeReview: hands the token back. approve: SendTaskSuccess, the execution
 * goes on at ChargePayment; reject: SendTaskFailure `ReviewRejected`, it ends (the decision's own
 * write cancelled the order). A task that ended meanwhile (its timeout fired first, or a retried
 * call already resumed it) answers TaskTimedOut / TaskDoesNotExist: nothing to do, since the
 * timeout path reads the recorded decision and follows it.
 */
export function createResumeReview(sfn: SFNClient): ResumeReview {
  return async (order, decision) => {
    const taskToken = order.review?.token;
    if (!taskToken) throw new Error(`order ${order.orderId} has no task token to resume`);
    const reviewer = order.review?.reviewer ?? 'unknown';
    try {
      await callAws('state-machine', async () => {
        if (decision === 'approve')
          await sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify({ decision, reviewer }) }));
        else
          await sfn.send(
            new SendTaskFailureCommand({
              taskToken,
              error: REVIEW_REJECTED_ERROR,
              cause: `order ${order.orderId} rejected by ${reviewer}`,
            }),
          );
      });
    } catch (error) {
      const name = (error as Error).name;
      if (name !== 'TaskTimedOut' && name !== 'TaskDoesNotExist') throw error;
      logger.info('review task already ended; its timeout path follows the recorded decision', { error: name });
    }
  };
}
