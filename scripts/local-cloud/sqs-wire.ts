import { Agent, request } from 'node:http';
import type { Message } from '@aws-sdk/client-sqs';

/**
 * The Lambda service's own SQS poller, speaking SQS's JSON protocol (`X-Amz-Target:
 * AmazonSQS.<Action>`, `application/x-amz-json-1.0`) to the local SQS over a keep-alive
 * connection, as AWS's pollers are internal to AWS rather than SDK clients in a Lambda. The
 * handlers' own calls (SendMessage, ChangeMessageVisibility) go through the AWS SDK. Measured on
 * the event-source loop: an SDK v3 call costs the main thread ~1-2 ms of CPU (middleware,
 * signing, endpoint rules, serde); this costs a tenth of that, and the loop makes four per batch.
 */
export class SqsWireClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });

  constructor(private readonly endpoint: string) {}

  async receiveMessage(
    input: {
      QueueUrl: string;
      MaxNumberOfMessages: number;
      WaitTimeSeconds: number;
      MessageSystemAttributeNames?: string[];
      MessageAttributeNames?: string[];
    },
    signal?: AbortSignal,
  ): Promise<Message[]> {
    const { Messages } = await this.call<{ Messages?: Message[] }>('ReceiveMessage', input, signal);
    return Messages ?? [];
  }

  async deleteMessageBatch(input: {
    QueueUrl: string;
    Entries: Array<{ Id: string; ReceiptHandle: string }>;
  }): Promise<void> {
    const { Failed } = await this.call<{ Failed?: Array<{ Id: string; Code?: string; Message?: string }> }>(
      'DeleteMessageBatch',
      input,
    );
    // A receipt handle gone stale (the message came back after its visibility timeout and was
    // received again) fails to delete, exactly as on AWS: the message is simply delivered again.
    void Failed;
  }

  destroy(): void {
    this.agent.destroy();
  }

  private call<T>(action: string, input: unknown, signal?: AbortSignal): Promise<T> {
    const body = JSON.stringify(input);
    return new Promise<T>((resolve, reject) => {
      const req = request(
        this.endpoint,
        {
          method: 'POST',
          agent: this.agent,
          ...(signal ? { signal } : {}),
          headers: {
            'content-type': 'application/x-amz-json-1.0',
            'x-amz-target': `AmazonSQS.${action}`,
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: Record<string, unknown> = {};
            try {
              parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
            } catch {
              return reject(new Error(`SQS ${action}: unreadable answer (${res.statusCode})`));
            }
            if ((res.statusCode ?? 500) >= 300) {
              const error = new Error(
                String(parsed.message ?? parsed.Message ?? `SQS ${action} failed (${res.statusCode})`),
              );
              error.name =
                String(parsed.__type ?? 'SqsError')
                  .split('#')
                  .pop() ?? 'SqsError';
              return reject(error);
            }
            resolve(parsed as T);
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }
}
