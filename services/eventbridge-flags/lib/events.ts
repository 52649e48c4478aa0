import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { EventBridgeEvent } from 'aws-lambda';
import { callAws } from '#adapters/aws-errors';
import { TransientDependencyError } from '#domain/errors';

/**
 * The events of the choreography. Each names the fact a step established; rules route each to
 * the next step (see serverless.yml), and any other consumer may subscribe (fan-out).
 */
export const ORDER_EVENTS = [
  'OrderPlaced',
  'OrderValidated',
  'PaymentCharged',
  'InventoryReserved',
  'OrderConfirmed',
  'OrderStepFailed',
  // Put by the one-time EventBridge Scheduler schedule of an order waiting for review when nobody
  // decided in time (its templated EventBridge target); time-out-review handles it.
  'ReviewTimedOut',
] as const;
export type OrderEventName = (typeof ORDER_EVENTS)[number];

/**
 * Events whose consumer is a flagged step that runs `after` the step that put them: that step's
 * claim records the putter's success and acknowledges the put (sets the putter's `done` and
 * `emitted` flags), so the putter writes no flag at all after its run. `OrderStepFailed` has no
 * such consumer (compensation follows any step), so its putter flags its outcome and marks it itself.
 */
export const ACKNOWLEDGED_BY_SUCCESSOR: ReadonlySet<OrderEventName> = new Set<OrderEventName>([
  'OrderValidated',
  'PaymentCharged',
  'InventoryReserved',
  'OrderConfirmed',
]);

/** Every event carries only ids: consumers read the order itself, never a stale copy of it. */
export interface OrderEventDetail {
  orderId: string;
  correlationId?: string;
  /**
   * The putter's claim token, when it put the event without recording its outcome: the successor's
   * claim records it, on proof that the putter's claim is still held under this token.
   */
  handOff?: string;
  /** OrderStepFailed only: the business error's name, and the step that raised it. */
  reason?: string;
  failedStep?: string;
}

export type OrderEvent = EventBridgeEvent<OrderEventName, OrderEventDetail>;

export interface EventPublisher {
  eventBridge: EventBridgeClient;
  eventBusName: string;
  /** The `source` of every event this service puts; the rules match on it. */
  source: string;
}

/** Puts one event on the bus; a rejected entry is a transient failure (retried by the caller's transport). */
export async function putOrderEvent(
  publisher: EventPublisher,
  name: OrderEventName,
  detail: OrderEventDetail,
): Promise<void> {
  const result = await callAws('event-bus', () =>
    publisher.eventBridge.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: publisher.eventBusName,
            Source: publisher.source,
            DetailType: name,
            Detail: JSON.stringify(detail),
          },
        ],
      }),
    ),
  );
  if (result.FailedEntryCount) {
    const entry = result.Entries?.[0];
    throw new TransientDependencyError(
      'event-bus',
      `PutEvents rejected ${name}: ${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`,
    );
  }
}
