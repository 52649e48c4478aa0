import type { Context } from 'aws-lambda';
import { AWAITING_REVIEW_OUTCOME, type DynamoOrderFlags, type FlagOutcome } from './dynamo-order-flags.ts';
import { DomainError, isBusinessError, isRetryable } from '#domain/errors';
import type { CompensationHop, OrderStatus, StepInput } from '#domain/order';
import type { OrderRepository } from '#domain/ports';
import type { StepResult } from '#domain/step-runner';
import type { OrderSteps } from '#domain/steps';
import { logger, withOrderContext } from '#observability/logger';
import {
  ACKNOWLEDGED_BY_SUCCESSOR,
  putOrderEvent,
  type EventPublisher,
  type OrderEvent,
  type OrderEventDetail,
  type OrderEventName,
} from './events.ts';

/**
 * The steps that keep a flag: the four forward steps, compensation, the warehouse notice and the
 * timeout of a manual review.
 */
export type FlagStep =
  | 'validate-order'
  | 'charge-payment'
  | 'reserve-inventory'
  | 'send-confirmation'
  | CompensationHop
  | 'notify-warehouse'
  | 'time-out-review';

export interface FlagsConfig {
  flags: DynamoOrderFlags;
  steps: OrderSteps;
  /** The orders table, for what reads an order outside a step (a review's hand-on). */
  orders: OrderRepository;
  publisher: EventPublisher;
  /** 1 + the function's maximumRetryAttempts: on that attempt a retryable failure parks the order FAILED. */
  maxAttempts: number;
}

export interface FlaggedStep {
  step: FlagStep;
  /** The step whose flag must be set first (absent: the first step, compensation). */
  after?: FlagStep;
  run(input: StepInput, detail: OrderEventDetail): Promise<StepResult | void>;
  /** The event a success puts. */
  next?: OrderEventName;
  /** The status a success leaves: a domain duplicate at exactly this status hands on again (a lost put). */
  reaches?: OrderStatus;
  /** Forward steps: a business error puts `OrderStepFailed` for the compensator instead of retrying. */
  compensable?: boolean;
  /** False for consumers outside the order's outcome (the warehouse notice): their exhaustion never parks the order. */
  parksOrder?: boolean;
}

/** Retryable errors of the flags themselves; thrown so Lambda's async retry redelivers the event. */
export class StepNotReadyError extends DomainError {
  override readonly name = 'StepNotReadyError' as const;
  /** The predecessor's flag is set later: the redelivery finds it. */
  readonly retryable = true;
  constructor(orderId: string, step: FlagStep, after: FlagStep | undefined) {
    super(`order ${orderId}: ${step} arrived before ${after ?? 'its predecessor'} was done`);
  }
}

export class StepBusyError extends DomainError {
  override readonly name = 'StepBusyError' as const;
  /** The other delivery settles or its lease lapses: the redelivery finds the step free or done. */
  readonly retryable = true;
  constructor(orderId: string, step: FlagStep) {
    super(`order ${orderId}: a delivery of another event holds ${step}`);
  }
}

/** Thrown after parking the order FAILED, so the event lands in the DLQ; no retry can help. */
export class StepAttemptsExhaustedError extends DomainError {
  override readonly name = 'StepAttemptsExhaustedError' as const;
  readonly retryable = false;
  constructor(orderId: string, step: FlagStep, attempts: number) {
    super(`order ${orderId}: ${step} used its ${attempts} attempts; the order is parked FAILED`);
  }
}

/** Beyond the invocation's own deadline, so a claim never lapses while its holder can still run. */
const LEASE_MARGIN_MS = 2_000;

/**
 * The one adapter every flagged step shares: EventBridge event in, flags claim, domain step,
 * outcome flag, next event out.
 *  - success: the next event is put with this delivery's claim token (`handOff`) and no flag is
 *    written: the successor's claim records the outcome, so a step costs one flags write, not two;
 *  - duplicate or late delivery: the step's flag is set, nothing runs (its event is put again only
 *    if the first put never completed);
 *  - early delivery (predecessor's flag missing, and no hand-off of its live claim): a retryable
 *    error, so Lambda's async retry brings the event back later, never losing it;
 *  - a copy of the same event while another invocation holds the claim: a no-op, never a wait;
 *    the holder finishes the step, or, if it crashes, its own retry (same request id) takes its
 *    claim over at once. A delivery of another event (a redrive) meanwhile: a retryable error;
 *  - business error: the outcome `failed:<name>` is flagged and `OrderStepFailed` put;
 *  - the order now waits for a review (AWAITING_REVIEW): the outcome `awaiting-review` is flagged
 *    and nothing put; the decision resolves the flag and puts the event (lib/review.ts);
 *  - retryable error: the claim is released and the error rethrown; on the last attempt (counted
 *    per order and step in the flags: Lambda does not tell the handler) the order is first parked
 *    FAILED, so the on-failure record in the DLQ always has a findable FAILED order.
 */
export function createFlaggedStepHandler(config: FlagsConfig, spec: FlaggedStep) {
  return (event: OrderEvent, context: Context): Promise<void> =>
    withOrderContext(event.detail, () => handleEvent(config, spec, event, context));
}

