import { randomBytes, randomUUID } from 'node:crypto';
import type { ErrorObject, Event, Execution, Operation, OperationUpdate } from '@aws-sdk/client-lambda';
import { noInstruments, type CloudInstruments, type LambdaInvoker } from '../types.ts';
import { LambdaApiError } from './errors.ts';

/** `durableConfig` of a function (osls: `executionTimeout`, `retentionPeriodInDays`). */
export interface DurableConfig {
  executionTimeoutSeconds: number;
  retentionPeriodInDays: number;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'STOPPED' | 'TIMED_OUT';

/** What the durable SDK's wrapped handler answers (`DurableExecutionInvocationOutput`). */
interface InvocationOutput {
  Status?: 'SUCCEEDED' | 'FAILED' | 'PENDING';
  Result?: string;
  Error?: ErrorObject;
}

interface DurableExecution {
  arn: string;
  name: string;
  id: string;
  functionName: string;
  functionArn: string;
  config: DurableConfig;
  input: string;
  status: ExecutionStatus;
  startedAt: Date;
  endedAt?: Date;
  result?: string;
  error?: ErrorObject;
  /** The checkpoint log, in the order operations were first written. */
  ops: Map<string, Operation>;
  events: Event[];
  /** The token of the running invocation ('' between invocations: nothing may checkpoint then). */
  token: string;
  invoking: boolean;
  /**
   * The request id of the invocation in flight, cleared when a stop or the execution timeout ends
   * the execution under it: that invocation is terminated, its checkpoints are refused and its
   * late completion adds nothing to the closed history.
   */
  invocation?: string;
  /** Something the service changed (a retry came due, a wait ended) while the function ran. */
  wake: boolean;
  /** Operations the service changed since the function last saw them. */
  changed: Set<string>;
  failedInvocations: number;
  /** Billable durable operations so far, and bytes of state written: reported to CloudWatch at the end. */
  operations: number;
  bytesWritten: number;
  timers: Set<NodeJS.Timeout>;
  /** Callbacks with a heartbeat timeout: how long each may stay silent, and its timer. */
  heartbeats: Map<string, { seconds: number; timer?: NodeJS.Timeout }>;
  /**
   * Contexts that hold a callback (a `waitForCallback`, and the child contexts around it): their
   * operations exist because the execution waited, and count as `wait.durableOperations` too.
   */
  waitContexts: Set<string>;
  /** Operations already counted as the wait's (so a context marked late counts each once). */
  waitCounted: Set<string>;
  settled: Promise<void>;
  settle: () => void;
}

export interface StartResult {
  execution: DurableExecution;
  /** False when the name was already taken with the same input: nothing new started. */
  started: boolean;
}

export interface DurableExecutionsOptions {
  invoker: LambdaInvoker;
  instruments?: CloudInstruments;
  region: string;
  account: string;
  /**
   * Delays before a failed invocation (a crash, a timeout, an error thrown past the SDK) is run
   * again; the last one repeats until the execution times out. AWS retries with backoff too.
   */
  invocationRetryDelaysMs?: number[];
}

const TERMINAL_OPERATION = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED', 'TIMED_OUT', 'STOPPED']);

/**
 * The durable-execution side of the local Lambda service: executions of functions deployed with
 * `durableConfig`, their checkpoint log and history, and the invocations that replay them. As on
 * AWS, the service invokes the function with the checkpoint log (`InitialExecutionState`); the
 * SDK replays completed operations from it and checkpoints new ones; when the function answers
 * PENDING (a retry scheduled, a wait, a callback), the service invokes it again once that is due.
 * Every invocation goes through the bounded Lambda runtime like any other.
 */
export class DurableExecutions {
  private readonly executions = new Map<string, DurableExecution>();
  private readonly byName = new Map<string, DurableExecution>();
  /** Every callback id issued, kept once it closed: a late completion is told it closed, not that it never existed. */
  private readonly callbacks = new Map<string, { arn: string; opId: string }>();
  private readonly instruments: CloudInstruments;
  private readonly retryDelays: number[];
  private stopped = false;

