/**
 * Task states of one execution: each call goes to the local cloud's Lambda runtime through the
 * injected LambdaInvoker (or to its SQS / EventBridge for those integrations), and is recorded in
 * the history the way AWS records it (TaskScheduled / TaskStarted / [TaskSubmitted] /
 * TaskSucceeded | TaskFailed for integrations, LambdaFunction* for a function ARN). A
 * `.waitForTaskToken` task then waits for SendTaskSuccess / SendTaskFailure with its token.
 */
import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import type { HistoryEventType } from '@aws-sdk/client-sfn';
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SendMessageCommand, type SendMessageCommandInput, type SQSClient } from '@aws-sdk/client-sqs';
import { StateMachine, type RunOptions } from 'aws-local-stepfunctions';
import type { CloudInstruments, HopType, LambdaFunctionError, LambdaInvoker } from '#cloud/types';
import { TASK_TOKEN_PLACEHOLDER, type TaskResource } from './definition.ts';
import { payload, type ExecutionHistory, type HistoryEventDetails } from './history.ts';
import type { TaskTiming } from './query-layer.ts';
import type { TaskTokens, TokenOutcome } from './task-tokens.ts';

export type TaskHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
export type JsonValue = Parameters<TaskHandlers[string]>[0];

export interface TaskContext {
  history: ExecutionHistory;
  invoker: LambdaInvoker;
  instruments: CloudInstruments;
  /** Latency-model hop awaited before each call (sfn-standard or sfn-express). */
  hop: HopType;
  region: string;
  executionArn: string;
  tokens: TaskTokens;
  /** Clients of the local cloud's SQS and EventBridge, for those integrations. */
  integrations: TaskIntegrations;
}

export interface TaskIntegrations {
  sqs?: SQSClient;
  eventBridge?: EventBridgeClient;
}

type Recorded = [HistoryEventType, HistoryEventDetails];

/** One call of a Task state and the history events AWS writes for it. */
interface TaskCall {
  /** What is sent (the latency model reads the order id from it). */
  event: unknown;
  /** Makes the call; `onStart` when the work starts (a function starts running, a request is sent). */
  execute(onStart: () => void): Promise<unknown>;
  /** The Task's result: the function's return value, or for an integration its API response. */
  result(returned: unknown): JsonValue;
  scheduled: Recorded;
  started: Recorded;
  /** `.waitForTaskToken`: the call returned, and the task now waits for its token. */
  submitted?(response: JsonValue): Recorded;
  succeeded(output: JsonValue): Recorded;
  failed(error: string, cause: string): Recorded;
  timedOut(error: string): Recorded;
}

interface Attempt {
  call: TaskCall;
  /** `.waitForTaskToken` tasks: the token this attempt sent. */
  token?: string;
  /** Set when the interpreter gave up on the call (TimeoutSeconds): its late outcome is not history. */
  abandoned: boolean;
}

/**
 * The error a Task state fails with. The interpreter matches Retry / Catch `ErrorEquals` against
 * `name`, puts `message` in the Catch output's `Cause`, and reads `isRetryable` / `isCatchable`.
 */
export class TaskError extends Error {
  readonly isRetryable: boolean;
  readonly isCatchable: boolean;
  constructor(error: string, cause: string, recoverable = true) {
    super(cause);
    this.name = error;
    this.isRetryable = recoverable;
    this.isCatchable = recoverable;
  }
}

/**
 * The interpreter's own `States.Timeout` error class, which it does not export: its Retry and
 * Catch tell a timeout from other errors by class (`States.TaskFailed` never catches a timeout),
 * so a timeout the task runner raises must be one. Taken once from a Task that times out at once.
 */
