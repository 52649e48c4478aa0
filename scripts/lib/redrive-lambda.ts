import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { listQueueUrls } from './redrive.ts';

export interface RedriveLambdaOptions {
  sqs: SQSClient;
  lambda: LambdaClient;
  /** `<service>-<stage>-`: every `<prefix>*-dlq` queue is drained. */
  queuePrefix: string;
}

/** The parts of a Lambda on-failure invocation record a redrive needs. */
export interface FailedInvocation {
  functionArn: string;
  payload: unknown;
}

/**
 * Drains each `<prefix>*-dlq` queue that holds Lambda on-failure records (asynchronous
 * invocations whose retries ran out) and invokes each record's function again, asynchronously,
 * with the original event, then deletes the record: what an operator does after fixing a fault.
 * Invoked before deleted: a crash in between invokes twice, which the idempotent steps absorb,
 * and never loses an order. A message that is not such a record is left in its queue and
 * reported under `<queue>#unreadable`.
 *
 * @example
 * await redriveLambdaDestinations({ sqs, lambda, queuePrefix: 'single-lambda-dev-' });
 */
export async function redriveLambdaDestinations(options: RedriveLambdaOptions): Promise<Record<string, number>> {
  const moved: Record<string, number> = {};
  const dlqs = (await listQueueUrls(options.sqs, options.queuePrefix)).filter((url) => url.endsWith('-dlq'));
  for (const queueUrl of dlqs) {
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
      const done: Message[] = [];
      for (const message of fresh) {
        const failed = failedInvocationOf(message);
        if (!failed) {
          unreadable.add(message.MessageId ?? '');
          continue;
        }
        await options.lambda.send(
          new InvokeCommand({
            FunctionName: failed.functionArn,
            InvocationType: 'Event',
            Payload: JSON.stringify(failed.payload),
          }),
        );
        done.push(message);
      }
      if (done.length > 0) {
        await options.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
          }),
        );
        moved[queueUrl] += done.length;
      }
    }
    if (unreadable.size > 0) moved[`${queueUrl}#unreadable`] = unreadable.size;
  }
  return moved;
}

/** The function (without its `:$LATEST` qualifier) and event of an on-failure record, if it is one. */
export function failedInvocationOf(message: Pick<Message, 'Body'>): FailedInvocation | undefined {
  let body: unknown;
  try {
    body = JSON.parse(message.Body ?? '');
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as { requestContext?: { functionArn?: unknown }; requestPayload?: unknown };
  const arn = record.requestContext?.functionArn;
  if (typeof arn !== 'string' || !arn.startsWith('arn:') || record.requestPayload === undefined) return undefined;
  // arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]
  return { functionArn: arn.split(':').slice(0, 7).join(':'), payload: record.requestPayload };
}