async function handleEvent(config: FlagsConfig, spec: FlaggedStep, event: OrderEvent, context: Context): Promise<void> {
  const { detail } = event;
  const claim = await config.flags.claim({
    orderId: detail.orderId,
    step: spec.step,
    ...(spec.after ? { after: spec.after } : {}),
    eventId: event.id,
    maxAttempts: config.maxAttempts,
    leaseMs: context.getRemainingTimeInMillis() + LEASE_MARGIN_MS,
    invocationId: context.awsRequestId,
    ...(detail.handOff ? { handOff: detail.handOff } : {}),
  });
  if (claim.kind === 'handing-on' || claim.kind === 'busy') return;
  if (claim.kind === 'settled') return claim.emitted ? undefined : handOn(config, spec, detail, claim.outcome);
  if (claim.kind === 'contended') throw new StepBusyError(detail.orderId, spec.step);
  if (claim.kind === 'exhausted')
    return failRetryable(
      config,
      spec,
      detail,
      claim.attempts,
      new StepAttemptsExhaustedError(detail.orderId, spec.step, claim.attempts),
    );
  if (claim.kind === 'early')
    return failRetryable(
      config,
      spec,
      detail,
      claim.attempt,
      new StepNotReadyError(detail.orderId, spec.step, spec.after),
    );

  let outcome: FlagOutcome;
  try {
    const result = await spec.run(
      {
        orderId: detail.orderId,
        attempt: claim.attempt,
        ...(detail.correlationId ? { correlationId: detail.correlationId } : {}),
      },
      detail,
    );
    outcome = outcomeOf(spec, result || undefined);
  } catch (error) {
    if (!(spec.compensable && isBusinessError(error))) {
      await config.flags.release(detail.orderId, spec.step, claim.token);
      return failRetryable(config, spec, detail, claim.attempt, error);
    }
    outcome = `failed:${error.name}`;
  }
  // A success whose successor acknowledges it writes no flag of ours: the event carries our claim
  // token and the successor's claim records our outcome with it. Any other outcome is flagged
  // first, then put, so the successor never sees the event early. Either way the claim is kept
  // until the event is out, so a copy of this event does nothing instead of putting it too.
  const handsOff = outcome === 'succeeded' && spec.next !== undefined && ACKNOWLEDGED_BY_SUCCESSOR.has(spec.next);
  const recorded = handsOff
    ? outcome
    : await config.flags.settle(detail.orderId, spec.step, outcome, {
        keepClaim: eventFor(spec, outcome) !== undefined,
      });
  try {
    await handOn(config, spec, detail, recorded, handsOff ? claim.token : undefined);
  } catch (error) {
    // The step is done but its event may not be out: give the claim back so the retry (same token)
    // or a copy puts it.
    await config.flags.release(detail.orderId, spec.step, claim.token);
    return failRetryable(config, spec, detail, claim.attempt, error);
  }
}

/** What a run's result flags: done (or a no-op repeat), or done while its order waits for a review. */
function outcomeOf(spec: FlaggedStep, result: StepResult | undefined): FlagOutcome {
  if (!result) return 'succeeded';
  if (result.status === 'AWAITING_REVIEW') return AWAITING_REVIEW_OUTCOME;
  return !result.duplicate || result.status === spec.reaches ? 'succeeded' : 'noop';
}

/**
 * The event an outcome calls for: the next step's on success, OrderStepFailed on a business
 * failure, none while the order waits for a review (`awaiting-review`) or for a no-op.
 */
function eventFor(spec: Pick<FlaggedStep, 'next'>, outcome: FlagOutcome): OrderEventName | undefined {
  if (outcome === 'succeeded') return spec.next;
  return outcome.startsWith('failed:') ? 'OrderStepFailed' : undefined;
}

/**
 * Puts the event an outcome calls for, then flags it put (which drops the claim). Also how a
 * review's decision hands on the validate step it resolved (lib/review.ts). `handOff`: the claim
 * token of a holder that recorded no outcome (the successor's claim records it).
 */
export async function handOn(
  config: Pick<FlagsConfig, 'flags' | 'publisher'>,
  spec: Pick<FlaggedStep, 'step' | 'next'>,
  detail: OrderEventDetail,
  outcome: FlagOutcome,
  handOff?: string,
): Promise<void> {
  const name = eventFor(spec, outcome);
  if (!name) return;
  const ids = {
    orderId: detail.orderId,
    ...(detail.correlationId ? { correlationId: detail.correlationId } : {}),
    ...(handOff ? { handOff } : {}),
  };
  await putOrderEvent(
    config.publisher,
    name,
    name === 'OrderStepFailed' ? { ...ids, reason: outcome.slice('failed:'.length), failedStep: spec.step } : ids,
  );
  // The successor's claim acknowledges the put (one write fewer per step); others are marked here.
  if (!ACKNOWLEDGED_BY_SUCCESSOR.has(name)) await config.flags.markEmitted(detail.orderId, spec.step);
}

async function failRetryable(
  config: FlagsConfig,
  spec: FlaggedStep,
  detail: OrderEventDetail,
  attempt: number,
  error: unknown,
): Promise<never> {
  logger.warn('step failed', { step: spec.step, attempt, error: error as Error, retryable: isRetryable(error) });
  if (attempt >= config.maxAttempts && spec.parksOrder !== false) {
    const reason = `${(error as Error).name}@${spec.step}`;
    await config.steps
      .failOrder({
        orderId: detail.orderId,
        attempt,
        reason,
        ...(detail.correlationId ? { correlationId: detail.correlationId } : {}),
      })
      .catch((e: unknown) => logger.error('could not park order FAILED', { error: e as Error }));
  }
  throw error;
}