const StatesTimeout: new () => Error = await (async () => {
  const probe = new StateMachine(
    {
      StartAt: 'T',
      States: { T: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', TimeoutSeconds: 0.001, End: true } },
    } as never,
    {
      validationOptions: { noValidate: true },
    },
  );
  const run = probe.run({}, { overrides: { taskResourceLocalHandlers: { T: () => new Promise(() => {}) } } });
  const error = await run.result.then(
    () => undefined,
    (e: unknown) => (e as Error).cause ?? e,
  );
  if (!(error instanceof Error) || error.name !== 'States.Timeout')
    throw new Error('aws-local-stepfunctions no longer raises States.Timeout as expected');
  return error.constructor as new () => Error;
})();

/**
 * What a task still running when its execution ends is settled with. The interpreter races each
 * Task against a timer of its own (our TimeoutSeconds stand-in, ~24.8 days) that it clears only
 * when the task settles; a task left pending after StopExecution kept that timer, and so the
 * process, alive. Neither retried nor caught: the execution is over.
 */
const executionEnded = () => new TaskError('States.Runtime', 'The execution ended while this task was running', false);

export class TaskRunner {
  private readonly inFlight = new Map<string, Attempt[]>();
  /** Calls per Task state in this execution: the retry count AWS exposes as `$$.State.RetryCount`. */
  private readonly calls = new Map<string, number>();
  /** Aborted by close(): every task still waiting (for its call, its token, its hop) gives up. */
  private readonly closing = new AbortController();

  constructor(
    private readonly tasks: ReadonlyMap<string, TaskResource>,
    private readonly context: TaskContext,
    /** TimeoutSeconds per Task state, counted from when its function starts running. */
    private readonly timeouts: ReadonlyMap<string, number> = new Map(),
    /** HeartbeatSeconds per Task state (`.waitForTaskToken` ones). */
    private readonly heartbeats: ReadonlyMap<string, number> = new Map(),
  ) {}

  /**
   * The execution ended (or was stopped): tokens still out are refused from now on
   * (TaskDoesNotExist), and every task still in flight settles at once, releasing its timers. A
   * Lambda function still running goes on in its environment, as on AWS; its result is dropped.
   */
  close(): void {
    for (const attempts of this.inFlight.values()) {
      for (const attempt of attempts) {
        attempt.abandoned = true;
        if (attempt.token) this.context.tokens.end(attempt.token, 'closed');
      }
    }
    this.closing.abort();
  }

  /** Overrides for every Task state, so the interpreter never calls AWS itself. */
  handlers(): TaskHandlers {
    return Object.fromEntries(
      [...this.tasks].map(([stateName, resource]) => [
        stateName,
        (input: JsonValue, timing?: TaskTiming) => this.run(stateName, resource, input, timing),
      ]),
    );
  }

  /** The interpreter timed a Task out: record it as AWS does, oldest call of that state first. */
  recordTimeout(stateName: string): void {
    const attempt = this.inFlight.get(stateName)?.find((candidate) => !candidate.abandoned);
    if (!attempt) return;
    this.context.history.add(...attempt.call.timedOut('States.Timeout'));
    attempt.abandoned = true;
    if (attempt.token) this.context.tokens.end(attempt.token, 'timed-out');
  }

  private async run(
    stateName: string,
    resource: TaskResource,
    input: JsonValue,
    timing?: TaskTiming,
  ): Promise<JsonValue> {
    // The interpreter calls us in the same tick in which it logs StateEntered / StateRetried, and
    // its event log is read asynchronously; one macrotask lets those reach the history first.
    await nextTurn();
    if (this.closing.signal.aborted) throw executionEnded();
    const retryCount = this.calls.get(stateName) ?? 0;
    this.calls.set(stateName, retryCount + 1);
    const waits = resource.kind !== 'lambda-function' && resource.waitForTaskToken;
    const token = waits ? this.context.tokens.issue(this.context.executionArn, stateName) : undefined;
    const prepared = withStateContext(token ? withToken(input, token) : input, stateName, retryCount);
    const attempt: Attempt = {
      call: describeCall(resource, prepared, this.context),
      abandoned: false,
      ...(token ? { token } : {}),
    };
    const attempts = this.inFlight.get(stateName) ?? [];
    this.inFlight.set(stateName, [...attempts, attempt]);
    try {
      // JSONata timeouts come evaluated for this entry (query layer); literal ones are known by name.
      const timeoutSeconds = timing?.timeoutSeconds ?? this.timeouts.get(stateName);
      const heartbeatSeconds = timing?.heartbeatSeconds ?? this.heartbeats.get(stateName);
      return token
        ? await this.waitForToken(attempt, token, timeoutSeconds, heartbeatSeconds)
        : await this.invoke(attempt, timeoutSeconds);
    } finally {
      const remaining = (this.inFlight.get(stateName) ?? []).filter((other) => other !== attempt);
      if (remaining.length > 0) this.inFlight.set(stateName, remaining);
      else this.inFlight.delete(stateName);
    }
  }

  private async invoke(attempt: Attempt, timeoutSeconds: number | undefined): Promise<JsonValue> {
    const { call } = attempt;
    const { history } = this.context;
    history.add(...call.scheduled);
    await this.hop(call);
    history.add(...call.started);
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    let invocation: Promise<unknown> = Promise.resolve();
    // States.Timeout once the function has run TimeoutSeconds; a wait for an environment is not
    // the task's time. The late outcome of a timed-out call is dropped, as AWS drops it.
    const timedOut = new Promise<never>((_resolve, reject) => {
      const onStart = () => {
        // A function that gets its environment after the execution ended arms no timer.
        if (timeoutSeconds === undefined || settled) return;
        timer = setTimeout(() => {
          history.add(...call.timedOut('States.Timeout'));
          attempt.abandoned = true;
          reject(new StatesTimeout());
        }, timeoutSeconds * 1000);
      };
      invocation = call.execute(onStart);
    });
    const closed = this.closed();
    let result: JsonValue;
    try {
      result = call.result(await Promise.race([invocation, timedOut, closed.promise]));
    } catch (thrown) {
      if (thrown instanceof StatesTimeout || this.closing.signal.aborted) throw thrown;
      const failure = toTaskError(thrown);
      if (!attempt.abandoned) history.add(...call.failed(failure.name, failure.message));
      throw failure;
    } finally {
      settled = true;
      clearTimeout(timer);
      closed.release();
    }
    if (!attempt.abandoned) history.add(...call.succeeded(result));
    return result;
  }

  /** The latency model's hop before a call; cut short when the execution ends meanwhile. */
  private async hop(call: TaskCall): Promise<void> {
    const delayMs = this.context.instruments.hopDelay(this.context.hop, call.event);
    if (delayMs > 0) await sleep(delayMs, undefined, { signal: this.closing.signal }).catch(() => undefined);
    if (this.closing.signal.aborted) throw executionEnded();
  }

  /** A promise that rejects when close() is called; release() drops its listener once the task settled. */
  private closed(): { promise: Promise<never>; release(): void } {
    const { signal } = this.closing;
    let onClose = () => {};
    const promise = new Promise<never>((_resolve, reject) => {
      onClose = () => reject(executionEnded());
      if (signal.aborted) onClose();
      else signal.addEventListener('abort', onClose, { once: true });
    });
    // Only ever raced: a rejection nobody awaits any more must not surface as unhandled.
    promise.catch(() => undefined);
    return { promise, release: () => signal.removeEventListener('abort', onClose) };
  }

  /**
   * `.waitForTaskToken`: makes the call (its failure fails the task), records TaskSubmitted, then
   * waits for the token. TimeoutSeconds counts from the start; HeartbeatSeconds from the start
   * and again from each SendTaskHeartbeat.
   */
  private async waitForToken(
    attempt: Attempt,
    token: string,
    timeoutSeconds: number | undefined,
    heartbeatSeconds: number | undefined,
  ): Promise<JsonValue> {
    const { call } = attempt;
    const { history, tokens } = this.context;
    history.add(...call.scheduled);
    await this.hop(call);
    history.add(...call.started);
    const timers: { timeout?: NodeJS.Timeout; heartbeat?: NodeJS.Timeout } = {};
    const closed = this.closed();
    const outcome = new Promise<TokenOutcome | { timedOut: string }>((resolve, reject) => {
      // The execution ended (StopExecution, the local cloud stopping): no token will come now.
      closed.promise.catch(reject);
      const timeOut = (error: string) => {
        tokens.end(token, 'timed-out');
        resolve({ timedOut: error });
      };
      const armHeartbeat = () => {
        clearTimeout(timers.heartbeat);
        if (heartbeatSeconds !== undefined)
          timers.heartbeat = setTimeout(() => timeOut('States.HeartbeatTimeout'), heartbeatSeconds * 1000);
      };
      // Registered before the call, so a consumer that answers at once finds its task.
      tokens.wait(token, { settle: resolve, heartbeat: armHeartbeat });
      if (timeoutSeconds !== undefined)
        timers.timeout = setTimeout(() => timeOut('States.Timeout'), timeoutSeconds * 1000);
      armHeartbeat();
    });
    // Awaited only once the call is made: an execution ending before that must not leave it unhandled.
    outcome.catch(() => undefined);
    try {
      let response: JsonValue;
      try {
        response = call.result(await Promise.race([call.execute(() => {}), closed.promise]));
      } catch (thrown) {
        tokens.end(token, 'closed');
        if (this.closing.signal.aborted) throw thrown;
        const failure = toTaskError(thrown);
        history.add(...call.failed(failure.name, failure.message));
        throw failure;
      }
      if (call.submitted) history.add(...call.submitted(response));
      const settled = await outcome;
      if ('timedOut' in settled) {
        history.add(...call.timedOut(settled.timedOut));
        attempt.abandoned = true;
        if (settled.timedOut === 'States.Timeout') throw new StatesTimeout();
        throw new TaskError(settled.timedOut, 'The task did not send a heartbeat in time (HeartbeatSeconds)');
      }
      if (!settled.ok) {
        history.add(...call.failed(settled.error, settled.cause));
        throw new TaskError(settled.error, settled.cause);
      }
      const output = (settled.output ?? null) as JsonValue;
      history.add(...call.succeeded(output));
      return output;
    } finally {
      clearTimeout(timers.timeout);
      clearTimeout(timers.heartbeat);
      closed.release();
    }
  }
}

/** Puts the token where the definition had `$$.Task.Token` (see TASK_TOKEN_PLACEHOLDER). */
function withToken(value: JsonValue, token: string): JsonValue {
  // An intrinsic function (States.Format) or a JSONata expression may have built it into a string.
  if (typeof value === 'string') return value.replaceAll(TASK_TOKEN_PLACEHOLDER, token);
  if (Array.isArray(value)) return value.map((item) => withToken(item, token));
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, withToken(inner, token)]));
}

