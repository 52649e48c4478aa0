/**
 * TestState: runs one state on its own, as the console's "Test state" does, and answers with its
 * output or error, the state it would go to next, and (inspection level DEBUG or TRACE) the data
 * after each input/output processing step. The state runs on the interpreter like any other, in a
 * machine of its own whose transition targets are Succeed stand-ins: the one entered is `nextState`.
 * Retry is not run (AWS answers RETRIABLE when a retrier matches); a matching Catch answers
 * CAUGHT_ERROR with the catcher's `Next`.
 */
import { randomUUID } from 'node:crypto';
import type { InspectionData, TestStateInput, TestStateOutput } from '@aws-sdk/client-sfn';
import { ExecutionAbortedError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { compileDefinition } from './definition.ts';
import { SfnApiError } from './errors.ts';
import type { Executions } from './executions.ts';
import { ExecutionHistory, type InterpreterEvent } from './history.ts';
import type { QueryLayer } from './query-layer.ts';
import { TaskRunner, type JsonValue } from './tasks.ts';

interface StateUnderTest {
  Type: string;
  Next?: string;
  Default?: string;
  Choices?: { Next?: string }[];
  Catch?: { Next?: string }[];
  Retry?: { ErrorEquals?: string[] }[];
  InputPath?: string | null;
  Parameters?: unknown;
  Result?: unknown;
  ResultSelector?: unknown;
  ResultPath?: string | null;
  End?: boolean;
}

const STATE_NAME = 'TestState';
const LEVELS = new Set(['INFO', 'DEBUG', 'TRACE']);

export async function testState(input: TestStateInput, executions: Executions): Promise<TestStateOutput> {
  const level = input.inspectionLevel ?? 'INFO';
  if (!LEVELS.has(level)) throw validationError(`Value '${level}' at 'inspectionLevel' failed to satisfy constraint`);
  const { name, state, language } = stateOf(input);
  const stateInput = parseInput(input.input);
  const targets = transitionTargets(state);
  const { Retry: retriers, ...withoutRetry } = state;
  const definition = {
    ...(language ? { QueryLanguage: language } : {}),
    StartAt: name,
    States: {
      [name]: withoutRetry,
      ...Object.fromEntries(targets.filter((target) => target !== name).map((target) => [target, { Type: 'Succeed' }])),
    },
  };
  const compiled = compileDefinition(JSON.stringify(definition), { retryIntervalScale: 1 });
  const executionArn = `arn:aws:states:${executions.options.region}:${executions.options.account}:execution:TestState:${randomUUID()}`;
  const { options } = executions;
  const calls: { parameters?: JsonValue; result?: JsonValue } = {};
  const tasks = new TaskRunner(
    compiled.tasks,
    {
      history: new ExecutionHistory(),
      invoker: options.invoker,
      instruments: options.instruments,
      hop: 'sfn-standard',
      region: options.region,
      executionArn,
      tokens: options.tokens,
      integrations: options.integrations,
    },
    compiled.timeouts,
    compiled.heartbeats,
  );
  const handlers = Object.fromEntries(
    Object.entries(tasks.handlers()).map(([stateName, handler]) => [
      stateName,
      async (parameters: JsonValue) => {
        calls.parameters = parameters;
        calls.result = await handler(parameters);
        return calls.result;
      },
    ]),
  );
  // JSONata / variables: the query layer wraps the data and the handlers, as for an execution.
  const layer = compiled.queryLayer;
  const context = {
    Execution: { Id: executionArn, Name: executionArn.split(':').at(-1) ?? '', Input: stateInput },
    StateMachine: { Id: executionArn.replace(':execution:', ':stateMachine:'), Name: 'TestState' },
  };
  const variables = parseVariables(input.variables);
  const running = compiled.machine.run(layer ? (layer.wrapInput(stateInput, variables) as never) : stateInput, {
    overrides: {
      taskResourceLocalHandlers: layer ? (layer.handlers(handlers, context as never) as typeof handlers) : handlers,
    },
  });
  const seen = follow(layer ? presented(running.eventLogs, layer) : running.eventLogs, name);
  const settled = (async () => {
    const outcome = await running.result.then(
      (value) => ({ ok: true as const, value: layer ? layer.unwrapOutput(value) : value }),
      (error: unknown) => ({ ok: false as const, error: ((error as Error).cause ?? error) as Error }),
    );
    const followed = await seen;
    tasks.close();
    return { outcome, ...followed };
  })();
  // Stopping the emulator aborts a TestState still running (a task waiting for its token).
  executions.adopt({ abort: running.abort, settled });
  const { outcome, nextState, caught } = await settled;
  // Only the emulator aborts a TestState: no state result to report, so no made-up answer either.
  if (!outcome.ok && outcome.error instanceof ExecutionAbortedError) {
    throw new SfnApiError('ServiceUnavailable', 'The local Step Functions stopped while this TestState ran', 503);
  }

  const jsonata = language === 'JSONata' || (state as { QueryLanguage?: string }).QueryLanguage === 'JSONata';
  const inspection =
    level === 'INFO'
      ? undefined
      : jsonata
        ? jsonataInspection(state, stateInput, calls.parameters, calls.result, variables)
        : await inspectionData(state, stateInput, calls.parameters, calls.result);
  if (!outcome.ok) {
    const retriable = (retriers ?? []).some((retrier) =>
      (retrier.ErrorEquals ?? []).some((error) => error === outcome.error.name || error === 'States.ALL'),
    );
    return {
      status: retriable ? 'RETRIABLE' : 'FAILED',
      error: outcome.error.name,
      cause: outcome.error.message,
      ...(inspection ? { inspectionData: inspection } : {}),
    };
  }
  return {
    status: caught ? 'CAUGHT_ERROR' : 'SUCCEEDED',
    output: JSON.stringify(outcome.value ?? null),
    ...(caught ? { error: caught.error, cause: caught.cause } : {}),
    ...(nextState ? { nextState } : {}),
    ...(inspection ? { inspectionData: inspection } : {}),
  };
}

function stateOf(input: TestStateInput): { name: string; state: StateUnderTest; language?: string } {
  if (input.definition === undefined) throw validationError("Value null at 'definition' failed to satisfy constraint");
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(input.definition) as Record<string, unknown>;
  } catch (error) {
    throw new SfnApiError('InvalidDefinition', `Invalid State Definition: '${(error as Error).message}'`);
  }
  // A whole machine with stateName picks one of its states; otherwise the definition is the state.
  const states = parsed.States as Record<string, StateUnderTest> | undefined;
  if (states && input.stateName) {
    const state = states[input.stateName];
    if (!state) throw new SfnApiError('InvalidDefinition', `State '${input.stateName}' is not in the definition`);
    // The state keeps the machine's query language.
    const language = typeof parsed.QueryLanguage === 'string' ? parsed.QueryLanguage : undefined;
    return { name: input.stateName, state, ...(language ? { language } : {}) };
  }
  if (typeof parsed.Type !== 'string') {
    throw new SfnApiError('InvalidDefinition', "Invalid State Definition: the state has no 'Type'");
  }
  return { name: STATE_NAME, state: parsed as unknown as StateUnderTest };
}

