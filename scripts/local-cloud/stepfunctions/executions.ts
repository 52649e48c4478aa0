/**
 * Executions run in the background on the interpreter; each keeps its status and AWS-shaped
 * history. Express executions are kept too (so idle() and debugging see them) although the API
 * hides them, as AWS sends them to CloudWatch Logs instead.
 *
 * A redrive (RedriveExecution) runs the execution again from the top-level state it failed in:
 * the interpreter cannot resume, so the execution remembers each top-level state it entered and
 * did not exit, with that state's input, and a resumed machine (definition.ts resumeMachine)
 * enters that state with that input. The history goes on after ExecutionFailed with
 * ExecutionRedriven, then the failed state's events again (without a second *StateEntered, as AWS).
 */
import { randomUUID } from 'node:crypto';
import type { ExecutionStatus } from '@aws-sdk/client-sfn';
import { ExecutionAbortedError, ExecutionTimeoutError } from 'aws-local-stepfunctions';
import type { CloudInstruments, LambdaInvoker } from '#cloud/types';
import { RESUME_STATE, resumeMachine, topLevelStates } from './definition.ts';
import { SfnApiError } from './errors.ts';
import { ExecutionHistory, payload, toHistoryEvent, type InterpreterEvent } from './history.ts';
import { assertValidName, type StateMachineRecord } from './machines.ts';
import type { ExecutionContext } from './query-layer.ts';
import type { TaskTokens } from './task-tokens.ts';
import { TaskRunner, type JsonValue, type TaskHandlers, type TaskIntegrations } from './tasks.ts';

export interface ExecutionsOptions {
  region: string;
  account: string;
  invoker: LambdaInvoker;
  instruments: CloudInstruments;
  tokens: TaskTokens;
  integrations: TaskIntegrations;
}

/** Where a redrive resumes: a top-level state that was entered and not exited, and its input. */
interface OpenState {
  name: string;
  input: JsonValue;
}

/** Why StopExecution stopped it, as the caller gave it. */
interface AbortReason {
  error?: string;
  cause?: string;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Express bills duration rounded up to 100 ms at 64 MB, the smallest memory chunk. */
const EXPRESS_BILLING_MS = 100;
const EXPRESS_BILLED_GB = 64 / 1024;

export class Execution {
  status: ExecutionStatus = 'RUNNING';
  readonly startDate = new Date();
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
  readonly history = new ExecutionHistory();
  /** Settles once the execution (or its latest redrive) has ended and its history is complete. */
  done: Promise<void>;
  redriveCount = 0;
  redriveDate?: Date;
  private abortReason: AbortReason = {};
  private abortRun: () => void = () => {};
  /** The top-level state running when the execution ended, if any: where a redrive resumes. */
  private openState?: OpenState;

  constructor(
    readonly arn: string,
    readonly name: string,
    /** The machine as it was at start: a later update does not change a running execution. */
    readonly machine: StateMachineRecord,
    readonly input: string,
    private readonly options: ExecutionsOptions,
  ) {
    this.done = this.run();
  }

  /** Aborts a running execution and resolves when it is ABORTED; no-op once it has ended. */
  stop(reason: AbortReason): Promise<void> {
    if (this.status === 'RUNNING') {
      this.abortReason = reason;
      this.abortRun();
    }
    return this.done;
  }

  /** Why RedriveExecution would refuse this execution now, or undefined when it can be redriven. */
  get notRedrivableReason(): string | undefined {
    if (this.machine.type !== 'STANDARD') return 'Execution is EXPRESS and cannot be redriven.';
    if (this.status === 'RUNNING' || this.status === 'SUCCEEDED') {
      return `Execution is ${this.status} and cannot be redriven.`;
    }
    return undefined;
  }