/**
 * aws-local-stepfunctions builds the context object once per execution, with no `State`. Where a
 * Task passes the context object (`"context.$": "$$"`), fill in `State` as AWS does, so a task
 * can read its attempt from `State.RetryCount` locally too.
 */
function withStateContext(input: JsonValue, stateName: string, retryCount: number): JsonValue {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return input;
  const out: Record<string, JsonValue> = { ...input };
  for (const [key, value] of Object.entries(input)) {
    if (value && typeof value === 'object' && !Array.isArray(value) && 'Execution' in value && !('State' in value)) {
      out[key] = {
        ...value,
        State: { Name: stateName, EnteredTime: new Date().toISOString(), RetryCount: retryCount },
      };
    }
  }
  return out;
}

function describeCall(resource: TaskResource, input: JsonValue, context: TaskContext): TaskCall {
  switch (resource.kind) {
    case 'lambda-function':
      return directLambdaCall(resource.functionArn, input, context.invoker);
    case 'lambda-invoke':
      return lambdaInvokeCall(input, context, resource.waitForTaskToken);
    case 'sqs-send-message':
      return sqsSendMessageCall(input, context, resource.waitForTaskToken);
    case 'events-put-events':
      return eventsPutEventsCall(input, context, resource.waitForTaskToken);
  }
}