  constructor(private readonly options: DurableExecutionsOptions) {
    this.instruments = options.instruments ?? noInstruments;
    this.retryDelays = options.invocationRetryDelaysMs ?? [1000, 2000, 4000];
  }

  /** Starts an execution named `name` (or a fresh id), or returns the one already holding the name. */
  start(input: {
    functionName: string;
    qualifier: string;
    config: DurableConfig;
    name?: string;
    payload: string;
  }): StartResult {
    const { functionName, qualifier, config, payload } = input;
    if (input.name !== undefined && !/^[a-zA-Z0-9_-]{1,64}$/.test(input.name))
      throw new LambdaApiError(
        'InvalidParameterValueException',
        `1 validation error detected: Value '${input.name}' at 'durableExecutionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+ and have length at most 64`,
      );
    const key = `${functionName}/${input.name}`;
    const existing = input.name === undefined ? undefined : this.byName.get(key);
    if (existing) {
      if (existing.input === payload) return { execution: existing, started: false };
      throw new LambdaApiError(
        'DurableExecutionAlreadyStartedException',
        `Durable execution with name ${input.name} already exists with a different input payload.`,
      );
    }
    const id = randomUUID();
    const name = input.name ?? id;
    const functionArn = `arn:aws:lambda:${this.options.region}:${this.options.account}:function:${functionName}`;
    const arn = `${functionArn}:${qualifier}/durable-execution/${name}/${id}`;
    let settle = () => {};
    const settled = new Promise<void>((resolve) => {
      settle = resolve;
    });
    const now = new Date();
    const execution: DurableExecution = {
      arn,
      name,
      id,
      functionName,
      functionArn,
      config,
      input: payload,
      status: 'RUNNING',
      startedAt: now,
      ops: new Map(),
      events: [],
      token: '',
      invoking: false,
      wake: false,
      changed: new Set(),
      failedInvocations: 0,
      operations: 0,
      bytesWritten: 0,
      timers: new Set(),
      heartbeats: new Map(),
      waitContexts: new Set(),
      waitCounted: new Set(),
      settled,
      settle,
    };
    // The EXECUTION operation carries no name (the execution's name is on the execution).
    execution.ops.set(id, {
      Id: id,
      Type: 'EXECUTION',
      Status: 'STARTED',
      StartTimestamp: now,
      ExecutionDetails: { InputPayload: payload },
    });
    this.event(execution, 'ExecutionStarted', execution.ops.get(id) as Operation, {
      ExecutionStartedDetails: { Input: { Payload: payload }, ExecutionTimeout: config.executionTimeoutSeconds },
    });
    this.executions.set(arn, execution);
    this.byName.set(`${functionName}/${name}`, execution);
    this.metric(execution, 'DurableExecutionStarted', 1);
    this.operation(execution);
    this.written(execution, payload);
    this.later(execution, config.executionTimeoutSeconds * 1000, () =>
      this.close(execution, 'TIMED_OUT', {
        error: { ErrorType: 'States.Timeout', ErrorMessage: 'Execution timed out' },
      }),
    );
    this.invoke(execution);
    return { execution, started: true };
  }

  /** Resolves when the execution has ended (RequestResponse invocations wait here). */
  async outcome(arn: string): Promise<DurableExecution> {
    const execution = this.require(arn);
    await execution.settled;
    return execution;
  }

  /** True while any execution runs (quiescence of the local cloud). */
  running(): number {
    let n = 0;
    for (const execution of this.executions.values()) if (execution.status === 'RUNNING') n++;
    return n;
  }

  async idle(): Promise<void> {
    const open = [...this.executions.values()].filter((e) => e.status === 'RUNNING');
    await Promise.all(open.map((e) => e.settled));
  }

  stop(): void {
    this.stopped = true;
    for (const execution of this.executions.values()) {
      for (const timer of execution.timers) clearTimeout(timer);
      execution.timers.clear();
      execution.settle();
    }
  }

  // ---- the APIs the SDK calls from inside the function ----

