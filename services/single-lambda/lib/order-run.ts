import type { CompensationInput } from '#domain/compensation';
import { isBusinessError } from '#domain/errors';
import { COMPENSATION_HOP, type CompensationHop, type OrderRecord, type StepInput, type StepName } from '#domain/order';
import type { OrderRepository } from '#domain/ports';
import { retryInCode, type RetryOptions } from '#domain/retry-policy';
import type { StepResult } from '#domain/step-runner';
import type { OrderSteps } from '#domain/steps';

/** What the API hands the function (asynchronously): which order to run. */
export interface RunOrderEvent {
  orderId: string;
  correlationId?: string;
}

export interface OrderRunConfig {
  steps: OrderSteps;
  orders: OrderRepository;
  /** 1 + the function's async `maximumRetryAttempts`: on that run a failure parks the order FAILED. */
  maxRuns: number;
  retry?: RetryOptions;
}

/** Thrown when a run's in-code retries ran out: Lambda's async retry then runs the order again. */
export class OrderRunFailedError extends Error {
  override readonly name = 'OrderRunFailedError' as const;
  constructor(orderId: string, run: number, cause: unknown) {
    const last = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(`order ${orderId}: run ${run} ended with retries exhausted (${last})`, { cause });
  }
}

type Step = (input: StepInput) => Promise<StepResult>;
type StepNameOf = StepName | CompensationHop;
type Inverse = (input: CompensationInput) => Promise<StepResult>;

/**
 * The whole order in one invocation, as a saga in code: validate, charge, reserve and confirm in
 * sequence, each retried in code under the shared policy; each step's compensation is pushed
 * once it has something to undo, and a business error unwinds them last in, first out before the
 * order is cancelled (or rejected, when validation failed: nothing to undo).
 *
 * A failure that outlives the in-code retries is thrown: Lambda's async retry then runs the order
 * again from the first step. Every step is idempotent on the order's status and its provider's
 * idempotency key, so a completed step of an earlier run answers as a duplicate and charges
 * nothing twice; the timeline marks each entry with its run. On the last run the order is parked
 * FAILED first, so the on-failure record in the DLQ always has a findable FAILED order.
 *
 * @example
 * await runOrder({ steps, orders, maxRuns: 3 }, { orderId: 'o-1' });
 */
export async function runOrder(config: OrderRunConfig, event: RunOrderEvent): Promise<StepResult | undefined> {
  const { steps } = config;
  const before = await config.orders.get(event.orderId);
  if (!before) return undefined; // never accepted: nothing to run (the API writes the order first)
  const run = nextRunOf(before);
  const base = { orderId: event.orderId, run, ...(event.correlationId ? { correlationId: event.correlationId } : {}) };
  // A reservation that fails (out of stock, or a crash mid-way) may hold part of the order: its
  // inverse is due as soon as it has started; a charge's only once it succeeded.
  const forward: Array<{ name: StepNameOf; step: Step; inverse?: Inverse; undoFromStart?: boolean }> = [
    { name: 'validate-order', step: steps.validateOrder },
    { name: 'charge-payment', step: steps.chargePayment, inverse: steps.refundPayment },
    { name: 'reserve-inventory', step: steps.reserveInventory, inverse: steps.releaseInventory, undoFromStart: true },
    { name: 'send-confirmation', step: steps.sendConfirmation },
  ];
  let current: StepNameOf = 'validate-order';
  const compensations: Inverse[] = [];
  const retried = <T>(body: (attempt: number) => Promise<T>) => retryInCode(body, config.retry);
  try {
    let result: StepResult | undefined;
    for (const { name, step, inverse, undoFromStart } of forward) {
      current = name;
      if (inverse && undoFromStart) compensations.push(inverse);
      result = await retried((attempt) => step({ ...base, attempt }));
      if (inverse && !undoFromStart) compensations.push(inverse);
    }
    // An earlier run stopped while compensating (or was parked FAILED there): finish the unwinding.
    const after = await config.orders.get(event.orderId);
    current = COMPENSATION_HOP;
    if (after && unwinding(after))
      return await retried((attempt) => steps.compensateOrder({ ...base, attempt, reason: after.reason ?? 'Unknown' }));
    return result;
  } catch (error) {
    if (!isBusinessError(error)) return await parkOrRethrow(error);
    const reason = error.name;
    current = COMPENSATION_HOP;
    try {
      if (reason === 'ValidationError')
        return await retried((attempt) => steps.rejectOrder({ ...base, attempt, reason }));
      for (const undo of compensations.reverse()) await retried((attempt) => undo({ ...base, attempt, reason }));
      return await retried((attempt) => steps.cancelOrder({ ...base, attempt, reason }));
    } catch (unwindError) {
      return await parkOrRethrow(unwindError);
    }
  }

  /** The run failed for good: on the last run the order is parked FAILED first; either way Lambda sees the error. */
  async function parkOrRethrow(error: unknown): Promise<never> {
    if (run >= config.maxRuns) {
      // As every variant words it: the error, and the step where the retries ran out.
      const reason = `${error instanceof Error ? error.name : 'Error'}@${current}`;
      await steps.failOrder({ ...base, attempt: 1, reason });
    }
    throw new OrderRunFailedError(event.orderId, run, error);
  }
}

/**
 * This run's number: one more than the highest run on the timeline. Lambda does not tell a
 * handler which async attempt it is; the order's own record does.
 */
export function nextRunOf(order: OrderRecord): number {
  return 1 + Math.max(0, ...order.timeline.map((entry) => entry.run ?? 0));
}

function unwinding(order: OrderRecord): boolean {
  return order.status === 'COMPENSATING' || (order.status === 'FAILED' && order.resumeStatus === 'COMPENSATING');
}