/** `Resource: arn:aws:lambda:...:function:name`: the state input is the event, the return the result. */
function directLambdaCall(functionArn: string, input: JsonValue, invoker: LambdaInvoker): TaskCall {
  const sent = payload(input);
  return {
    event: input,
    execute: (onStart) => invoker.invoke(functionArn, input, { onStart }),
    result: (returned) => (returned ?? null) as JsonValue,
    scheduled: [
      'LambdaFunctionScheduled',
      { lambdaFunctionScheduledEventDetails: { resource: functionArn, input: sent.text, inputDetails: sent.details } },
    ],
    started: ['LambdaFunctionStarted', {}],
    succeeded: (output) => {
      const sentBack = payload(output);
      return [
        'LambdaFunctionSucceeded',
        { lambdaFunctionSucceededEventDetails: { output: sentBack.text, outputDetails: sentBack.details } },
      ];
    },
    failed: (error, cause) => ['LambdaFunctionFailed', { lambdaFunctionFailedEventDetails: { error, cause } }],
    timedOut: (error) => ['LambdaFunctionTimedOut', { lambdaFunctionTimedOutEventDetails: { error } }],
  };
}

/** `Resource: arn:aws:states:::lambda:invoke`: Parameters name the function and its Payload. */
function lambdaInvokeCall(input: JsonValue, context: TaskContext, waits: boolean): TaskCall {
  const parameters = (input ?? {}) as { FunctionName?: unknown; Payload?: unknown };
  if (typeof parameters.FunctionName !== 'string') {
    // AWS rejects this as a runtime error, which neither Retry nor Catch can handle.
    throw new TaskError('States.Runtime', 'lambda:invoke needs Parameters.FunctionName (a string)', false);
  }
  const functionName = parameters.FunctionName;
  const task = { resourceType: 'lambda', resource: waits ? 'invoke.waitForTaskToken' : 'invoke' };
  return {
    ...integrationEvents(task, input, context.region, waits),
    event: parameters.Payload ?? {},
    execute: (onStart) => context.invoker.invoke(functionName, parameters.Payload ?? {}, { onStart }),
    result: (returned) => ({
      ExecutedVersion: '$LATEST',
      Payload: (returned ?? null) as JsonValue,
      SdkHttpMetadata: { HttpStatusCode: 200 },
      SdkResponseMetadata: { RequestId: randomUUID() },
      StatusCode: 200,
    }),
  };
}