  checkpoint(
    arn: string,
    token: string,
    updates: OperationUpdate[],
  ): { CheckpointToken: string; NewExecutionState: { Operations: Operation[] } } {
    const execution = this.withToken(arn, token);
    const touched = new Set<string>();
    for (const update of updates) {
      this.apply(execution, update);
      if (update.Id) touched.add(update.Id);
    }
    for (const id of execution.changed) touched.add(id);
    execution.changed.clear();
    execution.wake = false;
    execution.token = newToken();
    const operations = [...touched].map((id) => execution.ops.get(id)).filter((op): op is Operation => !!op);
    return { CheckpointToken: execution.token, NewExecutionState: { Operations: operations } };
  }

  state(
    arn: string,
    token: string,
    marker?: string,
    maxItems?: number,
  ): { Operations: Operation[]; NextMarker?: string } {
    const execution = this.withToken(arn, token);
    return page([...execution.ops.values()], marker, maxItems ?? 1000, 'Operations');
  }

  // ---- the operator's APIs ----

  describe(arn: string, includeData = true): Record<string, unknown> {
    const e = this.require(arn);
    return {
      ...summary(e),
      ...(includeData ? { InputPayload: e.input } : {}),
      ...(includeData && e.result !== undefined ? { Result: e.result } : {}),
      ...(e.error ? { Error: e.error } : {}),
      Version: '$LATEST',
      DurableConfig: {
        ExecutionTimeout: e.config.executionTimeoutSeconds,
        RetentionPeriodInDays: e.config.retentionPeriodInDays,
      },
    };
  }

  list(
    functionName: string,
    filter: {
      name?: string;
      statuses?: string[];
      startedAfter?: Date;
      startedBefore?: Date;
      reverseOrder?: boolean;
      marker?: string;
      maxItems?: number;
    },
  ): { DurableExecutions: Execution[]; NextMarker?: string } {
    let matching = [...this.executions.values()].filter(
      (e) =>
        e.functionName === functionName &&
        (filter.name === undefined || e.name === filter.name) &&
        (!filter.statuses?.length || filter.statuses.includes(e.status)) &&
        (!filter.startedAfter || e.startedAt > filter.startedAfter) &&
        (!filter.startedBefore || e.startedAt < filter.startedBefore),
    );
    // Newest first, as the console and the API list them; ReverseOrder gives the oldest first.
    matching = filter.reverseOrder ? matching : matching.reverse();
    return page(matching.map(summary), filter.marker, filter.maxItems ?? 1000, 'DurableExecutions');
  }

  history(
    arn: string,
    options: { includeData?: boolean; reverseOrder?: boolean; marker?: string; maxItems?: number },
  ): { Events: Event[]; NextMarker?: string } {
    const e = this.require(arn);
    let events = options.includeData ? e.events : e.events.map(withoutData);
    if (options.reverseOrder) events = [...events].reverse();
    return page(events, options.marker, options.maxItems ?? 1000, 'Events');
  }

  stopExecution(arn: string, error?: ErrorObject): { StopTimestamp: Date } {
    const e = this.require(arn);
    if (e.status !== 'RUNNING')
      throw new LambdaApiError('ResourceConflictException', `Durable execution ${arn} is not running (${e.status}).`);
    this.close(e, 'STOPPED', error ? { error } : {});
    return { StopTimestamp: e.endedAt as Date };
  }

