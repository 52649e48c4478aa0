import { listQueueUrls } from './redrive.ts';
import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';

export interface RedriveEventBridgeOptions {
  sqs: SQSClient;
  eventBridge: EventBridgeClient;
  /** `<service>-<stage>-`: every `<prefix>*-dlq` queue is drained. */
  queuePrefix: string;
  eventBusName: string;
}

/** The fields of an EventBridge event a redrive puts again (the bus gives it a new id and time). */
interface DeadEvent {
  source: string;
  'detail-type': string;
  detail: unknown;
  resources?: string[];
}

/**
 * Drains each `<prefix>*-dlq` queue of an eventbridge-flags stack and puts the original events
 * back on the bus, then deletes them (what an operator does after fixing a fault). A DLQ holds
 * two shapes: a target's dead letter from EventBridge (the event itself) and a Lambda on-failure
 * record (the event under `requestPayload`). Put before deleted: a crash in between duplicates
 * an event, which the flags absorb, and never loses one. Each re-put event gets a new id, which
 * gives its step a fresh budget of attempts (the flags count attempts per event id).
 * A message that holds no event is left in its queue and reported under `<queue>#unreadable`.
 */
export async function redriveEventBridge(options: RedriveEventBridgeOptions): Promise<Record<string, number>> {
  const moved: Record<string, number> = {};
  for (const queueUrl of await listDlqs(options.sqs, options.queuePrefix)) {
    moved[queueUrl] = 0;
    const unreadable = new Set<string>();
    for (;;) {
      const { Messages } = await options.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          VisibilityTimeout: 30,
        }),
      );
      const fresh = (Messages ?? []).filter((m) => !unreadable.has(m.MessageId ?? ''));
      if (fresh.length === 0) break;
      const events = fresh.map((m) => ({ message: m, event: deadEventOf(m) }));
      const readable = events.filter((e): e is { message: Message; event: DeadEvent } => e.event !== undefined);
      for (const e of events) if (!e.event) unreadable.add(e.message.MessageId ?? '');
      if (readable.length > 0) {
        await putAll(
          options,
          readable.map(({ event }) => ({
            EventBusName: options.eventBusName,
            Source: event.source,
            DetailType: event['detail-type'],
            Detail: JSON.stringify(event.detail),
            ...(event.resources?.length ? { Resources: event.resources } : {}),
          })),
        );
        await options.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: readable.map(({ message }, i) => ({ Id: String(i), ReceiptHandle: message.ReceiptHandle ?? '' })),
          }),
        );
        moved[queueUrl] += readable.length;
      }
    }
    if (unreadable.size > 0) moved[`${queueUrl}#unreadable`] = unreadable.size;
  }
  return moved;
}

async function listDlqs(sqs: SQSClient, prefix: string): Promise<string[]> {
  return (await listQueueUrls(sqs, prefix)).filter((url) => url.endsWith('-dlq'));
}

/** The event a DLQ message carries: the body itself (EventBridge) or its `requestPayload` (Lambda). */
export function deadEventOf(message: Pick<Message, 'Body'>): DeadEvent | undefined {
  let body: unknown;
  try {
    body = JSON.parse(message.Body ?? '');
  } catch {
    return undefined;
  }
  const candidate = isRecord(body) && isRecord(body.requestPayload) ? body.requestPayload : body;
  if (
    !isRecord(candidate) ||
    typeof candidate.source !== 'string' ||
    typeof candidate['detail-type'] !== 'string' ||
    candidate.detail === undefined
  )
    return undefined;
  return candidate as unknown as DeadEvent;
}

/** PutEvents takes 10 entries per call; a rejected entry fails the redrive before anything is deleted. */
async function putAll(options: RedriveEventBridgeOptions, entries: PutEventsRequestEntry[]): Promise<void> {
  for (let i = 0; i < entries.length; i += 10) {
    const result = await options.eventBridge.send(new PutEventsCommand({ Entries: entries.slice(i, i + 10) }));
    if (result.FailedEntryCount) {
      const failed = result.Entries?.find((e) => e.ErrorCode);
      throw new Error(
        `PutEvents rejected ${result.FailedEntryCount} redriven event(s): ${failed?.ErrorCode ?? ''} ` +
          `${failed?.ErrorMessage ?? ''}`,
      );
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
