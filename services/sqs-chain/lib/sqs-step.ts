import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { ChangeMessageVisibilityCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { callAws } from '#adapters/aws-errors';
import { isBusinessError, isRetryable } from '#domain/errors';
import type { CompensationHop, OrderStatus, StepInput, StepName } from '#domain/order';
import type { OrderSteps } from '#domain/steps';
import type { StepResult } from '#domain/step-runner';
import { logger, withOrderContext } from '#observability/logger';

/** What travels in every queue of the chain: the order id; the correlation id rides in attributes. */
export interface ChainMessage {
  orderId: string;
  /** Only on the compensation queue: why, and which step failed. */
  reason?: string;
  failedStep?: StepName | CompensationHop;
}

export interface ChainConfig {
  sqs: SQSClient;
  steps: OrderSteps;
  /** The queue this function consumes (for ChangeMessageVisibility). */
  sourceQueueUrl: string;
  /** Where a success goes next; absent for the last step. */
  nextQueueUrl?: string;
  compensationQueueUrl: string;
  /** The queue's redrive maxReceiveCount: on that delivery a retryable failure parks the order FAILED. */
  maxReceiveCount: number;
  /** First redelivery delay; doubles per attempt (ChangeMessageVisibility), capped at 15 min. */
  baseBackoffSeconds: number;
}

export function correlationIdOf(record: SQSRecord): string | undefined {
  return record.messageAttributes?.correlationId?.stringValue;
}

export async function sendToQueue(
  sqs: SQSClient,
  queueUrl: string,
  message: ChainMessage,
  correlationId?: string,
): Promise<void> {
  await callAws('sqs-queue', () =>
    sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify(message),
        ...(correlationId
          ? { MessageAttributes: { correlationId: { DataType: 'String', StringValue: correlationId } } }
          : {}),
      }),
    ),
  );
}

/**
 * The one adapter every step of the chain shares: SQS batch in, domain step, next hop out.
 *  - success: the order goes to the next queue;
 *  - business error (declined, out of stock, invalid): the order goes to the compensation queue
 *    and the record succeeds (retrying cannot change the outcome);
 *  - retryable error: the record is reported failed (partial batch response) and its visibility
 *    is set to a growing backoff; on the last allowed delivery the order is first parked FAILED,
 *    so the redrive to the DLQ leaves a findable, replayable order.
 */
export function createSqsStepHandler(
  config: ChainConfig,
  step: StepName | CompensationHop,
  run: (input: StepInput, message: ChainMessage) => Promise<StepResult>,
  /**
   * The status a success leaves. A redelivered message that finds the order still exactly there
   * hands it on again: the first delivery did the step but its hand-off was lost (the function
   * timed out or the send failed after the step's write), and dropping it would strand the order.
   */
  reaches?: OrderStatus,
) {
  const processor = new BatchProcessor(EventType.SQS);
  const handleRecord = async (record: SQSRecord): Promise<void> => {
    const message = JSON.parse(record.body) as ChainMessage;
    const attempt = Number(record.attributes.ApproximateReceiveCount ?? '1');
    const correlationId = correlationIdOf(record);
    await withOrderContext({ orderId: message.orderId, correlationId }, async () => {
      try {
        const result = await run({ orderId: message.orderId, attempt, correlationId }, message);
        // A parked order goes nowhere: the review API (or its timeout) sends it on.
        if (result.status === 'AWAITING_REVIEW') return;
        if (config.nextQueueUrl && (!result.duplicate || result.status === reaches))
          await sendToQueue(config.sqs, config.nextQueueUrl, { orderId: message.orderId }, correlationId);
      } catch (error) {
        // A compensation never compensates itself: its failures are retried, then parked.
        if (isBusinessError(error) && message.reason === undefined) {
          await sendToQueue(
            config.sqs,
            config.compensationQueueUrl,
            { orderId: message.orderId, reason: error.name, failedStep: step },
            correlationId,
          );
          return;
        }
        await onRetryableFailure(config, step, record, attempt, error);
        throw error;
      }
    });
  };
  return (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    processPartialResponse(event, handleRecord, processor, {
      context,
      throwOnFullBatchFailure: false,
      processInParallel: true,
    });
}

async function onRetryableFailure(
  config: ChainConfig,
  step: StepName | CompensationHop,
  record: SQSRecord,
  attempt: number,
  error: unknown,
): Promise<void> {
  const { orderId } = JSON.parse(record.body) as ChainMessage;
  logger.warn('step failed', { step, attempt, error: error as Error, retryable: isRetryable(error) });
  if (attempt >= config.maxReceiveCount) {
    await config.steps
      .failOrder({
        orderId,
        attempt,
        reason: `${(error as Error).name}@${step}`,
        correlationId: correlationIdOf(record),
      })
      .catch((e: unknown) => logger.error('could not park order FAILED', { error: e as Error }));
    // Visible again at once: the next receive exceeds maxReceiveCount and SQS moves it to the DLQ.
    await callAws('sqs-queue', () =>
      config.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: config.sourceQueueUrl,
          ReceiptHandle: record.receiptHandle,
          VisibilityTimeout: 0,
        }),
      ),
    );
    return;
  }
  const backoff = redeliveryBackoffSeconds(config.baseBackoffSeconds, attempt);
  await callAws('sqs-queue', () =>
    config.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: config.sourceQueueUrl,
        ReceiptHandle: record.receiptHandle,
        VisibilityTimeout: backoff,
      }),
    ),
  );
}

/** First redelivery delay when RETRY_BASE_SECONDS is not set. */
export const DEFAULT_RETRY_BASE_SECONDS = 1;

/**
 * The visibility timeout set after failed attempt `attempt` (1-based): the base doubling per
 * attempt, capped at SQS's 15 minutes. SQS redelivers when it expires, on AWS as locally; the
 * AWS model prices each redelivery with it.
 */
export function redeliveryBackoffSeconds(baseBackoffSeconds: number, attempt: number): number {
  return Math.min(900, baseBackoffSeconds * 2 ** (attempt - 1));
}
