import { createRetryStrategy, JitterStrategy, type DurableContext } from '@aws/durable-execution-sdk-js';
import type { CompensationInput } from '#domain/compensation';
import { isBusinessError, isRetryable } from '#domain/errors';
import type { StepInput, StepName } from '#domain/order';
import type { StepResult } from '#domain/step-runner';
import type { OrderSteps } from '#domain/steps';
import { withOrderContext } from '#observability/logger';
import { awaitReview } from './review.ts';
import type { WorkflowInput } from './start-workflow.ts';

/** What the execution returns (and keeps in its history): the order's terminal status. */
export interface WorkflowResult {
  orderId: string;
  status: string;
  reason?: string;
}

/** What a step checkpoints: small, so the state written (and billed) per step stays small. */
type StepSummary = Pick<StepResult, 'orderId' | 'status' | 'duplicate' | 'awaitsReview'>;

export interface SagaOptions {
  /** How long an order waits for a reviewer (REVIEW_TIMEOUT_SECONDS): the callback's timeout. */
  reviewTimeoutSeconds: number;
}

/**
 * The retry policy of every variant: 3 attempts, 1 s then 2 s with full jitter (the SDK rounds a
 * retry's delay to whole seconds, at least 1), business errors never retried.
 */
const backoff = createRetryStrategy({
  maxAttempts: 3,
  initialDelay: { seconds: 1 },
  backoffRate: 2,
  jitter: JitterStrategy.FULL,
});
const retryPolicy = (error: Error, attemptsMade: number) =>
  isRetryable(error) ? backoff(error, attemptsMade) : { shouldRetry: false };

/**
 * The order saga as code. Each step is a `context.step` (checkpointed: after a retry, a wait or a
 * crash the function replays from the checkpoint log and completed steps do not run again);
 * an inverse is pushed only once its step has done something to undo, and the inverses run last
 * in, first out. A business error unwinds the order; a step whose retries ran out parks it FAILED.
 * An order above the review threshold waits for a person after validation (lib/review.ts:
 * `waitForCallback`, no compute while it waits) and goes on to charge-payment once approved.
 *
 * @example
 * export const handler = withDurableExecution(createOrderSaga(steps, { reviewTimeoutSeconds: 86_400 }));
 */
export function createOrderSaga(steps: OrderSteps, options: SagaOptions) {
  return (input: WorkflowInput, context: DurableContext): Promise<WorkflowResult> =>
    withOrderContext(input, async () => {
      const { orderId } = input;
      const run = (name: StepName, body: (input: StepInput) => Promise<StepResult>) =>
        context.step(
          name,
          async ({ attempt }): Promise<StepSummary> => {
            const { status, duplicate, awaitsReview } = await body({
              orderId,
              correlationId: input.correlationId,
              attempt,
            });
            return { orderId, status, duplicate, ...(awaitsReview ? { awaitsReview } : {}) };
          },
          { retryStrategy: retryPolicy },
        );
      const inverses: Array<[StepName, (input: CompensationInput) => Promise<StepResult>]> = [];
      let current: StepName = 'validate-order';
      try {
        const validated = await run(current, steps.validateOrder);
        // Above the review threshold: wait for a person (or the timeout) before anything is charged.
        if (validated.awaitsReview) {
          current = 'await-review';
          const review = await awaitReview(context, steps, input, {
            timeoutSeconds: options.reviewTimeoutSeconds,
            retryStrategy: retryPolicy,
          });
          if (review.status === 'CANCELLED') return { orderId, status: 'CANCELLED', reason: review.reason };
        }
        current = 'charge-payment';
        await run(current, steps.chargePayment);
        inverses.push(['refund-payment', steps.refundPayment]);
        // A reservation that runs out of stock may hold part of the order: its inverse is due
        // as soon as it has run, whether it succeeded or not (release gives back what it holds).
        current = 'reserve-inventory';
        inverses.push(['release-inventory', steps.releaseInventory]);
        await run(current, steps.reserveInventory);
        current = 'send-confirmation';
        await run(current, steps.sendConfirmation);
        return { orderId, status: 'CONFIRMED' };
      } catch (error) {
        const name = errorName(error);
        if (name === 'ValidationError') {
          await run('reject-order', (i) => steps.rejectOrder({ ...i, reason: name }));
          return { orderId, status: 'REJECTED', reason: name };
        }
        if (isBusinessError({ name })) {
          for (const [inverse, body] of inverses.reverse()) await run(inverse, (i) => body({ ...i, reason: name }));
          await run('cancel-order', (i) => steps.cancelOrder({ ...i, reason: name }));
          return { orderId, status: 'CANCELLED', reason: name };
        }
        // Retries exhausted (or an unexpected fault): park the order FAILED, then fail the
        // execution, so an operator finds it with list-durable-executions-by-function --statuses FAILED.
        const reason = `${name}@${current}`;
        await run('fail-order', (i) => steps.failOrder({ ...i, reason }));
        throw new OrderFailedError(orderId, reason);
      }
    });
}

/** Ends the execution FAILED once the order is parked FAILED (Step Functions' `OrderFailed`). */
export class OrderFailedError extends Error {
  override readonly name = 'OrderFailed' as const;
  constructor(
    readonly orderId: string,
    readonly reason: string,
  ) {
    super(`order ${orderId} parked FAILED: ${reason}`);
  }
}

/** The domain error's literal name: a failed step surfaces as the SDK's StepError, its cause named. */
function errorName(error: unknown): string {
  const cause = (error as { cause?: { name?: string } }).cause;
  return cause?.name ?? (error as Error).name ?? 'Error';
}
