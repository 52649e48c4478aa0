/**
 * Task states of one execution: each call goes to the local cloud's Lambda runtime through the
 * injected LambdaInvoker, and is recorded in the history the way AWS records it (TaskScheduled /
 * TaskStarted / TaskSucceeded | TaskFailed for `lambda:invoke`, LambdaFunction* for a function ARN).
 */
import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import type { HistoryEventType } from '@aws-sdk/client-sfn';
import { StateMachine, type RunOptions } from 'aws-local-stepfunctions';
import type { CloudInstruments, HopType, LambdaFunctionError, LambdaInvoker } from '#cloud/types';
import type { TaskResource } from './definition.ts';
import { payload, type ExecutionHistory, type HistoryEventDetails } from './history.ts';

export type TaskHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
export type JsonValue = Parameters<TaskHandlers[string]>[0];

export interface TaskContext {
  history: ExecutionHistory;
  invoker: LambdaInvoker;
  instruments: CloudInstruments;
  /** Latency-model hop awaited before each call (sfn-standard or sfn-express). */
  hop: HopType;
  region: string;
}

type Recorded = [HistoryEventType, HistoryEventDetails];

/** One Lambda call of a Task state and the history events AWS writes for it. */
interface TaskCall {
  functionRef: string;
  event: unknown;
  /** The Task's result: the function's return value, or for `lambda:invoke` its response. */
  result(returned: unknown): JsonValue;
  scheduled: Recorded;
  started: Recorded;
  succeeded(output: JsonValue): Recorded;
  failed(error: string, cause: string): Recorded;
  timedOut: Recorded;
}

interface Attempt {
  call: TaskCall;
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

export class TaskRunner {
  private readonly inFlight = new Map<string, Attempt[]>();
  /** Calls per Task state in this execution: the retry count AWS exposes as `$$.State.RetryCount`. */
  private readonly calls = new Map<string, number>();

  constructor(
    private readonly tasks: ReadonlyMap<string, TaskResource>,
    private readonly context: TaskContext,
    /** TimeoutSeconds per Task state, counted from when its function starts running. */
    private readonly timeouts: ReadonlyMap<string, number> = new Map(),
  ) {}

  /** Overrides for every Task state, so the interpreter never calls AWS itself. */
  handlers(): TaskHandlers {
    return Object.fromEntries(
      [...this.tasks].map(([stateName, resource]) => [
        stateName,
        (input: JsonValue) => this.run(stateName, resource, input),
      ]),
    );
  }

  /** The interpreter timed a Task out: record it as AWS does, oldest call of that state first. */
  recordTimeout(stateName: string): void {
    const attempt = this.inFlight.get(stateName)?.find((candidate) => !candidate.abandoned);
    if (!attempt) return;
    this.context.history.add(...attempt.call.timedOut);
    attempt.abandoned = true;
  }

  private async run(stateName: string, resource: TaskResource, input: JsonValue): Promise<JsonValue> {
    // The interpreter calls us in the same tick in which it logs StateEntered / StateRetried, and
    // its event log is read asynchronously; one macrotask lets those reach the history first.
    await nextTurn();
    const retryCount = this.calls.get(stateName) ?? 0;
    this.calls.set(stateName, retryCount + 1);
    const attempt: Attempt = {
      call: describeCall(resource, withStateContext(input, stateName, retryCount), this.context.region),
      abandoned: false,
    };
    const attempts = this.inFlight.get(stateName) ?? [];
    this.inFlight.set(stateName, [...attempts, attempt]);
    try {
      return await this.invoke(attempt, this.timeouts.get(stateName));
    } finally {
      const remaining = (this.inFlight.get(stateName) ?? []).filter((other) => other !== attempt);
      if (remaining.length > 0) this.inFlight.set(stateName, remaining);
      else this.inFlight.delete(stateName);
    }
  }

