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
  /**
   * Absent: a new order, run from validate (it may park for review). `approve`: the review API
   * approved a parked order, run it on from charge-payment. `timeout`: its review schedule fired,
   * cancel it unless a reviewer decided first.
   */
  resume?: 'approve' | 'timeout';
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
 * An invocation lasts 15 minutes at most, so an order that waits for a manual review cannot wait
 * in it: the run parks the order (AWAITING_REVIEW, with a one-time EventBridge Scheduler schedule
 * for its timeout) and ends. The approval is a second async invocation (`resume: 'approve'`) that
 * runs on from charge-payment with the same retries and compensations; the schedule's invocation
 * (`resume: 'timeout'`) cancels the order unless a reviewer decided first.
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
  // Lambda's async retries of this event: counted from the runs before it (a resumed order had one).
  const attemptOfEvent = run - (event.resume ? runsBeforeReview(before) : 0);
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
  if (event.resume === 'timeout') {
    current = 'time-out-review';
    return retried((attempt) => steps.timeOutReview({ ...base, attempt })).catch(parkOrRethrow);
  }
  try {
    let result: StepResult | undefined;
    // An approved order was validated by the run that parked it: this one goes on from the charge.
    for (const { name, step, inverse, undoFromStart } of event.resume === 'approve' ? forward.slice(1) : forward) {
      current = name;
      if (inverse && undoFromStart) compensations.push(inverse);
      result = await retried((attempt) => step({ ...base, attempt }));
      if (inverse && !undoFromStart) compensations.push(inverse);
      if (name !== 'validate-order' || !result) continue;
      // Above the review threshold: park it (its timeout's schedule starts) and end this run.
      if (result.awaitsReview) return await retried((attempt) => steps.awaitReview({ ...base, attempt }));
      // A retried run that finds it parked (or decided: the review's own invocation runs it on).
      if (result.status === 'AWAITING_REVIEW' || before.review) return result;
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
    if (attemptOfEvent >= config.maxRuns) {
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

/**
 * The runs that came before the review's decision: the highest run up to the order's park
 * (await-review). A resumed order's event (the approval, the timeout) counts its own async
 * retries from there, so it gets the whole budget of attempts the first event had.
 */
export function runsBeforeReview(order: OrderRecord): number {
  const parkedAt = order.timeline.findLastIndex((entry) => entry.step === 'await-review');
  return Math.max(0, ...order.timeline.slice(0, parkedAt + 1).map((entry) => entry.run ?? 0));
}

function unwinding(order: OrderRecord): boolean {
  return order.status === 'COMPENSATING' || (order.status === 'FAILED' && order.resumeStatus === 'COMPENSATING');
}
