import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createAcceptOrder, type AcceptOrderDeps } from '../domain/accept-order.ts';
import type { OrderRecord } from '../domain/order.ts';
import { OrderNotFoundError, ReviewAlreadyDecidedError, ValidationError } from '../domain/errors.ts';
import { parseReviewCommand } from '../domain/parse-order.ts';
import { resumePending } from '../domain/review.ts';
import { createReviewOrder, recordedDecision, type ReviewOrderDeps } from '../domain/review-order.ts';
import { withOrderContext } from '../observability/logger.ts';
import { duringWait } from '../observability/usage.ts';
import { json, readJsonBody, toHttpError, type HttpResult } from './http.ts';

/** How a variant starts its pipeline for an accepted order (send to a queue, put an event, start an execution). */
export type StartPipeline = (order: OrderRecord) => Promise<void>;

/**
 * `POST /orders`, the same for every variant: 202 `{orderId, status}` for a new order; the same
 * order posted again with the same body answers 200 with its current status; another body 409;
 * a bad request 400 naming every bad field. The pipeline is (re)started while the order is still
 * ACCEPTED, so a client retry after a failed start heals it; every step is idempotent.
 */
export function createPlaceOrderHandler(deps: AcceptOrderDeps, start: StartPipeline) {
  const acceptOrder = createAcceptOrder(deps);
  return async (event: APIGatewayProxyEventV2): Promise<HttpResult> => {
    try {
      const body = readJsonBody(event);
      // A caller's correlation id is kept; otherwise the order gets a fresh one (not the API request
      // id: serverless-offline gives every request the same one).
      const { order, created } = await acceptOrder(body, correlationHeader(event));
      return await withOrderContext(order, async () => {
        if (order.status === 'ACCEPTED') await start(order);
        return json(
          created ? 202 : 200,
          { orderId: order.orderId, status: order.status, correlationId: order.correlationId },
          { location: `/orders/${order.orderId}` },
        );
      });
    } catch (error) {
      return toHttpError(error);
    }
  };
}

/** `GET /orders/{orderId}`: status, reason and the timeline of step events. */
export function createGetOrderHandler(deps: Pick<AcceptOrderDeps, 'orders'>) {
  return async (event: APIGatewayProxyEventV2): Promise<HttpResult> => {
    try {
      const orderId = orderIdOf(event);
      const order = await deps.orders.get(orderId);
      if (!order) throw new OrderNotFoundError(orderId);
      return json(200, presentOrder(order));
    } catch (error) {
      return toHttpError(error);
    }
  };
}

/**
 * How a variant resumes an order after a reviewer's decision was recorded (send the message, put
 * the event, send the task success or failure, complete the callback ...). approve continues the
 * order at charge-payment; reject ends the variant's wait (the order is CANCELLED already).
 * Called again when a client retries a decision that was recorded but whose resume failed.
 */
export type ResumeReview = (order: OrderRecord, decision: 'approve' | 'reject') => Promise<void>;

/**
 * `POST /orders/{orderId}/review` `{decision: "approve"|"reject", reviewer}`, the same for every
 * variant: 202 `{orderId, decision, reviewer, status}` once the decision is recorded and the
 * variant resumed; 400 naming the field; 404 unknown order; 409 `ReviewAlreadyDecided` with the
 * first decision (a retry while the pipeline has not moved since resumes it again, which heals
 * a failed resume); 409 `OrderNotAwaitingReview` with the order's status.
 */
export function createReviewOrderHandler(deps: ReviewOrderDeps, resume: ResumeReview) {
  const reviewOrder = createReviewOrder(deps);
  // Everything this function does exists because an order waits: all of it is waiting cost.
  return async (event: APIGatewayProxyEventV2): Promise<HttpResult> =>
    duringWait(async () => {
      try {
        const orderId = orderIdOf(event);
        const command = parseReviewCommand(readJsonBody(event));
        const { order, recorded } = await reviewOrder(orderId, command);
        return await withOrderContext({ orderId, correlationId: order.correlationId }, async () => {
          const decided = recordedDecision(order);
          if (!recorded && decided) {
            if (decided.decision !== 'timeout' && resumePending(order)) await resume(order, decided.decision);
            throw new ReviewAlreadyDecidedError(orderId, decided);
          }
          await resume(order, command.decision);
          return json(202, { orderId, decision: command.decision, reviewer: command.reviewer, status: order.status });
        });
      } catch (error) {
        return toHttpError(error);
      }
    });
}

/** The `{orderId}` of the path, checked as `POST /orders` checks it (400 naming the field). */
function orderIdOf(event: APIGatewayProxyEventV2): string {
  const orderId = event.pathParameters?.orderId ?? '';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(orderId))
    throw new ValidationError([{ field: 'orderId', reason: 'must be 1-64 letters, digits, "-" or "_"' }]);
  return orderId;
}

/** The public view of an order: what `GET /orders/{id}` answers in every variant. */
export function presentOrder(order: OrderRecord) {
  return {
    orderId: order.orderId,
    status: order.status,
    ...(order.reason ? { reason: order.reason } : {}),
    totalCents: order.totalCents,
    currency: order.command.currency,
    items: order.lines ?? order.command.items,
    correlationId: order.correlationId,
    createdAt: order.createdAt,
    updatedAt: order.updatedAt,
    ...(order.terminalAt ? { terminalAt: order.terminalAt } : {}),
    ...(order.review ? { review: presentReview(order.review) } : {}),
    timeline: order.timeline,
  };
}

/** The review as a client sees it: when it parked, until when, the decision; never the variant's token. */
function presentReview({ token: _token, ...review }: NonNullable<OrderRecord['review']>) {
  return review;
}

function correlationHeader(event: APIGatewayProxyEventV2): string | undefined {
  const value = Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === 'x-correlation-id')?.[1];
  return value && /^[A-Za-z0-9._:-]{1,128}$/.test(value) ? value : undefined;
}