  completeCallback(
    callbackId: string,
    outcome: { result: string } | { error: ErrorObject } | { heartbeat: true },
  ): void {
    const ref = this.callbacks.get(callbackId);
    const e = ref ? this.executions.get(ref.arn) : undefined;
    const op = ref && e?.ops.get(ref.opId);
    if (!ref || !e || !op)
      throw new LambdaApiError('InvalidParameterValueException', `Invalid callback id: ${callbackId}`);
    // A callback that was completed, timed out or whose execution ended: AWS's answer for all three.
    if (op.Status !== 'STARTED' || e.status !== 'RUNNING')
      throw new LambdaApiError(
        'CallbackTimeoutException',
        'The callback ID token has either expired or the callback associated with the token has already been closed.',
      );
    if ('heartbeat' in outcome) {
      this.armHeartbeat(e, op);
      return;
    }
    const now = new Date();
    if ('result' in outcome) {
      op.Status = 'SUCCEEDED';
      op.CallbackDetails = { ...op.CallbackDetails, Result: outcome.result };
      this.event(e, 'CallbackSucceeded', op, { CallbackSucceededDetails: { Result: { Payload: outcome.result } } });
      this.written(e, outcome.result);
    } else {
      op.Status = 'FAILED';
      op.CallbackDetails = { ...op.CallbackDetails, Error: outcome.error };
      this.event(e, 'CallbackFailed', op, { CallbackFailedDetails: { Error: { Payload: outcome.error } } });
    }
    op.EndTimestamp = now;
    this.serviceChanged(e, op);
  }

  // ---- the service's side ----

  private invoke(e: DurableExecution): void {
    if (this.stopped || e.status !== 'RUNNING') return;
    if (e.invoking) {
      e.wake = true;
      return;
    }
    e.invoking = true;
    e.wake = false;
    e.token = newToken();
    const updated = [...e.changed];
    e.changed.clear();
    const envelope = {
      DurableExecutionArn: e.arn,
      CheckpointToken: e.token,
      ...(updated.length ? { UpdatedOperationIds: updated } : {}),
      InitialExecutionState: { Operations: [...e.ops.values()].map(toWire) },
    };
    const startedAt = new Date();
    const requestId = randomUUID();
    e.invocation = requestId;
    this.options.invoker.invoke(e.functionName, envelope).then(
      (output) => this.invoked(e, startedAt, requestId, output as InvocationOutput),
      (error: unknown) => this.invoked(e, startedAt, requestId, undefined, error),
    );
  }

  private invoked(
    e: DurableExecution,
    startedAt: Date,
    requestId: string,
    output: InvocationOutput | undefined,
    error?: unknown,
  ): void {
    e.invoking = false;
    e.token = '';
    // Stopped (or timed out) while it ran: AWS terminates the invocation with the execution, whose
    // history ends with its terminal event; what the invocation does afterwards is not recorded.
    if (e.invocation !== requestId) return;
    e.invocation = undefined;
    const failure = error === undefined ? undefined : toErrorObject(error);
    this.event(e, 'InvocationCompleted', undefined, {
      InvocationCompletedDetails: {
        StartTimestamp: startedAt,
        EndTimestamp: new Date(),
        RequestId: requestId,
        ...(failure ? { Error: { Payload: failure } } : {}),
      },
    });
    if (e.status !== 'RUNNING' || this.stopped) return;
    if (failure) {
      // The invocation died (a crash, a timeout, an error past the SDK): the execution is not
      // lost; it is invoked again and replays its checkpoint log.
      e.failedInvocations++;
      this.instruments.count('retries');
      const delay = this.retryDelays[Math.min(e.failedInvocations - 1, this.retryDelays.length - 1)] ?? 1000;
      this.later(e, delay, () => this.invoke(e));
      return;
    }
    if (output?.Status === 'SUCCEEDED') {
      this.close(e, 'SUCCEEDED', output.Result === undefined ? {} : { result: output.Result });
    } else if (output?.Status === 'FAILED') {
      this.close(e, 'FAILED', { error: output.Error ?? { ErrorType: 'Error', ErrorMessage: 'unknown failure' } });
    } else if (output?.Status === 'PENDING') {
      if (e.wake) this.invoke(e);
    } else {
      this.close(e, 'FAILED', {
        error: {
          ErrorType: 'InvalidDurableExecutionOutput',
          ErrorMessage: 'The function did not answer as a durable function (is it wrapped with withDurableExecution?)',
        },
      });
    }
  }