  private async invoke(attempt: Attempt, timeoutSeconds: number | undefined): Promise<JsonValue> {
    const { call } = attempt;
    const { history, invoker, instruments, hop } = this.context;
    history.add(...call.scheduled);
    const delayMs = instruments.hopDelay(hop, call.event);
    if (delayMs > 0) await sleep(delayMs);
    history.add(...call.started);
    let timer: NodeJS.Timeout | undefined;
    let invocation: Promise<unknown> = Promise.resolve();
    // States.Timeout once the function has run TimeoutSeconds; a wait for an environment is not
    // the task's time. The late outcome of a timed-out call is dropped, as AWS drops it.
    const timedOut = new Promise<never>((_resolve, reject) => {
      const onStart = () => {
        if (timeoutSeconds === undefined) return;
        timer = setTimeout(() => {
          history.add(...call.timedOut);
          attempt.abandoned = true;
          reject(new StatesTimeout());
        }, timeoutSeconds * 1000);
      };
      invocation = invoker.invoke(call.functionRef, call.event, { onStart });
    });
    let result: JsonValue;
    try {
      result = call.result(await Promise.race([invocation, timedOut]));
    } catch (thrown) {
      if (thrown instanceof StatesTimeout) throw thrown;
      const failure = toTaskError(thrown);
      if (!attempt.abandoned) history.add(...call.failed(failure.name, failure.message));
      throw failure;
    } finally {
      clearTimeout(timer);
    }
    if (!attempt.abandoned) history.add(...call.succeeded(result));
    return result;
  }
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

function describeCall(resource: TaskResource, input: JsonValue, region: string): TaskCall {
  return resource.kind === 'lambda-function'
    ? directLambdaCall(resource.functionArn, input)
    : lambdaInvokeCall(input, region);
}

/** `Resource: arn:aws:lambda:...:function:name`: the state input is the event, the return the result. */
function directLambdaCall(functionArn: string, input: JsonValue): TaskCall {
  const sent = payload(input);
  return {
    functionRef: functionArn,
    event: input,
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
    timedOut: ['LambdaFunctionTimedOut', { lambdaFunctionTimedOutEventDetails: { error: 'States.Timeout' } }],
  };
}

/** `Resource: arn:aws:states:::lambda:invoke`: Parameters name the function and its Payload. */
function lambdaInvokeCall(input: JsonValue, region: string): TaskCall {
  const parameters = (input ?? {}) as { FunctionName?: unknown; Payload?: unknown };
  if (typeof parameters.FunctionName !== 'string') {
    // AWS rejects this as a runtime error, which neither Retry nor Catch can handle.
    throw new TaskError('States.Runtime', 'lambda:invoke needs Parameters.FunctionName (a string)', false);
  }
  const task = { resourceType: 'lambda', resource: 'invoke' };
  return {
    functionRef: parameters.FunctionName,
    event: parameters.Payload ?? {},
    result: (returned) => ({
      ExecutedVersion: '$LATEST',
      Payload: (returned ?? null) as JsonValue,
      SdkHttpMetadata: { HttpStatusCode: 200 },
      SdkResponseMetadata: { RequestId: randomUUID() },
      StatusCode: 200,
    }),
    scheduled: ['TaskScheduled', { taskScheduledEventDetails: { ...task, region, parameters: JSON.stringify(input) } }],
    started: ['TaskStarted', { taskStartedEventDetails: task }],
    succeeded: (output) => {
      const sentBack = payload(output);
      return [
        'TaskSucceeded',
        { taskSucceededEventDetails: { ...task, output: sentBack.text, outputDetails: sentBack.details } },
      ];
    },
    failed: (error, cause) => ['TaskFailed', { taskFailedEventDetails: { ...task, error, cause } }],
    timedOut: ['TaskTimedOut', { taskTimedOutEventDetails: { ...task, error: 'States.Timeout' } }],
  };
}

/**
 * A function error fails the Task with the error's own name (so `ErrorEquals:
 * ["TransientDependencyError"]` matches) and AWS's JSON cause. Anything else means the runtime
 * could not run the function; AWS reports those as `Lambda.<ServiceException>`.
 */
function toTaskError(thrown: unknown): TaskError {
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
