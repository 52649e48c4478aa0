import { randomUUID } from 'node:crypto';
import { hashCommand } from '#domain/accept-order';
import { createCatalog, type Catalog } from '#domain/catalog';
import type { OrderRecord, PlaceOrderCommand } from '#domain/order';
import { priceOrder } from '#domain/price-order';

let sequence = 0;

/** A fresh, valid order id (the charset and length the contract accepts). */
export function anOrderId(prefix = 'order'): string {
  sequence += 1;
  return `${prefix}-${sequence}-${randomUUID().slice(0, 8)}`;
}

/**
 * A valid `POST /orders` body: one keyboard and two mice (14,700 cents at catalog prices), paid
 * with `tok_ok`. Every call has its own orderId, so tests never share an order by accident.
 *
 * @example
 * const command = anOrder({ paymentToken: 'tok_decline' });
 */
export function anOrder(overrides: Partial<PlaceOrderCommand> = {}): PlaceOrderCommand {
  return {
    orderId: anOrderId(),
    customerId: 'customer-42',
    email: 'ada@example.com',
    currency: 'EUR',
    paymentToken: 'tok_ok',
    items: [
      { sku: 'SKU-KEYBOARD', qty: 1 },
      { sku: 'SKU-MOUSE', qty: 2 },
    ],
    ...overrides,
  };
}

export interface OrderRecordOverrides extends Partial<Omit<OrderRecord, 'command'>> {
  command?: Partial<PlaceOrderCommand>;
  catalog?: Catalog;
}

/**
 * An `orders` table record as the pipeline writes it. Past ACCEPTED it is priced from the catalog
 * (lines + totalCents), as validate-order does; anything may be overridden.
 *
 * @example
 * const confirmed = anOrderRecord({ status: 'CONFIRMED', chargeId: 'ch_1' });
 */
export function anOrderRecord(overrides: OrderRecordOverrides = {}): OrderRecord {
  const { command: commandOverrides, catalog = createCatalog(), ...rest } = overrides;
  const command = anOrder({ ...(rest.orderId ? { orderId: rest.orderId } : {}), ...commandOverrides });
  const status = rest.status ?? 'ACCEPTED';
  const at = '2024-05-01T12:00:00.000Z';
  const priced = status === 'ACCEPTED' ? {} : priceOrder(command.items, catalog);
  return {
    orderId: command.orderId,
    command,
    requestHash: hashCommand(command),
    status,
    correlationId: `corr-${command.orderId}`,
    createdAt: at,
    updatedAt: at,
    timeline: [{ step: 'accept-order', outcome: 'succeeded', attempt: 1, at, variant: 'test' }],
    ...priced,
    ...rest,
  };
}