  private close(e: DurableExecution, status: ExecutionStatus, outcome: { result?: string; error?: ErrorObject }): void {
    if (e.status !== 'RUNNING') return;
    e.status = status;
    if (status === 'STOPPED' || status === 'TIMED_OUT') {
      // An invocation in flight is terminated with the execution: its token no longer checkpoints.
      e.invocation = undefined;
      e.token = '';
    }
    e.endedAt = new Date();
    if (outcome.result !== undefined) e.result = outcome.result;
    if (outcome.error) e.error = outcome.error;
    for (const timer of e.timers) clearTimeout(timer);
    e.timers.clear();
    const op = e.ops.get(e.id) as Operation;
    op.Status = status === 'RUNNING' ? 'STARTED' : status;
    op.EndTimestamp = e.endedAt;
    const details: Record<string, Record<string, unknown>> = {
      SUCCEEDED: { ExecutionSucceededDetails: { Result: { Payload: e.result } } },
      FAILED: { ExecutionFailedDetails: { Error: { Payload: e.error } } },
      STOPPED: { ExecutionStoppedDetails: { Error: { Payload: e.error } } },
      TIMED_OUT: { ExecutionTimedOutDetails: { Error: { Payload: e.error } } },
    };
    const type = { SUCCEEDED: 'ExecutionSucceeded', FAILED: 'ExecutionFailed', STOPPED: 'ExecutionStopped' }[
      status as 'SUCCEEDED'
    ];
    this.event(e, (type ?? 'ExecutionTimedOut') as Event['EventType'], op, details[status] ?? {});
    // What Lambda reports to CloudWatch for a durable execution: its outcome, its duration, and
    // its cumulative operations and state written (the billed units), once it is over.
    const outcomeMetric = {
      SUCCEEDED: 'DurableExecutionSucceeded',
      FAILED: 'DurableExecutionFailed',
      STOPPED: 'DurableExecutionStopped',
      TIMED_OUT: 'DurableExecutionTimedOut',
    }[status as 'SUCCEEDED'];
    if (outcomeMetric) this.metric(e, outcomeMetric, 1);
    this.metric(e, 'DurableExecutionDuration', e.endedAt.getTime() - e.startedAt.getTime(), 'Milliseconds');
    this.metric(e, 'DurableExecutionOperations', e.operations);
    this.metric(e, 'DurableExecutionStorageWrittenBytes', e.bytesWritten, 'Bytes');
    e.settle();
  }

  /** One billable durable operation of the execution (started, checkpointed, or a step retry). */
  private operation(e: DurableExecution): void {
    e.operations++;
    this.instruments.count('durableOperations');
  }

  private metric(e: DurableExecution, metricName: string, value: number, unit?: string): void {
    this.instruments.metric?.({
      namespace: 'AWS/Lambda',
      metricName,
      dimensions: { FunctionName: e.functionName },
      value,
      ...(unit ? { unit } : {}),
    });
  }