function parseInput(text: string | undefined): JsonValue {
  try {
    return JSON.parse(text ?? '{}') as JsonValue;
  } catch {
    throw new SfnApiError('InvalidExecutionInput', `Invalid State Input: '${text}'`);
  }
}

function transitionTargets(state: StateUnderTest): string[] {
  const targets = [
    state.Next,
    state.Default,
    ...(state.Choices ?? []).map((choice) => choice.Next),
    ...(state.Catch ?? []).map((catcher) => catcher.Next),
  ];
  return [...new Set(targets.filter((target): target is string => typeof target === 'string'))];
}

async function follow(
  events: AsyncGenerator<InterpreterEvent>,
  name: string,
): Promise<{ nextState?: string; caught?: { error: string; cause: string } }> {
  let nextState: string | undefined;
  let caught: { error: string; cause: string } | undefined;
  let failed: { error: string; cause: string } | undefined;
  for await (const event of events) {
    if (event.type === 'StateEntered' && event.state.name !== name) nextState ??= event.state.name;
    // The interpreter logs the error as StateFailed, then StateCaught when a catcher takes it.
    if (event.type === 'StateFailed' && event.state.name === name) {
      failed = { error: String(event.Error), cause: String(event.Cause) };
    }
    if (event.type === 'StateCaught' && event.state.name === name) caught = failed;
  }
  return { ...(nextState ? { nextState } : {}), ...(caught ? { caught } : {}) };
}

