/**
 * Contracts between the parts of the embedded local cloud. Each emulator (SQS via fauxqs,
 * DynamoDB via dynalite, our EventBridge, our Step Functions) is a real-protocol HTTP server on
 * loopback; these interfaces are how they reach the in-process Lambda runtime and the
 * measurement layer, never how a handler reaches them (handlers use the AWS SDK v3 only).
 */

import type { MetricDatum } from './cloudwatch/metric-store.ts';

/** A Lambda function error as AWS reports it: `errorType` is the error's literal `name`. */
export interface LambdaFunctionError {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

/** Thrown by {@link LambdaInvoker.invoke} when the handler throws or rejects. */
export class LambdaInvocationError extends Error {
  readonly errorType: string;
  readonly errorMessage: string;
  constructor(functionError: LambdaFunctionError) {
    super(`${functionError.errorType}: ${functionError.errorMessage}`);
    this.name = 'LambdaInvocationError';
    this.errorType = functionError.errorType;
    this.errorMessage = functionError.errorMessage;
  }
}

/**
 * Invokes a deployed function of the local cloud.
 * `functionRef` is a function ARN (`arn:aws:lambda:<region>:<account>:function:<name>`),
 * a bare function name, or a partial ARN; the runtime resolves all three.
 */
export interface LambdaInvoker {
  /**
   * RequestResponse invocation: resolves with the handler's result or throws LambdaInvocationError.
   * While the local cloud is at capacity the call waits for an environment (it is never refused).
   */
  invoke(functionRef: string, event: unknown, options?: InvokeOptions): Promise<unknown>;
  /**
   * Event (asynchronous) invocation, as EventBridge uses: queues the event and returns at once.
   * Function errors are retried per the function's async config (`maximumRetryAttempts`,
   * default 2, with backoff) and then sent to its on-failure destination (an SQS queue ARN).
   */
  invokeAsync(functionRef: string, event: unknown): Promise<void>;
}

export interface InvokeOptions {
  /**
   * Called when the handler starts running (after any wait for an environment and any Init): a
   * caller's own timeout (a Task's TimeoutSeconds) counts from here, never from the wait.
   */
  onStart?: () => void;
  /**
   * A client at the front door (the API) waits on the answer: the invocation is served before
   * queued pipeline work. On AWS the API's functions never wait behind the pipeline's backlog,
   * which SQS, Lambda's async queue and Step Functions hold; API Gateway gives them 30 s at most.
   */
  frontDoor?: boolean;
  /**
   * The invocation's request id (the handler's `context.awsRequestId`). Lambda keeps it across the
   * retries of one asynchronous invocation, so a retry can tell its own earlier attempt's traces
   * apart from a duplicate's. Default: a new one.
   */
  requestId?: string;
}

/** Hop types of the AWS latency model (../shared/DESIGN.md, per-hop delay table). */
export type HopType = 'sqs' | 'eventbridge' | 'sfn-standard' | 'sfn-express';

/**
 * Measurement hooks. `count` adds to a named counter (names in {@link CounterName});
 * `hopDelay` returns the ms a hop of that type should be delayed (0 unless the AWS latency
 * model is on) and the emulator awaits it before delivering. `payload` is what the hop carries
 * (SQS bodies, the event, the task input): the measurement finds the order ids in it, so each
 * order's injected delay is known and local and modelled latency can be told apart.
 */
export interface CloudInstruments {
  /** A `wait.` name counts a unit spent because an order waited for review (see WaitCounterName). */
  count(name: CounterName | WaitCounterName, n?: number): void;
  hopDelay(hop: HopType, payload?: unknown): number;
  /** One finished invocation and when its handler ran (epoch ms): where an order's time went. */
  invocation?(record: InvocationRecord): void;
  /** One retry, by the mechanism that runs it: the AWS model prices its wait at AWS's timing. */
  retry?(record: RetryRecord): void;
  /** One CloudWatch data point (AWS's namespace, name and dimensions): what `GetMetricData` serves. */
  metric?(datum: MetricDatum): void;
}

export interface InvocationRecord {
  functionName: string;
  event: unknown;
  startedAtMs: number;
  endedAtMs: number;
  /** The billable calls the handler made (its usage counters), with the time spent inside AWS SDK calls. */
  usage?: Partial<Record<CounterName, number>>;
  /** The first invocation of a fresh execution environment (it ran Init). */
  cold?: boolean;
  memoryMb?: number;
  ok?: boolean;
  /** Timings the handler measured itself (a durable function's checkpoint round trips): local figures. */
  timings?: TimingSample[];
}

/**
 * What a handler times from the inside: a durable function's `CheckpointDurableExecution` and
 * `GetDurableExecutionState` round trips, the step bodies it ran, and the replay of its log at the
 * start of a re-invocation (until the first step runs). Local measurements, never AWS figures.
 */
export type TimingName = 'durableCheckpointMs' | 'durableStateReadMs' | 'durableStepMs' | 'durableReplayMs';

export interface TimingSample {
  name: TimingName;
  ms: number;
  /** What was timed: the step(s) a checkpoint carried (`charge-payment:START`), the step that ran. */
  label?: string;
}

/**
 * Who retried a failed attempt: SQS redelivery after the visibility timeout the code set,
 * Lambda's async retry, a Step Functions Retry, an EventBridge (or EventBridge Scheduler) target retry. New variants add
 * theirs (in-code retries, durable steps); the AWS model says "not modelled" for one it does not know.
 */
export type RetryMechanism =
  | 'sqs-visibility'
  | 'lambda-async'
  | 'sfn-retry'
  | 'eventbridge-target'
  | 'scheduler-retry'
  | (string & {});

export interface RetryRecord {
  mechanism: RetryMechanism;
  /** What is retried (message body, event, state input): the order ids are found in it. */
  payload: unknown;
  /** The attempt that failed, 1-based: the wait before attempt + 1 is priced. */
  attempt: number;
  /** The Step Functions state or the function retried. */
  target?: string;
  /** A Step Functions retrier as the definition writes it. */
  retrier?: { IntervalSeconds?: number; BackoffRate?: number; MaxDelaySeconds?: number; JitterStrategy?: string };
}

export type CounterName =
  | 'lambdaInvocations'
  | 'lambdaGbSeconds'
  | 'sqsRequests'
  | 'eventsPut'
  | 'eventDeliveries'
  | 'stateTransitions'
  | 'sfnExpressRequests'
  | 'sfnExpressGbSeconds'
  | 'dynamoReadUnits'
  | 'dynamoWriteUnits'
  | 'retries'
  | 'durableOperations'
  | 'durableBytesWritten'
  | 'durableByteDaysRetained'
  /** DynamoDB calls made by handlers (any outcome): the journey's count for the AWS model. */
  | 'dynamoCalls'
  /** ms handlers spent waiting on AWS SDK calls: subtracted from their duration to get their own compute. */
  | 'awsCallMs'
  /** EventBridge Scheduler: schedules created, and target invocation attempts (what Scheduler bills). */
  | 'schedulesCreated'
  | 'schedulerInvocations';

/**
 * The same units counted again when they were spent for an order's manual review (parking it,
 * recording its decision or timeout, resuming it): `wait.dynamoWriteUnits` ... (see `duringWait`).
 */
export type WaitCounterName = `wait.${CounterName}`;

export const noInstruments: CloudInstruments = { count: () => {}, hopDelay: () => 0 };

/** Fixed identity of the local cloud: ARNs are built from these, never from a real account. */
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'us-east-1';
