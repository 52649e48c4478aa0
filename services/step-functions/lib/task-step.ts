import type { StepInput, StepName, OrderStatus } from '#domain/order';
import type { CompensationInput } from '#domain/compensation';
import type { StepResult } from '#domain/step-runner';
import { withOrderContext } from '#observability/logger';

/** What every Task state sends its Lambda (Arguments in state-machine.asl.yml). */
export interface TaskEvent {
  orderId: string;
  correlationId?: string;
  /**
   * The context object (`$states.context`): `State.RetryCount` counts the retries of this state,
   * on AWS and in the local Step Functions alike.
   */
  context?: { State?: { RetryCount?: number } };
  /** Compensations: the business error that started them (`PaymentDeclinedError`, ...). */
  reason?: string;
  /** FailOrder: the error that exhausted a state's retries, keyed by the state's name. */
  failed?: Record<string, { Error?: string; Cause?: string }>;
}

/** What a Task returns (discarded by the machine, kept in its history for people). */
export interface TaskResult {
  orderId: string;
  status: OrderStatus;
  duplicate: boolean;
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
 * Retry / Catch `ErrorEquals` match it.
 */
export function createTaskHandler(run: (input: StepInput, event: TaskEvent) => Promise<StepResult>) {
  return (event: TaskEvent): Promise<TaskResult> =>
    withOrderContext(
      { orderId: event.orderId, ...(event.correlationId ? { correlationId: event.correlationId } : {}) },
      async () => {
        const { orderId, status, duplicate } = await run(stepInputOf(event), event);
        return { orderId, status, duplicate };
      },
    );
}

/** A compensation's input: the step input plus why the order is being unwound. */
export function compensationInputOf(input: StepInput, event: TaskEvent): CompensationInput {
  return { ...input, reason: event.reason ?? 'Unknown' };
}

/**
 * `{ ChargePayment: { Error: 'TransientDependencyError' } }` -> `TransientDependencyError@charge-payment`:
 * the same reason the other variants record when a step's retries run out.
 */
export function failureReason(failed: TaskEvent['failed']): string {
  const [state, error] = Object.entries(failed ?? {})[0] ?? ['Unknown', {}];
  return `${error.Error ?? 'Unknown'}@${stepNameOf(state)}`;
}

/** State names are the step names in PascalCase: `ReserveInventory` -> `reserve-inventory`. */
export function stepNameOf(stateName: string): StepName {
  return stateName.replace(/(?<!^)([A-Z])/g, '-$1').toLowerCase() as StepName;
}