  /** One checkpointed operation update, as the service applies it. */
  private apply(e: DurableExecution, u: OperationUpdate): void {
    if (!u.Id || !u.Type || !u.Action)
      throw new LambdaApiError('InvalidParameterValueException', 'Each update needs an Id, a Type and an Action.');
    const now = new Date();
    let op = e.ops.get(u.Id);
    if (u.Payload) this.written(e, u.Payload);
    if (u.Error) this.written(e, JSON.stringify(u.Error));
    if (u.Type === 'EXECUTION') {
      if (u.Action === 'SUCCEED') this.close(e, 'SUCCEEDED', { result: u.Payload ?? '' });
      else if (u.Action === 'FAIL') this.close(e, 'FAILED', { error: u.Error ?? {} });
      return;
    }
    if (u.Type === 'CHAINED_INVOKE')
      throw new LambdaApiError('InvalidParameterValueException', 'ChainedInvoke is not emulated by the local cloud.');
    if (!op) {
      if (u.Action !== 'START' && u.Type !== 'CONTEXT' && u.Type !== 'STEP')
        throw new LambdaApiError('InvalidParameterValueException', `Operation ${u.Id} was never started.`);
      op = {
        Id: u.Id,
        Type: u.Type,
        Status: 'STARTED',
        StartTimestamp: now,
        ...(u.ParentId ? { ParentId: u.ParentId } : {}),
        ...(u.Name ? { Name: u.Name } : {}),
        ...(u.SubType ? { SubType: u.SubType } : {}),
      };
      e.ops.set(u.Id, op);
      this.operation(e);
      if (u.Type === 'CALLBACK') this.markWait(e, op);
      else if (this.inWait(e, op.ParentId)) {
        e.waitCounted.add(u.Id);
        this.instruments.count('wait.durableOperations');
      }
    } else if (TERMINAL_OPERATION.has(op.Status ?? '')) {
      throw new LambdaApiError('InvalidParameterValueException', `Operation ${u.Id} has already completed.`);
    }
    const attempt = (op.StepDetails?.Attempt ?? 0) + 1;
    switch (`${u.Type}:${u.Action}`) {
      case 'STEP:START':
        op.Status = 'STARTED';
        op.StepDetails = { ...op.StepDetails };
        this.event(e, 'StepStarted', op, { StepStartedDetails: {} });
        break;
      case 'STEP:SUCCEED':
        Object.assign(op, { Status: 'SUCCEEDED', EndTimestamp: now });
        op.StepDetails = { ...op.StepDetails, Attempt: attempt, Result: u.Payload };
        this.event(e, 'StepSucceeded', op, {
          StepSucceededDetails: { Result: { Payload: u.Payload }, RetryDetails: { CurrentAttempt: attempt } },
        });
        break;
      case 'STEP:FAIL':
        Object.assign(op, { Status: 'FAILED', EndTimestamp: now });
        op.StepDetails = { ...op.StepDetails, Attempt: attempt, ...(u.Error ? { Error: u.Error } : {}) };
        this.event(e, 'StepFailed', op, {
          StepFailedDetails: { Error: { Payload: u.Error }, RetryDetails: { CurrentAttempt: attempt } },
        });
        break;
      case 'STEP:RETRY': {
        const delaySeconds = Math.max(0, u.StepOptions?.NextAttemptDelaySeconds ?? 1);
        op.Status = 'PENDING';
        op.StepDetails = {
          ...op.StepDetails,
          Attempt: attempt,
          NextAttemptTimestamp: new Date(now.getTime() + delaySeconds * 1000),
          ...(u.Error ? { Error: u.Error } : {}),
        };
        this.operation(e);
        if (this.inWait(e, op.ParentId)) this.instruments.count('wait.durableOperations');
        this.event(e, 'StepFailed', op, {
          StepFailedDetails: {
            Error: { Payload: u.Error },
            RetryDetails: { CurrentAttempt: attempt, NextAttemptDelaySeconds: delaySeconds },
          },
        });
        const retried = op;
        this.later(e, delaySeconds * 1000, () => {
          retried.Status = 'READY';
          this.serviceChanged(e, retried);
        });
        break;
      }
      case 'WAIT:START': {
        const seconds = Math.max(0, u.WaitOptions?.WaitSeconds ?? 0);
        const end = new Date(now.getTime() + seconds * 1000);
        op.WaitDetails = { ScheduledEndTimestamp: end };
        this.event(e, 'WaitStarted', op, { WaitStartedDetails: { Duration: seconds, ScheduledEndTimestamp: end } });
        const waited = op;
        this.later(e, seconds * 1000, () => {
          Object.assign(waited, { Status: 'SUCCEEDED', EndTimestamp: new Date() });
          this.event(e, 'WaitSucceeded', waited, { WaitSucceededDetails: { Duration: seconds } });
          this.serviceChanged(e, waited);
        });
        break;
      }
      case 'WAIT:CANCEL':
        Object.assign(op, { Status: 'CANCELLED', EndTimestamp: now });
        this.event(e, 'WaitCancelled', op, { WaitCancelledDetails: {} });
        break;
      case 'CALLBACK:START': {
        const callbackId = Buffer.from(randomBytes(24)).toString('base64url');
        this.callbacks.set(callbackId, { arn: e.arn, opId: u.Id });
        op.CallbackDetails = { CallbackId: callbackId };
        const timeout = u.CallbackOptions?.TimeoutSeconds;
        const heartbeat = u.CallbackOptions?.HeartbeatTimeoutSeconds;
        this.event(e, 'CallbackStarted', op, {
          CallbackStartedDetails: {
            CallbackId: callbackId,
            ...(timeout ? { Timeout: timeout } : {}),
            ...(heartbeat ? { HeartbeatTimeout: heartbeat } : {}),
          },
        });
        if (timeout) this.later(e, timeout * 1000, () => this.timeOutCallback(e, op as Operation, 'Callback.Timeout'));
        if (heartbeat) {
          e.heartbeats.set(u.Id, { seconds: heartbeat });
          this.armHeartbeat(e, op);
        }
        break;
      }
      case 'CALLBACK:CANCEL':
        Object.assign(op, { Status: 'CANCELLED', EndTimestamp: now });
        break;
      case 'CONTEXT:START':
        this.event(e, 'ContextStarted', op, { ContextStartedDetails: {} });
        break;
      case 'CONTEXT:SUCCEED':
        Object.assign(op, { Status: 'SUCCEEDED', EndTimestamp: now });
        op.ContextDetails = {
          ...op.ContextDetails,
          Result: u.Payload,
          ...(u.ContextOptions?.ReplayChildren !== undefined
            ? { ReplayChildren: u.ContextOptions.ReplayChildren }
            : {}),
        };
        this.event(e, 'ContextSucceeded', op, { ContextSucceededDetails: { Result: { Payload: u.Payload } } });
        break;
      case 'CONTEXT:FAIL':
        Object.assign(op, { Status: 'FAILED', EndTimestamp: now });
        op.ContextDetails = { ...op.ContextDetails, ...(u.Error ? { Error: u.Error } : {}) };
        this.event(e, 'ContextFailed', op, { ContextFailedDetails: { Error: { Payload: u.Error } } });
        break;
      default:
        throw new LambdaApiError('InvalidParameterValueException', `Action ${u.Action} is not valid for a ${u.Type}.`);
    }
  }