/**
 * The data after each processing step, each computed by the interpreter itself: a Pass state
 * applies InputPath, Parameters (as ResultSelector does to a result) and ResultPath.
 */
async function inspectionData(
  state: StateUnderTest,
  input: JsonValue,
  taskParameters: JsonValue | undefined,
  taskResult: JsonValue | undefined,
): Promise<InspectionData> {
  const pick = (field: 'InputPath' | 'ResultPath') => (field in state ? { [field]: state[field] } : {});
  const afterInputPath = await applyPass(pick('InputPath'), input);
  const afterParameters =
    taskParameters ??
    (state.Parameters === undefined
      ? afterInputPath
      : await applyPass({ Parameters: state.Parameters }, afterInputPath));
  const result = (state.Type === 'Task' ? (taskResult ?? null) : (state.Result ?? afterParameters)) as JsonValue;
  const afterResultSelector =
    state.ResultSelector === undefined ? result : await applyPass({ Parameters: state.ResultSelector }, result);
  const afterResultPath = await applyPass({ Result: afterResultSelector, ...pick('ResultPath') }, input);
  const text = (value: unknown) => JSON.stringify(value ?? null);
  return {
    input: text(input),
    afterInputPath: text(afterInputPath),
    afterParameters: text(afterParameters),
    ...(state.Type === 'Task' || state.Type === 'Pass'
      ? {
          result: text(result),
          afterResultSelector: text(afterResultSelector),
          afterResultPath: text(afterResultPath),
        }
      : {}),
  };
}

async function applyPass(fields: Record<string, unknown>, input: JsonValue): Promise<JsonValue> {
  const machine = new StateMachine(
    { StartAt: 'P', States: { P: { Type: 'Pass', ...fields, End: true } } } as unknown as StateMachineDefinition,
    { validationOptions: { noValidate: true } },
  );
  return (await machine.run(input).result) as JsonValue;
}

function validationError(message: string): SfnApiError {
  return new SfnApiError('ValidationException', `1 validation error detected: ${message}`);
}

/** The interpreter's events as an execution's history shows them: the query layer's own states left out. */
async function* presented(
  events: AsyncGenerator<InterpreterEvent>,
  layer: QueryLayer,
): AsyncGenerator<InterpreterEvent> {
  for await (const event of events) {
    const shown = layer.present(event);
    if (shown) yield shown;
  }
}

/** TestState's `variables`: the variables in scope when the state runs (JSONata or JSONPath). */
function parseVariables(text: string | undefined): Record<string, JsonValue> {
  if (text === undefined) return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, JsonValue>;
  } catch {
    // reported below
  }
  throw validationError(`Value at 'variables' failed to satisfy constraint: Member must be a JSON object`);
}

/** A JSONata state's inspection data: its input, the Arguments it evaluated, the task's result. */
function jsonataInspection(
  state: StateUnderTest,
  input: JsonValue,
  taskArguments: JsonValue | undefined,
  taskResult: JsonValue | undefined,
  variables: Record<string, JsonValue>,
): InspectionData {
  const text = (value: unknown) => JSON.stringify(value ?? null);
  return {
    input: text(input),
    afterArguments: text(taskArguments ?? input),
    ...(state.Type === 'Task' ? { result: text(taskResult) } : {}),
    variables: text(variables),
  };
}
