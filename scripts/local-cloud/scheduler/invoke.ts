/**
 * One invocation of a schedule's target, and the dead-letter message when its retries are spent:
 * each is a real AWS SDK v3 call to the local cloud's emulator of that service (SQS on fauxqs,
 * Lambda on the local Lambda API, EventBridge and Step Functions on ours). The SDK's own retries
 * are off: the schedule's RetryPolicy decides, as EventBridge Scheduler's does.
 */
import { GetQueueUrlCommand, SendMessageCommand, SQSClient, type SendMessageCommandInput } from '@aws-sdk/client-sqs';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { Target } from './model.ts';
import type { TargetKind, TargetService } from './targets.ts';

export type SchedulerEndpoints = Partial<Record<TargetService, string>> & { sqs: string };

/** What a failed call looks like to the retry policy and in the dead-letter message. */
export interface InvocationFailure {
  code: string;
  message: string;
  retryable: boolean;
  throttled: boolean;
}

/** Errors that no retry can cure: the request itself is wrong. Anything else is tried again. */
const PERMANENT = new Set([
  'ValidationException',
  'SerializationException',
  'InvalidParameterValue',
  'InvalidParameterValueException',
  'InvalidRequestContentException',
  'RequestTooLargeException',
  'InvalidMessageContents',
  'MissingParameter',
  'InvalidExecutionInput',
  'InvalidName',
  'InvalidArn',
  'AccessDeniedException',
]);
const THROTTLED = new Set(['ThrottlingException', 'TooManyRequestsException', 'RequestThrottled', 'Throttling']);

/** When a target has no Input, the local cloud sends an empty JSON object (AWS's default notification is undocumented). */
export const DEFAULT_INPUT = '{}';

export class TargetInvoker {
  private readonly credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  private readonly sqs: SQSClient;
  private lambda?: Promise<LambdaClient>;
  private events?: Promise<EventBridgeClient>;
  private sfn?: Promise<SFNClient>;
  private readonly queueUrls = new Map<string, Promise<string>>();

  constructor(
    private readonly endpoints: SchedulerEndpoints,
    private readonly region: string,
  ) {
    this.sqs = new SQSClient(this.config('sqs'));
  }

  /** The services whose targets this invoker can reach. */
  services(): Set<TargetService> {
    return new Set(Object.entries(this.endpoints).flatMap(([service, url]) => (url ? [service as TargetService] : [])));
  }

  async invoke(
    target: Target,
    kind: TargetKind,
    input: string | undefined,
    invocation: { executionId: string; scheduleArn: string },
  ): Promise<void> {
    const body = input ?? DEFAULT_INPUT;
    switch (kind.kind) {
      case 'sqs':
        return this.sendMessage({
          QueueUrl: await this.queueUrl(kind.queueName),
          MessageBody: body,
          ...(target.SqsParameters?.MessageGroupId ? { MessageGroupId: target.SqsParameters.MessageGroupId } : {}),
          // Retries of one invocation share its execution id, so a FIFO queue takes the message once.
          ...(kind.fifo ? { MessageDeduplicationId: invocation.executionId } : {}),
        });
      case 'lambda': {
        const { InvokeCommand } = await import('@aws-sdk/client-lambda');
        await (await this.lambdaClient()).send(
          new InvokeCommand({ FunctionName: target.Arn, InvocationType: 'Event', Payload: Buffer.from(body) }),
        );
        return;
      }
      case 'stepfunctions': {
        const { StartExecutionCommand } = await import('@aws-sdk/client-sfn');
        await (await this.sfnClient()).send(new StartExecutionCommand({ stateMachineArn: target.Arn, input: body }));
        return;
      }
      case 'eventbridge':
        return this.putEvents([
          {
            EventBusName: target.Arn,
            Source: target.EventBridgeParameters?.Source,
            DetailType: target.EventBridgeParameters?.DetailType,
            Detail: body,
            Resources: [invocation.scheduleArn],
          },
        ]);
      case 'universal':
        return this.invokeUniversal(kind, JSON.parse(body) as Record<string, unknown>);
    }
  }