  /**
   * A callback started: it, the contexts around it (up to the execution) and what those contexts
   * already hold are the wait's; the operations among them already counted are counted as the
   * wait's now, once each.
   */
  private markWait(e: DurableExecution, callback: Operation): void {
    if (callback.Id) e.waitCounted.add(callback.Id);
    this.instruments.count('wait.durableOperations');
    for (let id = callback.ParentId; id; id = e.ops.get(id)?.ParentId) {
      if (e.waitContexts.has(id) || e.ops.get(id)?.Type !== 'CONTEXT') break;
      e.waitContexts.add(id);
    }
    for (const op of e.ops.values()) {
      if (!op.Id) continue;
      const belongs = e.waitContexts.has(op.Id) || this.inWait(e, op.ParentId);
      if (belongs && !e.waitCounted.has(op.Id)) {
        e.waitCounted.add(op.Id);
        this.instruments.count('wait.durableOperations');
      }
    }
  }

  /** True when an operation under this parent belongs to a context that holds a callback. */
  private inWait(e: DurableExecution, parentId: string | undefined): boolean {
    for (let id = parentId; id; id = e.ops.get(id)?.ParentId) if (e.waitContexts.has(id)) return true;
    return false;
  }

  private armHeartbeat(e: DurableExecution, op: Operation): void {
    const holder = e.heartbeats.get(op.Id ?? '');
    if (!holder) return;
    if (holder.timer) {
      clearTimeout(holder.timer);
      e.timers.delete(holder.timer);
    }
    holder.timer = this.later(e, holder.seconds * 1000, () => this.timeOutCallback(e, op, 'Callback.HeartbeatTimeout'));
  }

  private timeOutCallback(e: DurableExecution, op: Operation, errorType: string): void {
    if (op.Status !== 'STARTED') return;
    Object.assign(op, { Status: 'TIMED_OUT', EndTimestamp: new Date() });
    const error = { ErrorType: errorType, ErrorMessage: 'Callback timed out' };
    op.CallbackDetails = { ...op.CallbackDetails, Error: error };
    this.event(e, 'CallbackTimedOut', op, { CallbackTimedOutDetails: { Error: { Payload: error } } });
    this.serviceChanged(e, op);
  }

