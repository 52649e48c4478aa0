/**
 * The SQS behaviour the sqs-chain variant relies on, as the Amazon SQS Developer Guide and API
 * reference document it: visibility timeout and redelivery, receive counts and redrive to a
 * dead-letter queue, delays, ChangeMessageVisibility, batch deletes with partial failure, long
 * polling and message attributes. Each case makes its own queues, so cases run side by side.
 * Waits poll the queue (long polls of at most a few seconds), never sleep.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { ConformanceCase, ConformanceContext, ConformanceSuite } from '../types.ts';

const GUIDE = 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide';
const API = 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference';

/** Longest a case waits for a message to come (back); the timeouts it waits out are 1-3 s. */
const WAIT_CAP_MS = 15_000;

const clients = new Map<string, SQSClient>();

function sqs(ctx: ConformanceContext): SQSClient {
  const endpoint = ctx.endpoints.sqs!;
  let client = clients.get(endpoint);
  if (!client) {
    client = new SQSClient({ region: ctx.region, endpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    clients.set(endpoint, client);
  }
  return client;
}

async function createQueue(ctx: ConformanceContext, attributes: Record<string, string> = {}): Promise<string> {
  const { QueueUrl } = await sqs(ctx).send(
    new CreateQueueCommand({ QueueName: `conformance-${randomUUID()}`, Attributes: attributes }),
  );
  return QueueUrl!;
}

async function queueArn(ctx: ConformanceContext, queueUrl: string): Promise<string> {
  const { Attributes } = await sqs(ctx).send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  return Attributes!.QueueArn!;
}

async function send(ctx: ConformanceContext, queueUrl: string, body: string, extra: object = {}): Promise<string> {
  const { MessageId } = await sqs(ctx).send(
    new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body, ...extra }),
  );
  return MessageId!;
}

/** One receive call; `wait` is the long-poll time in seconds (0 = short poll). */
async function receive(
  ctx: ConformanceContext,
  queueUrl: string,
  options: { wait?: number; max?: number; visibility?: number; attributeNames?: string[] } = {},
): Promise<Message[]> {
  const { Messages } = await sqs(ctx).send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      WaitTimeSeconds: options.wait ?? 0,
      MaxNumberOfMessages: options.max ?? 10,
      MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      MessageAttributeNames: options.attributeNames ?? ['All'],
      ...(options.visibility === undefined ? {} : { VisibilityTimeout: options.visibility }),
    }),
  );
  return Messages ?? [];
}

/** Long-polls until a message arrives, or fails after WAIT_CAP_MS. */
async function receiveEventually(
  ctx: ConformanceContext,
  queueUrl: string,
  what: string,
  options: { visibility?: number } = {},
): Promise<Message> {
  const deadline = Date.now() + WAIT_CAP_MS;
  while (Date.now() < deadline) {
    const [message] = await receive(ctx, queueUrl, { wait: 1, max: 1, ...options });
    if (message) return message;
  }
  throw new Error(`${what}: no message within ${WAIT_CAP_MS / 1000} s`);
}

async function expectEmpty(ctx: ConformanceContext, queueUrl: string, what: string, wait = 0): Promise<void> {
  const messages = await receive(ctx, queueUrl, { wait });
  if (messages.length > 0) throw new Error(`${what}: expected no message, received ${messages.length}`);
}

function expectEqual(actual: unknown, expected: unknown, what: string): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

/** The SDK names an SQS error by its code, with or without the legacy `AWS.SimpleQueueService.` prefix. */
async function expectError(action: () => Promise<unknown>, code: string, what: string): Promise<void> {
  try {
    await action();
  } catch (error) {
    const name = (error as Error).name;
    if (name === code || name === `AWS.SimpleQueueService.${code}`) return;
    throw new Error(`${what}: expected ${code}, got ${name}: ${(error as Error).message}`);
  }
  throw new Error(`${what}: expected ${code}, the call succeeded`);
}

