/**
 * Asynchronous delivery of matched events to rule targets, with the target's retry policy and
 * dead-letter queue as AWS applies them, plus the duplicate/reorder chaos knob.
 */
import {
  GetQueueUrlCommand,
  SendMessageCommand,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { LambdaInvocationError, type CloudInstruments, type LambdaInvoker } from '#cloud/types';
import type { EventEnvelope } from './envelope.ts';
import { mulberry32 } from './prng.ts';
import type { Target } from './registry.ts';
import { selectInputPath, sqsQueueName, targetKind } from './targets.ts';

export interface DuplicateDelivery {
  enabled: boolean;
  reorder?: boolean;
  seed?: number;
}

export interface DeliveryDependencies {
  invoker: LambdaInvoker;
  sqs: SQSClient;
  instruments: CloudInstruments;
}

/** One matched (event, rule, target): the unit that is retried and dead-lettered. */
export interface DeliveryJob {
  event: EventEnvelope;
  /** When PutEvents accepted the event: MaximumEventAgeInSeconds counts from here. */
  receivedAt: number;
  ruleArn: string;
  target: Target;
}

/** AWS defaults for a target without a RetryPolicy: 185 retries within 24 hours. */
const DEFAULT_MAX_RETRIES = 185;
const DEFAULT_MAX_EVENT_AGE_SECONDS = 86_400;
/**
 * AWS backs off over minutes; locally the first retry comes after ~100 ms and the delay doubles
 * up to 3 s, so a run with failures still finishes while keeping the shape of the curve.
 */
const BACKOFF_BASE_MS = 100;
const BACKOFF_CAP_MS = 3_000;
/** With reorder on: the second copy lags by up to this many ms, some first copies by half of it. */
const REORDER_MAX_DELAY_MS = 20;
const FIRST_COPY_DELAY_CHANCE = 0.3;
const DEFAULT_SEED = 0x5eed;

/** AWS sends these failures to the DLQ at once: retrying a target that does not exist cannot help. */
const NOT_FOUND_ERRORS = new Set([
  'ResourceNotFoundException',
  'QueueDoesNotExist',
  'AWS.SimpleQueueService.NonExistentQueue',
]);

type ExhaustedCondition = 'MaximumRetryAttempts' | 'MaximumEventAgeInSeconds';

interface DeliveryFailure {
  code: string;
  message: string;
  retryable: boolean;
}

class DeliveryCancelled extends Error {
  constructor() {
    super('delivery cancelled: the local EventBridge stopped');
    this.name = 'DeliveryCancelled';
  }
}

interface PendingTimer {
  timer: NodeJS.Timeout;
  reject: (reason: Error) => void;
}

export class Dispatcher {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly timers = new Set<PendingTimer>();
  private readonly queueUrls = new Map<string, Promise<string>>();
  private duplicates: DuplicateDelivery = { enabled: false };
  private random: () => number = mulberry32(DEFAULT_SEED);
  private stopped = false;

  constructor(
    private readonly deps: DeliveryDependencies,
    duplicates?: DuplicateDelivery,
  ) {
    this.setDuplicateDelivery(duplicates);
  }

  /** Also reseeds the PRNG, so a test that sets a seed gets the same order every run. */
  setDuplicateDelivery(duplicates: DuplicateDelivery = { enabled: false }): void {
    this.duplicates = { ...duplicates };
    this.random = mulberry32(duplicates.seed ?? DEFAULT_SEED);
  }

  /** Starts the delivery (twice with the duplicate knob on) and returns at once. */
  dispatch(job: DeliveryJob): void {
    const copies = this.duplicates.enabled ? 2 : 1;
    this.duplicated += copies - 1;
    for (let copy = 0; copy < copies; copy++) this.track(this.deliverCopy(job, this.reorderDelay(copy)));
  }

  /** Extra copies delivered by the duplicate knob (failure drills count what their fault did). */
  duplicated = 0;

  /** Deliveries waiting, retrying or in flight. */
  get pending(): number {
    return this.inFlight.size;
  }

  /** Resolves once no delivery is waiting, retrying or in flight. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  /** Cancels pending retries and delays; deliveries already handed over finish on their own. */
  stop(): void {
    this.stopped = true;
    for (const pending of this.timers) {
      clearTimeout(pending.timer);
      pending.reject(new DeliveryCancelled());
    }
    this.timers.clear();
  }

  private track(delivery: Promise<void>): void {
    const tracked: Promise<void> = delivery
      .catch((error: unknown) => {
        if (!(error instanceof DeliveryCancelled)) console.error('[eventbridge] delivery crashed', error);
      })
      .finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  private reorderDelay(copy: number): number {
    if (!this.duplicates.enabled || !this.duplicates.reorder) return 0;
    if (copy > 0) return 1 + Math.floor(this.random() * REORDER_MAX_DELAY_MS);
    return this.random() < FIRST_COPY_DELAY_CHANCE ? Math.floor(this.random() * (REORDER_MAX_DELAY_MS / 2)) : 0;
  }

  private async deliverCopy(job: DeliveryJob, delayMs: number): Promise<void> {
    // Always wait for a timer, even of 0 ms, so delivery starts after PutEvents has answered.
    await this.sleep(delayMs);
    await this.deliverWithRetries(job);
  }

  private async deliverWithRetries(job: DeliveryJob): Promise<void> {
    for (let retries = 0; ; retries++) {
      await this.sleep(this.deps.instruments.hopDelay('eventbridge', job.event));
      this.deps.instruments.count('eventDeliveries');
      try {
        await this.send(job);
        this.reportInvocation(job, false);
        return;
      } catch (error) {
        const failure = describeFailure(error);
        const exhausted = failure.retryable ? exhaustedCondition(job, retries) : undefined;
        if (!failure.retryable || exhausted) {
          this.reportInvocation(job, true);
          return this.deadLetter(job, failure, retries, exhausted);
        }
        this.deps.instruments.count('retries');
        this.deps.instruments.retry?.({ mechanism: 'eventbridge-target', payload: job.event, attempt: retries + 1 });
        await this.sleep(this.backoff(retries + 1));
      }
    }
  }

  /** What EventBridge reports per rule once a delivery is over (retries are not invocations). */
  private reportInvocation(job: DeliveryJob, failed: boolean): void {
    const metric = this.deps.instruments.metric;
    if (!metric) return;
    // arn:aws:events:<region>:<account>:rule/<bus>/<name> (custom bus) or rule/<name> (default).
    const path = job.ruleArn.split(':rule/')[1]?.split('/') ?? [];
    const dimensions: Record<string, string> =
      path.length > 1 ? { EventBusName: path[0] ?? '', RuleName: path[1] ?? '' } : { RuleName: path[0] ?? '' };
    metric({ namespace: 'AWS/Events', metricName: 'Invocations', dimensions, value: 1 });
    if (failed) metric({ namespace: 'AWS/Events', metricName: 'FailedInvocations', dimensions, value: 1 });
  }

  /**
   * For a Lambda target EventBridge only retries failures to hand the event to Lambda (throttling,
   * service errors): an asynchronous invocation succeeds once Lambda has queued the event. Function
   * errors are retried by Lambda's own async invocation config (retry attempts, on-failure
   * destination), which `invokeAsync` implements, so they never come back here.
   */
  private async send(job: DeliveryJob): Promise<void> {
    const payload = selectInputPath(job.event, job.target.InputPath);
    const kind = targetKind(job.target.Arn);
    if (kind?.kind === 'lambda') return this.deps.invoker.invokeAsync(job.target.Arn, payload);
    if (kind?.kind === 'sqs') return this.sendToQueue(kind.queueName, JSON.stringify(payload));
    throw new Error(`unsupported target ${job.target.Arn}`);
  }

  /** Exponential backoff with equal jitter: half the step fixed, half random. */
  private backoff(retry: number): number {
    const step = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (retry - 1));
    return step / 2 + (this.random() * step) / 2;
  }

  /**
   * The DLQ message is the original event with the attributes AWS documents; without a DLQ AWS
   * drops the event, which we say on stderr rather than lose it silently.
   */
  private async deadLetter(
    job: DeliveryJob,
    failure: DeliveryFailure,
    retries: number,
    exhausted: ExhaustedCondition | undefined,
  ): Promise<void> {
    if (this.stopped) throw new DeliveryCancelled();
    const queueName = job.target.DeadLetterConfig && sqsQueueName(job.target.DeadLetterConfig.Arn);
    const summary = `event ${job.event.id} for ${job.target.Arn} (${failure.code}: ${failure.message})`;
    if (!queueName) return console.warn(`[eventbridge] dropped ${summary}: no dead-letter queue`);
    const attributes: Record<string, string> = {
      RULE_ARN: job.ruleArn,
      TARGET_ARN: job.target.Arn,
      ERROR_CODE: failure.code,
      ERROR_MESSAGE: failure.message,
      RETRY_ATTEMPTS: String(retries),
      ...(exhausted ? { EXHAUSTED_RETRY_CONDITION: exhausted } : {}),
    };
    try {
      await this.sendToQueue(queueName, JSON.stringify(job.event), attributes);
    } catch (error) {
      console.warn(`[eventbridge] dropped ${summary}: dead-letter queue ${queueName} failed`, error);
    }
  }

  private async sendToQueue(queueName: string, body: string, attributes: Record<string, string> = {}): Promise<void> {
    const MessageAttributes = Object.fromEntries(
      Object.entries(attributes).map(([name, value]): [string, MessageAttributeValue] => [
        name,
        { DataType: 'String', StringValue: value },
      ]),
    );
    const QueueUrl = await this.queueUrl(queueName);
    await this.deps.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body, MessageAttributes }));
  }

  /** Cached per queue; a failed lookup is forgotten so that the next attempt asks again. */
  private queueUrl(queueName: string): Promise<string> {
    let url = this.queueUrls.get(queueName);
    if (!url) {
      url = this.lookUpQueueUrl(queueName);
      url.catch(() => this.queueUrls.delete(queueName));
      this.queueUrls.set(queueName, url);
    }
    return url;
  }

  private async lookUpQueueUrl(queueName: string): Promise<string> {
    const { QueueUrl } = await this.deps.sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
    if (!QueueUrl) throw new Error(`no URL for queue ${queueName}`);
    return QueueUrl;
  }

  /** A cancellable timer: stop() rejects it, which ends the delivery quietly. */
  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.reject(new DeliveryCancelled());
    // No delay: the next turn of the event loop (after PutEvents has answered), not a timer,
    // which costs a millisecond or more per hop.
    if (ms <= 0) return new Promise((resolve) => setImmediate(resolve));
    return new Promise((resolve, reject) => {
      const pending: PendingTimer = {
        timer: setTimeout(() => {
          this.timers.delete(pending);
          resolve();
        }, ms),
        reject,
      };
      this.timers.add(pending);
    });
  }
}

function exhaustedCondition(job: DeliveryJob, retries: number): ExhaustedCondition | undefined {
  const policy = job.target.RetryPolicy;
  if (retries >= (policy?.MaximumRetryAttempts ?? DEFAULT_MAX_RETRIES)) return 'MaximumRetryAttempts';
  const maxAgeMs = (policy?.MaximumEventAgeInSeconds ?? DEFAULT_MAX_EVENT_AGE_SECONDS) * 1000;
  return Date.now() - job.receivedAt >= maxAgeMs ? 'MaximumEventAgeInSeconds' : undefined;
}

/** The Lambda runtime reports a failed hand-off as a LambdaInvocationError carrying the AWS code. */
function describeFailure(error: unknown): DeliveryFailure {
  const name = error instanceof LambdaInvocationError ? error.errorType : error instanceof Error ? error.name : 'Error';
  const message = (error instanceof Error ? error.message : String(error)) || name;
  return NOT_FOUND_ERRORS.has(name)
    ? { code: 'RESOURCE_NOT_FOUND', message, retryable: false }
    : { code: 'SDK_CLIENT_ERROR', message, retryable: true };
}