  /**
   * RedriveExecution: runs again from the state that failed (or was running when the execution
   * timed out or was aborted), with the input that state had. Returns the redrive date.
   */
  redrive(): Date {
    const reason = this.notRedrivableReason;
    if (reason) throw new SfnApiError('ExecutionNotRedrivable', `${reason} Execution: '${this.arn}'`);
    this.redriveCount += 1;
    this.redriveDate = new Date();
    this.status = 'RUNNING';
    this.stopDate = undefined;
    this.output = undefined;
    this.error = undefined;
    this.cause = undefined;
    this.abortReason = {};
    this.history.reopen();
    this.history.add('ExecutionRedriven', { executionRedrivenEventDetails: { redriveCount: this.redriveCount } });
    this.done = this.run(this.openState);
    return this.redriveDate;
  }

  private async run(resumeAt?: OpenState): Promise<void> {
    const { machine, options } = this;
    const input = JSON.parse(this.input) as JsonValue;
    if (!resumeAt) {
      const inputJson = payload(input);
      this.history.add('ExecutionStarted', {
        executionStartedEventDetails: {
          input: inputJson.text,
          inputDetails: inputJson.details,
          roleArn: machine.roleArn,
        },
      });
    }
    this.openState = undefined;
    const tasks = new TaskRunner(
      machine.compiled.tasks,
      {
        history: this.history,
        invoker: options.invoker,
        instruments: options.instruments,
        hop: machine.type === 'STANDARD' ? 'sfn-standard' : 'sfn-express',
        region: options.region,
        executionArn: this.arn,
        tokens: options.tokens,
        integrations: options.integrations,
      },
      machine.compiled.timeouts,
      machine.compiled.heartbeats,
    );
    // A redrive of an execution that ended between states (none open) just ends it again.
    const runnable = resumeAt
      ? resumeMachine(machine.compiled, resumeAt.name, resumeAt.input)
      : machine.compiled.machine;
    // JSONata / variables: the query layer wraps the data and the task handlers (query-layer.ts).
    const layer = machine.compiled.queryLayer;
    const running = runnable.run(layer ? (layer.wrapInput(input) as never) : input, {
      overrides: {
        taskResourceLocalHandlers: layer
          ? (layer.handlers(tasks.handlers(), this.layerContext(input)) as TaskHandlers)
          : tasks.handlers(),
      },
      context: this.contextObject(),
    });
    this.abortRun = running.abort;
    const logged = this.follow(running.eventLogs, tasks, resumeAt?.name);
    const outcome = await running.result.then(
      (value): Outcome => ({ ok: true, value: layer ? layer.unwrapOutput(value) : value }),
      (error: unknown): Outcome => ({ ok: false, error }),
    );
    // The interpreter closes its log on every ending, so this drains the last state events.
    await logged;
    tasks.close();
    this.finish(outcome);
  }

  /** `$$` as AWS fills it; the interpreter adds Execution.Input and Execution.StartTime. */
  private contextObject(): Record<string, unknown> {
    return {
      Execution: {
        Id: this.arn,
        Name: this.name,
        RoleArn: this.machine.roleArn,
        RedriveCount: this.redriveCount,
        ...(this.redriveDate ? { RedriveTime: this.redriveDate.toISOString() } : {}),
      },
      StateMachine: { Id: this.machine.arn, Name: this.machine.name },
    };
  }

  /** `$states.context` of the query layer: the context object with the execution's input and start. */
  private layerContext(input: JsonValue): ExecutionContext {
    const { Execution, StateMachine } = this.contextObject() as unknown as ExecutionContext;
    return {
      Execution: { ...Execution, Input: input, StartTime: this.startDate.toISOString() },
      StateMachine,
    };
  }

