import { createHash, randomUUID } from 'node:crypto';
import type { Catalog } from './catalog.ts';
import { OrderConflictError } from './errors.ts';
import { parsePlaceOrderCommand } from './parse-order.ts';
import type { OrderRecord, PlaceOrderCommand } from './order.ts';
import type { Clock, OrderRepository } from './ports.ts';

export interface AcceptOrderDeps {
  orders: OrderRepository;
  catalog: Catalog;
  clock: Clock;
  variant: string;
}

export interface AcceptedOrder {
  order: OrderRecord;
  /** False when the same order was posted again with the same body: answer it, start nothing. */
  created: boolean;
}

/**
 * `POST /orders`: checks the request, stores the order ACCEPTED (conditional on its id being
 * new), and tells the caller whether to start the pipeline. The same id with the same body
 * answers the existing order; with another body it is a conflict.
 * Throws `ValidationError` (400) or `OrderConflictError` (409).
 *
 * @example
 * const { order, created } = await createAcceptOrder(deps)(JSON.parse(body), requestId);
 */
export function createAcceptOrder(
  deps: AcceptOrderDeps,
): (body: unknown, correlationId?: string) => Promise<AcceptedOrder> {
  return async (body, correlationId) => {
    const command = parsePlaceOrderCommand(body, deps.catalog);
    const now = deps.clock.now().toISOString();
    const record: OrderRecord = {
      orderId: command.orderId,
      command,
      requestHash: hashCommand(command),
      status: 'ACCEPTED',
      correlationId: correlationId ?? randomUUID(),
      createdAt: now,
      updatedAt: now,
      timeline: [{ step: 'accept-order', outcome: 'succeeded', attempt: 1, at: now, variant: deps.variant }],
    };
    const { created, order } = await deps.orders.create(record);
    if (!created && order.requestHash !== record.requestHash) throw new OrderConflictError(command.orderId);
    return { order, created };
  };
}

/** Hash of the command with keys in a fixed order, so key order in the JSON does not matter. */
export function hashCommand(command: PlaceOrderCommand): string {
  const canonical = JSON.stringify([
    command.orderId,
    command.customerId,
    command.email,
    command.currency,
    command.paymentToken,
    command.items.map((item) => [item.sku, item.qty]),
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}