  /** The service moved an operation on (a retry came due, a wait ended): the function runs again. */
  private serviceChanged(e: DurableExecution, op: Operation): void {
    if (op.Id) e.changed.add(op.Id);
    this.invoke(e);
  }

  /** State written is billed once, and retained for the function's retention period. */
  private written(e: DurableExecution, data: string): void {
    const bytes = Buffer.byteLength(data);
    e.bytesWritten += bytes;
    this.instruments.count('durableBytesWritten', bytes);
    this.instruments.count('durableByteDaysRetained', bytes * e.config.retentionPeriodInDays);
  }

  private later(e: DurableExecution, ms: number, fn: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      e.timers.delete(timer);
      if (e.status === 'RUNNING' && !this.stopped) fn();
    }, ms);
    e.timers.add(timer);
    return timer;
  }

  private event(
    e: DurableExecution,
    type: Event['EventType'],
    op: Operation | undefined,
    details: Record<string, unknown>,
  ): void {
    e.events.push({
      EventType: type,
      EventId: e.events.length + 1,
      EventTimestamp: new Date(),
      ...(op?.Id ? { Id: op.Id } : {}),
      ...(op?.Name ? { Name: op.Name } : {}),
      ...(op?.SubType ? { SubType: op.SubType } : {}),
      ...(op?.ParentId ? { ParentId: op.ParentId } : {}),
      ...details,
    } as Event);
  }

  private require(arn: string): DurableExecution {
    const e = this.executions.get(arn);
    if (!e) throw new LambdaApiError('ResourceNotFoundException', `Durable execution not found: ${arn}`);
    return e;
  }

  private withToken(arn: string, token: string): DurableExecution {
    const e = this.require(arn);
    if (!e.invoking || !token || token !== e.token || e.status !== 'RUNNING')
      throw new LambdaApiError('InvalidParameterValueException', 'Invalid Checkpoint Token');
    return e;
  }
}

function newToken(): string {
  return randomBytes(18).toString('base64url');
}

function summary(e: DurableExecution): Execution {
  return {
    DurableExecutionArn: e.arn,
    DurableExecutionName: e.name,
    FunctionArn: e.functionArn,
    Status: e.status,
    StartTimestamp: e.startedAt,
    ...(e.endedAt ? { EndTimestamp: e.endedAt } : {}),
  };
}

/** An operation as the invocation event carries it: JSON, timestamps as ISO strings. */
function toWire(op: Operation): unknown {
  return JSON.parse(JSON.stringify(op));
}

function withoutData(event: Event): Event {
  return JSON.parse(
    JSON.stringify(event, (key, value) => (key === 'Payload' ? undefined : value)),
    (key, value) => (key.endsWith('Timestamp') && typeof value === 'string' ? new Date(value) : value),
  ) as Event;
}

function toErrorObject(error: unknown): ErrorObject {
  const e = error as { errorType?: string; errorMessage?: string; name?: string; message?: string };
  return { ErrorType: e.errorType ?? e.name ?? 'Error', ErrorMessage: e.errorMessage ?? e.message ?? String(error) };
}

function page<T, K extends string>(
  items: T[],
  marker: string | undefined,
  maxItems: number,
  key: K,
): Record<K, T[]> & { NextMarker?: string } {
  const start = marker ? Number(marker) : 0;
  if (!Number.isInteger(start) || start < 0)
    throw new LambdaApiError('InvalidParameterValueException', `Invalid marker: ${marker}`);
  const size = Math.max(1, Math.min(maxItems, 1000));
  const slice = items.slice(start, start + size);
  const next = start + size < items.length ? String(start + size) : undefined;
  return { [key]: slice, ...(next ? { NextMarker: next } : {}) } as Record<K, T[]> & { NextMarker?: string };
}