  /** The dead-letter event: the target's input, with what failed in the message attributes. */
  async deadLetter(queueArn: string, body: string, attributes: Record<string, string>): Promise<void> {
    const queueName = queueArn.split(':').pop() ?? '';
    await this.sendMessage({
      QueueUrl: await this.queueUrl(queueName),
      MessageBody: body,
      MessageAttributes: Object.fromEntries(
        Object.entries(attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
      ),
    });
  }

  destroy(): void {
    this.sqs.destroy();
    for (const client of [this.lambda, this.events, this.sfn]) void client?.then((c) => c.destroy());
  }

  private async invokeUniversal(kind: Extract<TargetKind, { kind: 'universal' }>, request: Record<string, unknown>) {
    switch (kind.service) {
      case 'sqs':
        return this.sendMessage(request as unknown as SendMessageCommandInput);
      case 'eventbridge':
        return this.putEvents((request.Entries ?? []) as Parameters<TargetInvoker['putEvents']>[0]);
      case 'lambda': {
        const { InvokeCommand } = await import('@aws-sdk/client-lambda');
        const payload = request.Payload;
        await (await this.lambdaClient()).send(
          new InvokeCommand({
            ...(request as { FunctionName: string }),
            ...(payload !== undefined
              ? { Payload: Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)) }
              : {}),
          }),
        );
        return;
      }
      case 'sfn': {
        // The Step Functions API names its members in camelCase; a request in either case is taken.
        const { StartExecutionCommand } = await import('@aws-sdk/client-sfn');
        const input = Object.fromEntries(
          Object.entries(request).map(([key, value]) => [`${key.charAt(0).toLowerCase()}${key.slice(1)}`, value]),
        ) as { stateMachineArn: string; input?: string; name?: string };
        await (await this.sfnClient()).send(new StartExecutionCommand(input));
        return;
      }
    }
  }

  private async sendMessage(input: SendMessageCommandInput): Promise<void> {
    await this.sqs.send(new SendMessageCommand(input));
  }

  private async putEvents(
    entries: Array<{
      EventBusName?: string;
      Source?: string;
      DetailType?: string;
      Detail?: string;
      Resources?: string[];
    }>,
  ): Promise<void> {
    const { PutEventsCommand } = await import('@aws-sdk/client-eventbridge');
    const result = await (await this.eventsClient()).send(new PutEventsCommand({ Entries: entries }));
    const failed = result.Entries?.find((entry) => entry.ErrorCode);
    if ((result.FailedEntryCount ?? 0) > 0 || failed) {
      throw Object.assign(new Error(failed?.ErrorMessage ?? 'PutEvents failed'), {
        name: failed?.ErrorCode ?? 'InternalException',
      });
    }
  }

  /** Cached per queue; a failed lookup is forgotten, so the next attempt asks again. */
  private queueUrl(queueName: string): Promise<string> {
    let url = this.queueUrls.get(queueName);
    if (!url) {
      url = this.sqs.send(new GetQueueUrlCommand({ QueueName: queueName })).then(({ QueueUrl }) => {
        if (!QueueUrl) throw new Error(`no URL for queue ${queueName}`);
        return QueueUrl;
      });
      url.catch(() => this.queueUrls.delete(queueName));
      this.queueUrls.set(queueName, url);
    }
    return url;
  }

  private lambdaClient(): Promise<LambdaClient> {
    this.lambda ??= import('@aws-sdk/client-lambda').then(
      ({ LambdaClient }) => new LambdaClient(this.config('lambda')),
    );
    return this.lambda;
  }

  private eventsClient(): Promise<EventBridgeClient> {
    this.events ??= import('@aws-sdk/client-eventbridge').then(
      ({ EventBridgeClient }) => new EventBridgeClient(this.config('eventbridge')),
    );
    return this.events;
  }

  private sfnClient(): Promise<SFNClient> {
    this.sfn ??= import('@aws-sdk/client-sfn').then(({ SFNClient }) => new SFNClient(this.config('stepfunctions')));
    return this.sfn;
  }

  private config(service: TargetService) {
    const endpoint = this.endpoints[service];
    if (!endpoint) throw new Error(`this local cloud runs no ${service}`);
    return { region: this.region, endpoint, credentials: this.credentials, maxAttempts: 1 };
  }
}

export function describeFailure(error: unknown): InvocationFailure {
  const code = error instanceof Error ? error.name : 'Error';
  const message = (error instanceof Error ? error.message : String(error)) || code;
  const bare = code.replace(/^AWS\.SimpleQueueService\./, '');
  return { code, message, retryable: !PERMANENT.has(bare), throttled: THROTTLED.has(bare) };
}