  private async follow(
    events: AsyncGenerator<InterpreterEvent>,
    tasks: TaskRunner,
    resumedState: string | undefined,
  ): Promise<void> {
    const { instruments } = this.options;
    const layer = this.machine.compiled.queryLayer;
    const topLevel = topLevelStates(this.machine.compiled);
    let resuming = resumedState;
    for await (const raw of events) {
      if ('state' in raw && raw.state.name === RESUME_STATE) continue;
      // Tracked on the interpreter's own events: with the query layer, a redrive resumes the
      // lowered machine at its lowered state, with the envelope (and so the variables) it had.
      if (raw.type === 'StateEntered' && topLevel.has(raw.state.name)) {
        this.openState = { name: raw.state.name, input: (raw.state.input ?? null) as JsonValue };
      }
      if (raw.type === 'StateExited' && this.openState?.name === raw.state.name) this.openState = undefined;
      // The redriven state goes on where it stopped: AWS writes no second *StateEntered for it.
      const redriven = raw.type === 'StateEntered' && raw.state.name === resuming;
      if (redriven) resuming = undefined;
      // The layer's own states are not in the history, nor billed: AWS has no such states.
      const event = layer ? layer.present(raw) : raw;
      if (!event) continue;
      // Standard bills each state entered and each retry (a redrive counts as one transition).
      const billed = event.type === 'StateEntered' || event.type === 'StateRetried';
      if (billed && this.machine.type === 'STANDARD') {
        instruments.count('stateTransitions');
        // A state only a wait for a token leads to exists because the execution waited: its
        // transitions are the wait's cost too (the report's waiting cost per waiting order).
        if (this.machine.compiled.callbackStates.has(event.state.name)) instruments.count('wait.stateTransitions');
      }
      if (event.type === 'StateRetried') {
        instruments.count('retries');
        instruments.retry?.({
          mechanism: 'sfn-retry',
          payload: event.state.input,
          attempt: event.retry.attempt,
          target: event.state.name,
          retrier: event.retry.retrier,
        });
      }
      if (event.type === 'StateFailed' && event.state.type === 'Task' && event.Error === 'States.Timeout') {
        tasks.recordTimeout(event.state.name);
      }
      const mapped = redriven ? undefined : toHistoryEvent(event);
      if (mapped) this.history.add(...mapped);
    }
  }

  private finish(outcome: Outcome): void {
    if (outcome.ok) {
      const output = payload(outcome.value);
      this.output = output.text;
      this.end('SUCCEEDED', () =>
        this.history.close('ExecutionSucceeded', {
          executionSucceededEventDetails: { output: output.text, outputDetails: output.details },
        }),
      );
    } else if (outcome.error instanceof ExecutionAbortedError) {
      this.error = this.abortReason.error;
      this.cause = this.abortReason.cause;
      this.end('ABORTED', () =>
        this.history.close('ExecutionAborted', { executionAbortedEventDetails: this.abortReason }),
      );
    } else if (outcome.error instanceof ExecutionTimeoutError) {
      this.error = 'States.Timeout';
      this.end('TIMED_OUT', () =>
        this.history.close('ExecutionTimedOut', { executionTimedOutEventDetails: { error: this.error } }),
      );
    } else {
      // The interpreter wraps the state's error (ours: TaskError) in an ExecutionError's cause.
      const failure = ((outcome.error as Error).cause ?? outcome.error) as Error;
      this.error = failure.name;
      this.cause = failure.message;
      this.end('FAILED', () =>
        this.history.close('ExecutionFailed', {
          executionFailedEventDetails: { error: this.error, cause: this.cause },
        }),
      );
    }
  }

  private end(status: ExecutionStatus, recordTerminalEvent: () => void): void {
    recordTerminalEvent();
    this.stopDate = new Date();
    this.status = status;
    const metric = this.options.instruments.metric;
    if (metric) {
      // What Step Functions reports per state machine once an execution ends.
      const dimensions = { StateMachineArn: this.machine.arn };
      const name = { SUCCEEDED: 'ExecutionsSucceeded', FAILED: 'ExecutionsFailed', ABORTED: 'ExecutionsAborted' }[
        status as 'SUCCEEDED' | 'FAILED' | 'ABORTED'
      ];
      metric({ namespace: 'AWS/States', metricName: name ?? 'ExecutionsTimedOut', dimensions, value: 1 });
      metric({
        namespace: 'AWS/States',
        metricName: 'ExecutionTime',
        dimensions,
        value: this.stopDate.getTime() - this.startDate.getTime(),
        unit: 'Milliseconds',
      });
    }
    if (this.machine.type === 'EXPRESS') {
      const billedMs =
        Math.ceil((this.stopDate.getTime() - this.startDate.getTime()) / EXPRESS_BILLING_MS) * EXPRESS_BILLING_MS;
      this.options.instruments.count('sfnExpressGbSeconds', (billedMs / 1000) * EXPRESS_BILLED_GB);
    }
  }
}

export class Executions {
  private readonly byArn = new Map<string, Execution>();
  private readonly running = new Set<Execution>();
  /** Runs that are not executions (TestState): stopAll aborts them too. */
  private readonly adopted = new Set<{ abort(): void; settled: Promise<unknown> }>();