/** `arn:aws:states:::sqs:sendMessage`: Parameters are SendMessage's (a non-string body is sent as JSON). */
function sqsSendMessageCall(input: JsonValue, context: TaskContext, waits: boolean): TaskCall {
  const { sqs } = context.integrations;
  const parameters = (input ?? {}) as Record<string, unknown>;
  if (!sqs) throw new TaskError('States.Runtime', 'sqs:sendMessage: no local SQS is wired to the local Step Functions');
  const { MessageBody, ...rest } = parameters;
  const body = typeof MessageBody === 'string' ? MessageBody : JSON.stringify(MessageBody ?? null);
  const task = { resourceType: 'sqs', resource: waits ? 'sendMessage.waitForTaskToken' : 'sendMessage' };
  return {
    ...integrationEvents(task, input, context.region, waits),
    event: body,
    execute: async (onStart) => {
      onStart();
      return apiResponse(
        await sqs.send(
          new SendMessageCommand({ ...(rest as Omit<SendMessageCommandInput, 'MessageBody'>), MessageBody: body }),
        ),
      );
    },
    result: (returned) => (returned ?? null) as JsonValue,
  };
}

/** `arn:aws:states:::events:putEvents`: Parameters are PutEvents' (a non-string Detail is sent as JSON). */
function eventsPutEventsCall(input: JsonValue, context: TaskContext, waits: boolean): TaskCall {
  const { eventBridge } = context.integrations;
  const parameters = (input ?? {}) as { Entries?: Record<string, unknown>[] };
  if (!eventBridge)
    throw new TaskError(
      'States.Runtime',
      'events:putEvents: no local EventBridge is wired to the local Step Functions',
    );
  const entries = (parameters.Entries ?? []).map(({ Detail, ...entry }) => ({
    ...entry,
    ...(Detail === undefined ? {} : { Detail: typeof Detail === 'string' ? Detail : JSON.stringify(Detail) }),
  }));
  const task = { resourceType: 'events', resource: waits ? 'putEvents.waitForTaskToken' : 'putEvents' };
  return {
    ...integrationEvents(task, input, context.region, waits),
    event: entries,
    execute: async (onStart) => {
      onStart();
      const response = await eventBridge.send(new PutEventsCommand({ Entries: entries as never }));
      // AWS fails the task when an entry was not put, rather than passing the failure on.
      if ((response.FailedEntryCount ?? 0) > 0)
        throw new TaskError('EventBridge.FailedEntry', JSON.stringify(apiResponse(response)));
      return apiResponse(response);
    },
    result: (returned) => (returned ?? null) as JsonValue,
  };
}

