/**
 * Domain errors. Every class sets a literal `this.name`: bundlers rename classes, and the name is
 * the contract every variant matches on (Step Functions `ErrorEquals`, failure events, SQS retry
 * decisions). `retryable` says whether trying again can help: transient failures of a
 * dependency are retried by the transport; business outcomes never are.
 */
export abstract class DomainError extends Error {
  abstract override readonly name: string;
  abstract readonly retryable: boolean;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A dependency failed in a way that may pass (timeout, throttling, 5xx). Retried. */
export class TransientDependencyError extends DomainError {
  override readonly name = 'TransientDependencyError' as const;
  readonly retryable = true;
  constructor(
    readonly dependency: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${dependency}: ${message}`, options);
  }
}

export interface FieldIssue {
  /** JSON path of the field, e.g. `items[2].qty`; `body` for the request as a whole. */
  field: string;
  reason: string;
}

/** The order breaks the contract or a business rule. Never retried; the order is REJECTED. */
export class ValidationError extends DomainError {
  override readonly name = 'ValidationError' as const;
  readonly retryable = false;
  constructor(readonly issues: FieldIssue[]) {
    super(issues.map((i) => `${i.field}: ${i.reason}`).join('; '));
  }
}

/** The payment provider refused the charge. Never retried; the order is CANCELLED. */
export class PaymentDeclinedError extends DomainError {
  override readonly name = 'PaymentDeclinedError' as const;
  readonly retryable = false;
  constructor(
    readonly orderId: string,
    readonly declineCode: string,
  ) {
    super(`payment for order ${orderId} declined: ${declineCode}`);
  }
}

/** Not enough stock for a line. Never retried; the order is CANCELLED and refunded. */
export class OutOfStockError extends DomainError {
  override readonly name = 'OutOfStockError' as const;
  readonly retryable = false;
  constructor(
    readonly orderId: string,
    readonly sku: string,
    readonly requested: number,
  ) {
    super(`order ${orderId}: not enough stock of ${sku} for ${requested}`);
  }
}

/** The same orderId was placed again with a different body (HTTP 409). */
export class OrderConflictError extends DomainError {
  override readonly name = 'OrderConflictError' as const;
  readonly retryable = false;
  constructor(readonly orderId: string) {
    super(`order ${orderId} already exists with a different body`);
  }
}

/** No order with that id (HTTP 404; in a pipeline, a message for an order never accepted). */
export class OrderNotFoundError extends DomainError {
  override readonly name = 'OrderNotFoundError' as const;
  readonly retryable = false;
  constructor(readonly orderId: string) {
    super(`order ${orderId} not found`);
  }
}

/** What a second decision answers with: the decision that won (HTTP 409). */
export interface RecordedReviewDecision {
  decision: 'approve' | 'reject' | 'timeout';
  reviewer?: string;
  decidedAt?: string;
}

/** The order's review was decided already (by a reviewer or the timeout): the first decision stands (HTTP 409). */
export class ReviewAlreadyDecidedError extends DomainError {
  override readonly name = 'ReviewAlreadyDecidedError' as const;
  readonly retryable = false;
  constructor(
    readonly orderId: string,
    readonly decision: RecordedReviewDecision,
  ) {
    super(
      `order ${orderId} was already decided: ${decision.decision}` +
        `${decision.reviewer ? ` by ${decision.reviewer}` : ''}${decision.decidedAt ? ` at ${decision.decidedAt}` : ''}`,
    );
  }
}

/** A decision on an order that is not waiting for review (never was, or not yet) (HTTP 409). */
export class OrderNotAwaitingReviewError extends DomainError {
  override readonly name = 'OrderNotAwaitingReviewError' as const;
  readonly retryable = false;
  constructor(
    readonly orderId: string,
    readonly status: string,
  ) {
    super(`order ${orderId} is ${status}, not AWAITING_REVIEW: there is nothing to decide`);
  }
}

/** Names of the errors a transport treats as business outcomes (routed to compensation). */
export const BUSINESS_ERROR_NAMES = ['ValidationError', 'PaymentDeclinedError', 'OutOfStockError'] as const;
export type BusinessErrorName = (typeof BUSINESS_ERROR_NAMES)[number];

export function isRetryable(error: unknown): boolean {
  return error instanceof DomainError ? error.retryable : isNamed(error, 'TransientDependencyError');
}

export function isBusinessError(error: unknown): error is DomainError & { name: BusinessErrorName } {
  return BUSINESS_ERROR_NAMES.some((name) => isNamed(error, name));
}

function isNamed(error: unknown, name: string): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === name;
}
