import type { Message } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord, SQSBatchResponse } from 'aws-lambda';
import type { SqsWireClient } from './sqs-wire.ts';
import { noInstruments, type CloudInstruments, type LambdaInvoker } from './types.ts';

/** The runtime's back-pressure signal: resolves when none of the function's invocations is waiting. */
export type CapacityAwareInvoker = LambdaInvoker & { waitUntilNoneWaiting?(functionRef: string): Promise<void> };

/** An `events: - sqs` entry of a function, resolved. */
export interface SqsEventSourceConfig {
  functionName: string;
  queueUrl: string;
  queueArn: string;
  region: string;
  batchSize: number;
  maximumBatchingWindowSeconds: number;
  reportBatchItemFailures: boolean;
  /** Batches in flight at once; AWS starts an SQS mapping with five pollers. */
  pollers?: number;
}

/**
 * The Lambda event source mapping for SQS, which no emulator provides: long-polls the queue,
 * gathers a batch (size and window from the config), invokes the function with a real SQS
 * event, deletes what succeeded and leaves the rest to reappear after their visibility timeout.
 * With ReportBatchItemFailures only the listed records stay; without it, any error keeps all.
 * Messages past maxReceiveCount move to the DLQ through the emulator's own redrive. A poller
 * receives only when the function has capacity, so a busy machine leaves messages in the queue.
 */
export class SqsEventSource {
  private readonly abort = new AbortController();
  private readonly loops: Promise<void>[] = [];
  private readonly deliveries = new Set<Promise<void>>();
  private readonly instruments: CloudInstruments;
  private readonly aborted = new Promise<void>((resolve) =>
    this.abort.signal.addEventListener('abort', () => resolve(), { once: true }),
  );

  constructor(
    private readonly config: SqsEventSourceConfig,
    private readonly sqs: SqsWireClient,
    private readonly invoker: CapacityAwareInvoker,
    instruments?: CloudInstruments,
  ) {
    this.instruments = instruments ?? noInstruments;
  }

  get queueName(): string {
    return this.config.queueUrl.split('/').pop() ?? '';
  }

  start(): void {
    this.loops.push(this.poll());
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled([...this.loops, ...this.deliveries]);
  }

  /**
   * One long poll at a time per mapping, handing each batch off and polling again while up to
   * `pollers` batches are in flight: five pollers each in a long poll of their own would all be
   * woken by every message the local SQS receives (it wakes every waiter), and on a quiet queue
   * answering the losers cost the producer's SendMessage several milliseconds.
   */
  private async poll(): Promise<void> {
    const maxBatches = this.config.pollers ?? 5;
    while (!this.abort.signal.aborted) {
      try {
        if (this.deliveries.size >= maxBatches) {
          await Promise.race([...this.deliveries, this.aborted]);
          continue;
        }
        // Take messages only when the function can run them: on a full machine they wait in the
        // queue (visible, their receive count untouched), as under Lambda throttling on AWS.
        const capacity = this.invoker.waitUntilNoneWaiting?.(this.config.functionName);
        if (capacity) await Promise.race([capacity, this.aborted]);
        if (this.abort.signal.aborted) return;
        const batch = await this.gather();
        if (batch.length > 0) {
          const delivery: Promise<void> = this.deliver(batch)
            .catch(() => undefined)
            .finally(() => this.deliveries.delete(delivery));
          this.deliveries.add(delivery);
        }
      } catch (error) {
        if (this.abort.signal.aborted) return;
        // An emulator hiccup must not kill the mapping: pause and poll again, as the ESM does.
        await sleep(200);
        void error;
      }
    }
  }

  /** One long poll, then more receives until the batch is full or the batching window closes. */
  private async gather(): Promise<Message[]> {
    const batch = await this.receive(Math.min(10, this.config.batchSize), 20);
    const windowEnds = Date.now() + this.config.maximumBatchingWindowSeconds * 1000;
    while (batch.length > 0 && batch.length < this.config.batchSize && Date.now() < windowEnds) {
      const more = await this.receive(
        Math.min(10, this.config.batchSize - batch.length),
        Math.max(0, Math.ceil((windowEnds - Date.now()) / 1000)),
      );
      if (more.length === 0) break;
      batch.push(...more);
    }
    return batch;
  }