  /** Also what TestState runs a state with. */
  constructor(readonly options: ExecutionsOptions) {}

  /**
   * StartExecution as AWS: on a STANDARD machine the same name with the same input while that
   * execution runs returns it (idempotent start); a closed one or another input is a conflict.
   */
  start(machine: StateMachineRecord, name: string | undefined, input: string | undefined): Execution {
    const executionName = name ?? randomUUID();
    assertValidName(executionName);
    const executionInput = input ?? '{}';
    assertJson(executionInput);
    const arn = this.executionArn(machine, executionName);
    const existing = this.byArn.get(arn);
    if (existing?.status === 'RUNNING' && existing.input === executionInput) return existing;
    if (existing) throw new SfnApiError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
    if (machine.type === 'EXPRESS') this.options.instruments.count('sfnExpressRequests');
    this.options.instruments.metric?.({
      namespace: 'AWS/States',
      metricName: 'ExecutionsStarted',
      dimensions: { StateMachineArn: machine.arn },
      value: 1,
    });
    const execution = new Execution(arn, executionName, machine, executionInput, this.options);
    this.byArn.set(arn, execution);
    this.track(execution);
    return execution;
  }

  /** RedriveExecution: resumes a failed, timed-out or aborted Standard execution. */
  redrive(execution: Execution): Date {
    const redriveDate = execution.redrive();
    this.track(execution);
    return redriveDate;
  }

  private track(execution: Execution): void {
    this.running.add(execution);
    const release = () => void this.running.delete(execution);
    execution.done.then(release, release);
  }

  get(arn: string): Execution | undefined {
    return this.byArn.get(arn);
  }

  /** Newest first, as ListExecutions orders them. */
  list(stateMachineArn: string): Execution[] {
    return [...this.byArn.values()].filter((execution) => execution.machine.arn === stateMachineArn).reverse();
  }

  get runningCount(): number {
    return this.running.size;
  }

  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running].map((execution) => execution.done));
  }

  /**
   * A run of the interpreter that is no execution (TestState), aborted by stopAll like one: a
   * stopped emulator must not leave its task (and the interpreter's timer for it) behind.
   */
  adopt(run: { abort(): void; settled: Promise<unknown> }): void {
    this.adopted.add(run);
    const release = () => void this.adopted.delete(run);
    run.settled.then(release, release);
  }

  async stopAll(reason: AbortReason): Promise<void> {
    const adopted = [...this.adopted];
    for (const run of adopted) run.abort();
    await Promise.allSettled([
      ...[...this.running].map((execution) => execution.stop(reason)),
      ...adopted.map((run) => run.settled),
    ]);
  }

  /** Express ARNs carry a uuid, since Express execution names need not be unique. */
  private executionArn(machine: StateMachineRecord, name: string): string {
    const { region, account } = this.options;
    return machine.type === 'STANDARD'
      ? `arn:aws:states:${region}:${account}:execution:${machine.name}:${name}`
      : `arn:aws:states:${region}:${account}:express:${machine.name}:${name}:${randomUUID()}`;
  }
}

function assertJson(input: string): void {
  try {
    JSON.parse(input);
  } catch {
    throw new SfnApiError('InvalidExecutionInput', `Invalid State Machine Execution Input: '${input}'`);
  }
}
