import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';

// The endpoint is passed explicitly, as the project's adapters do (the local queue URLs are not hosts).
const sqs = new SQSClient({ endpoint: process.env.AWS_ENDPOINT_URL_SQS });

/** A Scheduler target: forwards the event it was invoked with to FORWARD_QUEUE_URL, where the test reads it. */
export const handler = async (event: unknown): Promise<void> => {
  await sqs.send(
    new SendMessageCommand({ QueueUrl: process.env.FORWARD_QUEUE_URL, MessageBody: JSON.stringify(event) }),
  );
};