  /**
   * One ReceiveMessage as AWS bills it. A long poll on AWS answers when a message is there for it
   * or when its wait is over; the local SQS wakes every waiting poller for each new message and
   * answers the ones that lost the race empty. Those early empty answers are the same long poll
   * going on (so they are not counted as requests), and it goes on for the rest of its wait.
   */
  private async receive(max: number, waitSeconds: number): Promise<Message[]> {
    this.instruments.count('sqsRequests');
    const endsAt = Date.now() + waitSeconds * 1000;
    for (;;) {
      const remaining = Math.ceil((endsAt - Date.now()) / 1000);
      const messages = await this.sqs.receiveMessage(
        {
          QueueUrl: this.config.queueUrl,
          MaxNumberOfMessages: max,
          WaitTimeSeconds: Math.max(0, Math.min(waitSeconds, remaining)),
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        },
        this.abort.signal,
      );
      if (messages.length > 0 || remaining <= 0 || Date.now() >= endsAt || this.abort.signal.aborted) {
        this.reportReceive(messages);
        return messages;
      }
    }
  }

  /** What SQS reports to CloudWatch for one (billed) receive, per queue. */
  private reportReceive(messages: Message[]): void {
    const metric = this.instruments.metric;
    if (!metric || this.abort.signal.aborted) return;
    const dimensions = { QueueName: this.config.queueUrl.split('/').pop() ?? '' };
    if (messages.length === 0) {
      metric({ namespace: 'AWS/SQS', metricName: 'NumberOfEmptyReceives', dimensions, value: 1 });
      return;
    }
    metric({ namespace: 'AWS/SQS', metricName: 'NumberOfMessagesReceived', dimensions, value: messages.length });
    const oldest = Math.min(...messages.map((m) => Number(m.Attributes?.SentTimestamp ?? Date.now())));
    metric({
      namespace: 'AWS/SQS',
      metricName: 'ApproximateAgeOfOldestMessage',
      dimensions,
      value: Math.max(0, Math.round((Date.now() - oldest) / 1000)),
      unit: 'Seconds',
    });
  }

  private async deliver(messages: Message[]): Promise<void> {
    const hop = this.instruments.hopDelay(
      'sqs',
      messages.map((m) => m.Body ?? ''),
    );
    if (hop > 0) await sleep(hop);
    const event: SQSEvent = { Records: messages.map((m) => this.toRecord(m)) };
    // A redelivery is SQS's retry: count it as the other emulators count theirs.
    const redelivered = event.Records.filter((r) => Number(r.attributes.ApproximateReceiveCount) > 1).length;
    if (redelivered > 0) this.instruments.count('retries', redelivered);
    for (const record of event.Records) {
      const receives = Number(record.attributes.ApproximateReceiveCount);
      if (receives > 1) {
        this.instruments.retry?.({
          mechanism: 'sqs-visibility',
          payload: record.body,
          attempt: receives - 1,
          target: this.config.functionName,
        });
      }
    }
    let failedIds: Set<string>;
    try {
      const response = (await this.invoker.invoke(this.config.functionName, event)) as SQSBatchResponse | undefined;
      failedIds = this.config.reportBatchItemFailures
        ? new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier))
        : new Set();
    } catch {
      failedIds = new Set(messages.map((m) => m.MessageId ?? ''));
    }
    const done = messages.filter((m) => !failedIds.has(m.MessageId ?? ''));
    if (done.length > 0) {
      this.instruments.count('sqsRequests');
      await this.sqs.deleteMessageBatch({
        QueueUrl: this.config.queueUrl,
        Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
      });
      this.instruments.metric?.({
        namespace: 'AWS/SQS',
        metricName: 'NumberOfMessagesDeleted',
        dimensions: { QueueName: this.config.queueUrl.split('/').pop() ?? '' },
        value: done.length,
      });
    }
  }

  private toRecord(message: Message): SQSRecord {
    const attrs = message.Attributes ?? {};
    return {
      messageId: message.MessageId ?? '',
      receiptHandle: message.ReceiptHandle ?? '',
      body: message.Body ?? '',
      attributes: {
        ApproximateReceiveCount: attrs.ApproximateReceiveCount ?? '1',
        SentTimestamp: attrs.SentTimestamp ?? String(Date.now()),
        SenderId: attrs.SenderId ?? 'local',
        ApproximateFirstReceiveTimestamp: attrs.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      },
      messageAttributes: Object.fromEntries(
        Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
          name,
          {
            stringValue: value.StringValue,
            binaryValue: binaryBase64(value.BinaryValue),
            stringListValues: [],
            binaryListValues: [],
            dataType: value.DataType ?? 'String',
          },
        ]),
      ),
      md5OfBody: message.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: this.config.queueArn,
      awsRegion: this.config.region,
    };
  }
}

/** The JSON protocol carries binary attributes as base64 already; an SDK client would hand bytes. */
function binaryBase64(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : Buffer.from(value as Uint8Array).toString('base64');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