/** Keeps receiving from the source queue (which must yield nothing) until the message is in the DLQ. */
async function redrivenMessage(ctx: ConformanceContext, queue: string, dlq: string): Promise<Message> {
  const deadline = Date.now() + WAIT_CAP_MS;
  while (Date.now() < deadline) {
    const [delivered] = await receive(ctx, queue, { wait: 1, max: 1 });
    if (delivered) throw new Error(`delivered again with ApproximateReceiveCount ${receiveCount(delivered)}`);
    const [deadLetter] = await receive(ctx, dlq, { max: 1 });
    if (deadLetter) return deadLetter;
  }
  throw new Error(`message in the dead-letter queue: none within ${WAIT_CAP_MS / 1000} s`);
}

function receiveCount(message: Message): number {
  return Number(message.Attributes?.ApproximateReceiveCount);
}

/**
 * MD5 of message attributes as SQS computes it: per attribute, sorted by name, the 4-byte
 * big-endian lengths and bytes of name, data type, a transport byte (1 string, 2 binary) and value.
 */
function attributesMd5(attributes: Record<string, MessageAttributeValue>): string {
  const hash = createHash('md5');
  const lengthPrefixed = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length).update(bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    const attribute = attributes[name]!;
    lengthPrefixed(Buffer.from(name, 'utf8'));
    lengthPrefixed(Buffer.from(attribute.DataType!, 'utf8'));
    if (attribute.BinaryValue !== undefined) {
      hash.update(Buffer.from([2]));
      lengthPrefixed(Buffer.from(attribute.BinaryValue));
    } else {
      hash.update(Buffer.from([1]));
      lengthPrefixed(Buffer.from(attribute.StringValue!, 'utf8'));
    }
  }
  return hash.digest('hex');
}

