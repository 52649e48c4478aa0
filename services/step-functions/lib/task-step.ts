import type { StepInput, StepName, OrderStatus } from '#domain/order';
import type { CompensationInput } from '#domain/compensation';
import { isBusinessError } from '#domain/errors';
import type { StepResult } from '#domain/step-runner';
import type { OrderSteps } from '#domain/steps';
import { logger, withOrderContext } from '#observability/logger';

/** What every Task state sends its Lambda (Arguments in state-machine.asl.yml). */
export interface TaskEvent {
  orderId: string;
  correlationId?: string;
  /**
   * The context object (`$states.context`): `State.RetryCount` counts the retries of this state,
   * on AWS and in the local Step Functions alike.
   */
  context?: {
    State?: { RetryCount?: number; EnteredTime?: string };
    /** A `.waitForTaskToken` Task's token (AwaitReview): what resumes the execution. */
    Task?: { Token?: string };
  };
  /**
   * 1 + the Retry's MaxAttempts of this Task (Parameters in state-machine.asl.yml): on that
   * attempt a failure the machine does not catch parks the order FAILED before it fails the
   * execution at this state, where RedriveExecution resumes it.
   */
  maxAttempts?: number;
  /** Compensations: the business error that started them (`PaymentDeclinedError`, ...). */
  reason?: string;
}

/** What a Task returns (discarded by the machine, kept in its history for people). */
export interface TaskResult {
  orderId: string;
  status: OrderStatus;
  duplicate: boolean;
  /** ValidateOrder: the order waits for a review (NeedsReview routes it to AwaitReview). */
  awaitsReview?: boolean;
}

export function attemptOf(event: TaskEvent): number {
  return (event.context?.State?.RetryCount ?? 0) + 1;
}

export function stepInputOf(event: TaskEvent): StepInput {
  return {
    orderId: event.orderId,
    attempt: attemptOf(event),
    ...(event.correlationId ? { correlationId: event.correlationId } : {}),
  };
}

/**
 * The one adapter every Task shares: event in, domain step, small result out. A domain error
 * propagates unchanged, so the Lambda error's `errorType` is its literal name and the machine's
 * Retry / Catch `ErrorEquals` match it. On the Task's last attempt, an error that is not a
 * business outcome (those the machine catches into compensations) first parks the order FAILED
 * with the reason `<error>@<step>`, as the other variants do on their last delivery.
 *
 * @example
 * export const handler = createTaskHandler(steps, 'charge-payment', (input) => steps.chargePayment(input));
 */
export function createTaskHandler(
  steps: Pick<OrderSteps, 'failOrder'>,
  step: StepName,
  run: (input: StepInput, event: TaskEvent) => Promise<StepResult>,
) {
  return (event: TaskEvent): Promise<TaskResult> =>
    withOrderContext(
      { orderId: event.orderId, ...(event.correlationId ? { correlationId: event.correlationId } : {}) },
      async () => {
        const input = stepInputOf(event);
        try {
          const { orderId, status, duplicate, awaitsReview } = await run(input, event);
          return { orderId, status, duplicate, ...(awaitsReview ? { awaitsReview } : {}) };
        } catch (error) {
          if (!isBusinessError(error) && input.attempt >= (event.maxAttempts ?? 1)) {
            await steps
              .failOrder({ ...input, reason: failureReason(error, step) })
              .catch((e: unknown) => logger.error('could not park order FAILED', { error: e as Error }));
          }
          throw error;
        }
      },
    );
}

/** A compensation's input: the step input plus why the order is being unwound. */
export function compensationInputOf(input: StepInput, event: TaskEvent): CompensationInput {
  return { ...input, reason: event.reason ?? 'Unknown' };
}

/**
 * `TransientDependencyError@charge-payment`: the same reason the other variants record when a
 * step's retries run out.
 */
export function failureReason(error: unknown, step: StepName): string {
  const name = error instanceof Error ? error.name : 'Unknown';
  return `${name}@${step}`;
}
