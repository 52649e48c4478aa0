import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createAcceptOrder, type AcceptOrderDeps } from '../domain/accept-order.ts';
import type { OrderRecord } from '../domain/order.ts';
import { OrderNotFoundError, ValidationError } from '../domain/errors.ts';
import { withOrderContext } from '../observability/logger.ts';
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
      const orderId = event.pathParameters?.orderId ?? '';
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(orderId))
        throw new ValidationError([{ field: 'orderId', reason: 'must be 1-64 letters, digits, "-" or "_"' }]);
      const order = await deps.orders.get(orderId);
      if (!order) throw new OrderNotFoundError(orderId);
      return json(200, presentOrder(order));
    } catch (error) {
      return toHttpError(error);
    }
  };
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
    timeline: order.timeline,
  };
}

function correlationHeader(event: APIGatewayProxyEventV2): string | undefined {
  const value = Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === 'x-correlation-id')?.[1];
  return value && /^[A-Za-z0-9._:-]{1,128}$/.test(value) ? value : undefined;
}