const cases: ConformanceCase[] = [
  {
    name: 'Visibility timeout > a received message stays hidden, then is delivered again with the same id and body',
    source: `${GUIDE}/sqs-visibility-timeout.html`,
    run: async (ctx) => {
      // 3 s leaves a busy machine room between the receive and the check that follows it.
      const queue = await createQueue(ctx, { VisibilityTimeout: '3' });
      const id = await send(ctx, queue, 'hello');
      const [first] = await receive(ctx, queue, { wait: 1 });
      expectEqual(first?.MessageId, id, 'first receive');
      await expectEmpty(ctx, queue, 'receive while the message is in flight');
      const again = await receiveEventually(ctx, queue, 'redelivery after the visibility timeout');
      expectEqual([again.MessageId, again.Body], [id, 'hello'], 'redelivered message');
      if (again.ReceiptHandle === first?.ReceiptHandle) throw new Error('redelivery reused the receipt handle');
    },
  },
  {
    name: 'Visibility timeout > ApproximateReceiveCount counts every receive',
    source: `${API}/API_ReceiveMessage.html`,
    run: async (ctx) => {
      const queue = await createQueue(ctx, { VisibilityTimeout: '1' });
      await send(ctx, queue, 'count me');
      expectEqual(receiveCount(await receiveEventually(ctx, queue, 'first receive')), 1, 'first receive count');
      expectEqual(receiveCount(await receiveEventually(ctx, queue, 'second receive')), 2, 'second receive count');
    },
  },
  {
    name: 'Visibility timeout > VisibilityTimeout on ReceiveMessage overrides the queue default',
    source: `${API}/API_ReceiveMessage.html`,
    run: async (ctx) => {
      const queue = await createQueue(ctx, { VisibilityTimeout: '300' });
      const id = await send(ctx, queue, 'short');
      await receiveEventually(ctx, queue, 'first receive', { visibility: 1 });
      const again = await receiveEventually(ctx, queue, 'redelivery after the 1 s receive timeout');
      expectEqual(again.MessageId, id, 'redelivered message');
    },
  },
  {
    name: 'Visibility timeout > a deleted message is never delivered again',
    source: `${API}/API_DeleteMessage.html`,
    run: async (ctx) => {
      const queue = await createQueue(ctx, { VisibilityTimeout: '1' });
      await send(ctx, queue, 'done');
      const message = await receiveEventually(ctx, queue, 'receive');
      await sqs(ctx).send(new DeleteMessageCommand({ QueueUrl: queue, ReceiptHandle: message.ReceiptHandle! }));
      // Long-polls past the visibility timeout: a message not deleted would be back by then.
      await expectEmpty(ctx, queue, 'receive after delete', 2);
    },
  },
  {
    name: 'Dead-letter queues > after maxReceiveCount receives the message moves to the dead-letter queue',
    source: `${GUIDE}/sqs-dead-letter-queues.html`,
    run: async (ctx) => {
      const dlq = await createQueue(ctx);
      const redrivePolicy = JSON.stringify({ deadLetterTargetArn: await queueArn(ctx, dlq), maxReceiveCount: 2 });
      const queue = await createQueue(ctx, { VisibilityTimeout: '1', RedrivePolicy: redrivePolicy });
      const id = await send(ctx, queue, 'poison', {
        MessageAttributes: { correlationId: { DataType: 'String', StringValue: 'c-1' } },
      });
      expectEqual(receiveCount(await receiveEventually(ctx, queue, 'receive 1')), 1, 'receive 1');
      expectEqual(receiveCount(await receiveEventually(ctx, queue, 'receive 2')), 2, 'receive 2');
      // SQS moves the message when a receive would exceed maxReceiveCount: that receive gets nothing.
      const deadLetter = await redrivenMessage(ctx, queue, dlq);
      expectEqual([deadLetter.MessageId, deadLetter.Body], [id, 'poison'], 'dead-lettered message');
      expectEqual(deadLetter.MessageAttributes?.correlationId?.StringValue, 'c-1', 'dead-lettered attribute');
      await expectEmpty(ctx, queue, 'source queue after the redrive', 1);
    },
  },
  {
    name: 'Dead-letter queues > a message deleted before maxReceiveCount never reaches the dead-letter queue',
    source: `${GUIDE}/sqs-dead-letter-queues.html`,
    run: async (ctx) => {
      const dlq = await createQueue(ctx);
      const redrivePolicy = JSON.stringify({ deadLetterTargetArn: await queueArn(ctx, dlq), maxReceiveCount: 2 });
      const queue = await createQueue(ctx, { VisibilityTimeout: '1', RedrivePolicy: redrivePolicy });
      await send(ctx, queue, 'recovers');
      await receiveEventually(ctx, queue, 'receive 1');
      const second = await receiveEventually(ctx, queue, 'receive 2');
      await sqs(ctx).send(new DeleteMessageCommand({ QueueUrl: queue, ReceiptHandle: second.ReceiptHandle! }));
      await expectEmpty(ctx, dlq, 'dead-letter queue', 2);
    },
  },
  {
    name: 'Delay queues > DelaySeconds on SendMessage hides the new message until the delay passes',
    source: `${GUIDE}/sqs-message-timers.html`,
    run: async (ctx) => {
      const queue = await createQueue(ctx);
      const id = await send(ctx, queue, 'later', { DelaySeconds: 3 });
      await expectEmpty(ctx, queue, 'receive during the delay');
      expectEqual((await receiveEventually(ctx, queue, 'receive after the delay')).MessageId, id, 'delayed message');
    },
  },
  {
    name: 'Delay queues > the queue DelaySeconds attribute delays every new message',
    source: `${GUIDE}/sqs-delay-queues.html`,
    run: async (ctx) => {
      const queue = await createQueue(ctx, { DelaySeconds: '3' });
      const id = await send(ctx, queue, 'later');
      await expectEmpty(ctx, queue, 'receive during the delay');
      expectEqual((await receiveEventually(ctx, queue, 'receive after the delay')).MessageId, id, 'delayed message');
    },
  },
  {
    name: 'ChangeMessageVisibility > a timeout of 0 makes the message visible again at once',
    source: `${API}/API_ChangeMessageVisibility.html`,
    run: async (ctx) => {
      const queue = await createQueue(ctx, { VisibilityTimeout: '300' });
      const id = await send(ctx, queue, 'retry now');
      const first = await receiveEventually(ctx, queue, 'first receive');
      await sqs(ctx).send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queue,
          ReceiptHandle: first.ReceiptHandle!,
          VisibilityTimeout: 0,
        }),
      );
      const [again] = await receive(ctx, queue, { wait: 1 });
      expectEqual(again?.MessageId, id, 'receive right after ChangeMessageVisibility 0');
    },
  },
  {
    name: 'ChangeMessageVisibility > extending the timeout keeps the message hidden past the old timeout',
    source: `${API}/API_ChangeMessageVisibility.html`,
    run: async (ctx) => {
      const queue = await createQueue(ctx, { VisibilityTimeout: '1' });
      await send(ctx, queue, 'slow work');
      const first = await receiveEventually(ctx, queue, 'first receive');
      await sqs(ctx).send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queue,
          ReceiptHandle: first.ReceiptHandle!,
          VisibilityTimeout: 60,
        }),
      );
      await expectEmpty(ctx, queue, 'receive past the original 1 s timeout', 2);
    },
  },
  {
    name: 'ChangeMessageVisibility > a timeout above 12 hours is rejected',
    source: `${API}/API_ChangeMessageVisibility.html`,
    run: async (ctx) => {
      const queue = await createQueue(ctx);
      await send(ctx, queue, 'x');
      const message = await receiveEventually(ctx, queue, 'receive');
      await expectError(
        () =>
          sqs(ctx).send(
            new ChangeMessageVisibilityCommand({
              QueueUrl: queue,
              ReceiptHandle: message.ReceiptHandle!,
              VisibilityTimeout: 43_201,
            }),
          ),
        'InvalidParameterValue',
        'ChangeMessageVisibility 43201',
      );
    },
  },
  {
    name: 'DeleteMessageBatch > reports each failed entry and deletes the others',
    source: `${API}/API_DeleteMessageBatch.html`,
    run: async (ctx) => {
      const queue = await createQueue(ctx, { VisibilityTimeout: '3' });
      await send(ctx, queue, 'a');
      await send(ctx, queue, 'b');
      const received: Message[] = [];
      const deadline = Date.now() + WAIT_CAP_MS;
      while (received.length < 2 && Date.now() < deadline) {
        for (const message of await receive(ctx, queue, { wait: 1 })) {
          if (!received.some((other) => other.MessageId === message.MessageId)) received.push(message);
        }
      }
      if (received.length < 2) throw new Error(`received ${received.length} of 2 messages`);
      const kept = received[1]!;
      const result = await sqs(ctx).send(
        new DeleteMessageBatchCommand({
          QueueUrl: queue,
          Entries: [
            { Id: 'good', ReceiptHandle: received[0]!.ReceiptHandle! },
            { Id: 'bad', ReceiptHandle: 'not-a-receipt-handle' },
          ],
        }),
      );
      expectEqual(
        result.Successful?.map((entry) => entry.Id),
        ['good'],
        'Successful',
      );
      expectEqual(
        result.Failed?.map((entry) => [entry.Id, entry.SenderFault]),
        [['bad', true]],
        'Failed',
      );
      expectEqual(result.Failed?.[0]?.Code, 'ReceiptHandleIsInvalid', 'Failed code');
      const back = await receiveEventually(ctx, queue, 'the message whose delete failed');
      expectEqual(back.MessageId, kept.MessageId, 'only the undeleted message comes back');
      await expectEmpty(ctx, queue, 'after the redelivery', 0);
    },
  },
  {
    name: 'DeleteMessageBatch > entry ids must be distinct',
    source: `${API}/API_DeleteMessageBatch.html`,
    run: async (ctx) => {
      const queue = await createQueue(ctx);
      await expectError(
        () =>
          sqs(ctx).send(
            new DeleteMessageBatchCommand({
              QueueUrl: queue,
              Entries: [
                { Id: 'same', ReceiptHandle: 'r1' },
                { Id: 'same', ReceiptHandle: 'r2' },
              ],
            }),
          ),
        'BatchEntryIdsNotDistinct',
        'DeleteMessageBatch with duplicate ids',
      );
    },
  },
  {
    name: 'Long polling > a waiting receive returns a message sent during the wait',
    source: `${GUIDE}/sqs-short-and-long-polling.html`,
    run: async (ctx) => {
      const queue = await createQueue(ctx);
      const waiting = receive(ctx, queue, { wait: 10, max: 1 });
      const id = await send(ctx, queue, 'arrives while polling');
      const [message] = await waiting;
      expectEqual(message?.MessageId, id, 'long-polled message');
    },
  },
  {
    name: 'Long polling > a receive on an empty queue returns no message once the wait ends',
    source: `${GUIDE}/sqs-short-and-long-polling.html`,
    run: async (ctx) => {
      const queue = await createQueue(ctx);
      await expectEmpty(ctx, queue, 'long poll of an empty queue', 1);
    },
  },
  {
    name: 'Long polling > MaxNumberOfMessages caps one receive',
    source: `${API}/API_ReceiveMessage.html`,
    run: async (ctx) => {
      const queue = await createQueue(ctx);
      await sqs(ctx).send(
        new SendMessageBatchCommand({
          QueueUrl: queue,
          Entries: ['1', '2', '3'].map((id) => ({ Id: id, MessageBody: `m${id}` })),
        }),
      );
      const messages = await receive(ctx, queue, { wait: 1, max: 2 });
      if (messages.length < 1 || messages.length > 2) throw new Error(`received ${messages.length} messages, max 2`);
    },
  },
  {
    name: 'Message attributes > String, Number and Binary attributes come back with their types and MD5',
    source: `${GUIDE}/sqs-message-metadata.html`,
    run: async (ctx) => {
      const queue = await createQueue(ctx);
      const attributes: Record<string, MessageAttributeValue> = {
        correlationId: { DataType: 'String', StringValue: 'order-42' },
        attempt: { DataType: 'Number', StringValue: '3' },
        digest: { DataType: 'Binary', BinaryValue: Uint8Array.from([0, 1, 254, 255]) },
        'kind.custom': { DataType: 'String.OrderStep', StringValue: 'charge' },
      };
      const { MD5OfMessageAttributes } = await sqs(ctx).send(
        new SendMessageCommand({ QueueUrl: queue, MessageBody: 'with attributes', MessageAttributes: attributes }),
      );
      expectEqual(MD5OfMessageAttributes, attributesMd5(attributes), 'MD5OfMessageAttributes on send');
      const message = await receiveEventually(ctx, queue, 'receive');
      const got = message.MessageAttributes ?? {};
      expectEqual(got.correlationId, attributes.correlationId, 'String attribute');
      expectEqual(got.attempt, attributes.attempt, 'Number attribute');
      expectEqual(got['kind.custom'], attributes['kind.custom'], 'custom-typed attribute');
      expectEqual([...(got.digest?.BinaryValue ?? [])], [0, 1, 254, 255], 'Binary attribute');
      expectEqual(message.MD5OfMessageAttributes, attributesMd5(attributes), 'MD5OfMessageAttributes on receive');
    },
  },
  {
    name: 'Message attributes > a receive returns only the attributes it names',
    source: `${API}/API_ReceiveMessage.html`,
    run: async (ctx) => {
      const queue = await createQueue(ctx);
      await send(ctx, queue, 'two attributes', {
        MessageAttributes: {
          wanted: { DataType: 'String', StringValue: 'yes' },
          other: { DataType: 'String', StringValue: 'no' },
        },
      });
      const [message] = await receive(ctx, queue, { wait: 1, attributeNames: ['wanted'] });
      expectEqual(Object.keys(message?.MessageAttributes ?? {}), ['wanted'], 'returned attributes');
    },
  },
];

export const suite: ConformanceSuite = { name: 'sqs-semantics', services: ['sqs'], cases };