/** The SDK's output without its `$metadata`: what a service integration returns to the state. */
function apiResponse(output: { $metadata?: unknown }): JsonValue {
  const { $metadata: _metadata, ...rest } = output;
  return JSON.parse(JSON.stringify(rest)) as JsonValue;
}

/** History events of a service integration (`Task*`), named by its resource type and resource. */
function integrationEvents(
  task: { resourceType: string; resource: string },
  input: JsonValue,
  region: string,
  waits: boolean,
): Pick<TaskCall, 'scheduled' | 'started' | 'submitted' | 'succeeded' | 'failed' | 'timedOut'> {
  return {
    scheduled: ['TaskScheduled', { taskScheduledEventDetails: { ...task, region, parameters: JSON.stringify(input) } }],
    started: ['TaskStarted', { taskStartedEventDetails: task }],
    ...(waits
      ? {
          submitted: (response: JsonValue): Recorded => {
            const sent = payload(response);
            return [
              'TaskSubmitted',
              { taskSubmittedEventDetails: { ...task, output: sent.text, outputDetails: sent.details } },
            ];
          },
        }
      : {}),
    succeeded: (output) => {
      const sentBack = payload(output);
      return [
        'TaskSucceeded',
        { taskSucceededEventDetails: { ...task, output: sentBack.text, outputDetails: sentBack.details } },
      ];
    },
    failed: (error, cause) => ['TaskFailed', { taskFailedEventDetails: { ...task, error, cause } }],
    timedOut: (error) => ['TaskTimedOut', { taskTimedOutEventDetails: { ...task, error } }],
  };
}

/**
 * A function error fails the Task with the error's own name (so `ErrorEquals:
 * ["TransientDependencyError"]` matches) and AWS's JSON cause. Anything else means the runtime
 * could not run the function; AWS reports those as `Lambda.<ServiceException>`.
 */
function toTaskError(thrown: unknown): TaskError {
  if (thrown instanceof TaskError) return thrown;
  if (isLambdaFunctionError(thrown)) {
    const { errorType, errorMessage } = thrown;
    return new TaskError(errorType, JSON.stringify({ errorType, errorMessage }));
  }
  const error = thrown instanceof Error ? thrown : new Error(String(thrown));
  const exception = error.name.endsWith('Exception') ? error.name : 'ServiceException';
  return new TaskError(`Lambda.${exception}`, error.message);
}

/** Duck-typed rather than `instanceof LambdaInvocationError`, which two copies of types.ts would break. */
function isLambdaFunctionError(thrown: unknown): thrown is LambdaFunctionError {
  const candidate = thrown as Partial<LambdaFunctionError> | null;
  return typeof candidate?.errorType === 'string' && typeof candidate.errorMessage === 'string';
}
