import {
  DeleteMessageBatchCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

export interface RedrivePair {
  dlqUrl: string;
  sourceUrl: string;
}

/**
 * Pairs each `<name>-dlq` queue of a stack with its source `<name>`, by the naming convention all
 * variants follow (`<service>-<stage>-<queue>[-dlq]`). Works the same on AWS and locally.
 */
export async function findRedrivePairs(sqs: SQSClient, queuePrefix: string): Promise<RedrivePair[]> {
  const urls = await listQueueUrls(sqs, queuePrefix);
  return urls
    .filter((url) => url.endsWith('-dlq'))
    .map((dlqUrl) => ({ dlqUrl, sourceUrl: dlqUrl.slice(0, -'-dlq'.length) }))
    .filter((pair) => urls.includes(pair.sourceUrl));
}

/** Every queue URL whose name starts with the prefix (all pages of ListQueues). */
export async function listQueueUrls(sqs: SQSClient, queuePrefix: string): Promise<string[]> {
  const urls: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: queuePrefix, NextToken, MaxResults: 1000 }));
    urls.push(...(page.QueueUrls ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return urls;
}

/**
 * Moves every message of each DLQ back to its source queue, body and attributes unchanged (what
 * an operator does after fixing a fault). Sent before deleted: a crash in between duplicates a
 * message, which the idempotent steps absorb, and never loses one.
 */
export async function redriveQueues(sqs: SQSClient, pairs: RedrivePair[]): Promise<Record<string, number>> {
  const moved: Record<string, number> = {};
  for (const { dlqUrl, sourceUrl } of pairs) {
    moved[dlqUrl] = 0;
    for (;;) {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: dlqUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          VisibilityTimeout: 30,
          MessageAttributeNames: ['All'],
        }),
      );
      if (!Messages?.length) break;
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: sourceUrl,
          Entries: Messages.map((m, i) => ({
            Id: String(i),
            MessageBody: m.Body ?? '',
            ...(m.MessageAttributes ? { MessageAttributes: m.MessageAttributes } : {}),
          })),
        }),
      );
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: dlqUrl,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
        }),
      );
      moved[dlqUrl] += Messages.length;
    }
  }
  return moved;
}
