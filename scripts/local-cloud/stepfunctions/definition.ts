/**
 * Turns an ASL definition into something the interpreter (aws-local-stepfunctions) runs the way
 * AWS would: validated as AWS validates on CreateStateMachine, every Task state mapped to a Lambda
 * call we route through the local cloud, and timings adapted for local runs.
 */
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { SfnApiError } from './errors.ts';
import { isTemplate } from './query-language.ts';
import { needsQueryLayer, QueryLayer } from './query-layer.ts';
import { describeDiagnostic, diagnoseQueryLanguage } from './query-validation.ts';
import type { ValidatedDefinitions } from './validated-definitions.ts';

/**
 * What a Task state calls: a function ARN directly, or a service integration of the local cloud
 * (`lambda:invoke`, `sqs:sendMessage`, `events:putEvents`), each also in its `.waitForTaskToken`
 * form, where the state waits for SendTaskSuccess / SendTaskFailure with the token it sent.
 */
export type TaskResource =
  | { kind: 'lambda-function'; functionArn: string }
  | { kind: 'lambda-invoke' | 'sqs-send-message' | 'events-put-events'; waitForTaskToken: boolean };

export interface CompiledDefinition {
  /** Runnable copy of the definition with the local adaptations below applied. */
  machine: StateMachine;
  /** Every Task state, nested ones included (state names are unique across a whole machine). */
  tasks: ReadonlyMap<string, TaskResource>;
  /**
   * Each Task's `TimeoutSeconds`, enforced by the task runner from the moment its Lambda starts
   * running: the interpreter's own timer would also count the wait for a free execution
   * environment on a busy machine, which is not the function's time.
   */
  timeouts: ReadonlyMap<string, number>;
  /** Each Task's `HeartbeatSeconds`: a `.waitForTaskToken` task fails without SendTaskHeartbeat. */
  heartbeats: ReadonlyMap<string, number>;
  /**
   * The states only a wait for a task token leads to: the `.waitForTaskToken` Tasks and every
   * state that no path from the start reaches without passing one (what a timeout or a rejected
   * callback leads to). Their transitions are what a waiting execution costs beyond the pipeline,
   * counted also as `wait.stateTransitions`.
   */
  callbackStates: ReadonlySet<string>;
  /** The adapted definition `machine` runs, from which a redrive builds its resumed machine. */
  local: object;
  /**
   * Set when the definition uses JSONata or workflow variables: `machine` then runs the layer's
   * lowered definition, and the execution goes through the layer (query-layer.ts).
   */
  queryLayer?: QueryLayer;
}

export interface CompileOptions {
  /** Multiplies Retry IntervalSeconds / MaxDelaySeconds and Wait Seconds, so tests run fast. */
  retryIntervalScale: number;
  /** EXPRESS refuses the `.waitForTaskToken` pattern, as CreateStateMachine does on AWS. */
  type?: 'STANDARD' | 'EXPRESS';
  /** Definitions asl-validator passed before: the same text is not validated again. */
  validated?: ValidatedDefinitions;
}

const LAMBDA_INVOKE_RESOURCE = 'arn:aws:states:::lambda:invoke';
const INTEGRATIONS: Record<string, 'lambda-invoke' | 'sqs-send-message' | 'events-put-events'> = {
  'lambda:invoke': 'lambda-invoke',
  'sqs:sendMessage': 'sqs-send-message',
  'events:putEvents': 'events-put-events',
};
const INTEGRATION_RESOURCE = /^arn:aws:states:::([a-z]+:[A-Za-z]+)(\.waitForTaskToken)?$/;
/**
 * `"key.$": "$$.Task.Token"` in a Task's Parameters becomes `"key": TASK_TOKEN_PLACEHOLDER`; the
 * task runner puts the token it issues in its place (the interpreter has no `$$.Task`).
 */
export const TASK_TOKEN_PLACEHOLDER = '<local-stepfunctions:$$.Task.Token>';
const LAMBDA_FUNCTION_ARN = /^arn:aws:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9$_-]+)?$/;

/**
 * AWS waits 99999999 s for a Task without TimeoutSeconds, the interpreter only 60 s; Node timers
 * overflow past 2^31-1 ms, so the longest wait we can give it is just under 25 days.
 */
const LONGEST_TASK_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

interface Retrier {
  IntervalSeconds?: number;
  MaxDelaySeconds?: number;
}

/** The few fields of a state this module reads or rewrites; the interpreter reads the rest. */
interface StateNode {
  Type: string;
  Resource?: string;
  Retry?: Retrier[];
  Seconds?: number | string;
  /** A number, or a JSONata expression ("{% ... %}") in a JSONata state. */
  TimeoutSeconds?: number | string;
  HeartbeatSeconds?: number | string;
  Parameters?: unknown;
  Next?: string;
  Default?: string;
  Choices?: Array<{ Next?: string }>;
  Catch?: Array<{ Next?: string }>;
  Result?: unknown;
  TimeoutSecondsPath?: string;
  Branches?: MachineNode[];
  Iterator?: MachineNode;
  ItemProcessor?: MachineNode;
}

interface MachineNode {
  StartAt: string;
  States: Record<string, StateNode>;
}

/** Parses and validates a definition, throwing `InvalidDefinition` as CreateStateMachine does. */
export function compileDefinition(definition: string, options: CompileOptions): CompiledDefinition {
  const parsed = parseDefinition(definition, options.validated);
  if (options.type === 'EXPRESS') {
    const [refused] = expressRefusals(parsed);
    if (refused) throw new SfnApiError('InvalidDefinition', refused);
  }
  const tasks = new Map<string, TaskResource>();
  const timeouts = new Map<string, number>();
  const heartbeats = new Map<string, number>();
  for (const [name, state] of allStates(parsed)) {
    if (state.Type !== 'Task') continue;
    tasks.set(name, parseTaskResource(name, state.Resource));
    if (typeof state.TimeoutSeconds === 'number') timeouts.set(name, state.TimeoutSeconds);
    if (typeof state.HeartbeatSeconds === 'number') heartbeats.set(name, state.HeartbeatSeconds);
  }
  const local = structuredClone(parsed);
  for (const [, state] of allStates(local)) adaptForLocalRun(state, options.retryIntervalScale);
  const queryLayer = needsQueryLayer(local as never)
    ? new QueryLayer(local as never, options.retryIntervalScale, TASK_TOKEN_PLACEHOLDER)
    : undefined;
  // Validated above in its original form; the scaled copy may hold fractional seconds.
  const machine = new StateMachine((queryLayer?.definition ?? local) as unknown as StateMachineDefinition, {
    validationOptions: { noValidate: true },
  });
  const callbackStates = statesOnlyReachedThroughCallbacks(parsed);
  return { machine, tasks, timeouts, heartbeats, callbackStates, local, ...(queryLayer ? { queryLayer } : {}) };
}

/**
 * Express workflows support the request-response pattern only: AWS refuses a definition with a
 * `.waitForTaskToken` (or `.sync`) Task at CreateStateMachine, in these words.
 */
function expressRefusals(machine: MachineNode): string[] {
  return [...allStates(machine)].flatMap(([name, state]) => {
    const pattern = /\.(waitForTaskToken|sync)(:\d+)?$/.exec(state.Type === 'Task' ? (state.Resource ?? '') : '');
    return pattern
      ? [
          `Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Express state machine does not support ` +
            `'.${pattern[1]}' service integration at /States/${name}/Resource'`,
        ]
      : [];
  });
}

/**
 * Per machine (the top level, each Parallel branch, each Map processor): the `.waitForTaskToken`
 * Tasks and the states reachable from the start only through one of them.
 */
function statesOnlyReachedThroughCallbacks(root: MachineNode): Set<string> {
  const found = new Set<string>();
  const walk = (machine: MachineNode) => {
    const waits = new Set(
      Object.entries(machine.States)
        .filter(([, state]) => state.Type === 'Task' && (state.Resource ?? '').endsWith('.waitForTaskToken'))
        .map(([name]) => name),
    );
    // Everything reachable without entering a callback Task; the rest is there because of one.
    const free = new Set<string>();
    const queue = waits.has(machine.StartAt) ? [] : [machine.StartAt];
    while (queue.length > 0) {
      const name = queue.pop() as string;
      if (free.has(name)) continue;
      free.add(name);
      for (const next of successors(machine.States[name])) if (!waits.has(next) && !free.has(next)) queue.push(next);
    }
    if (waits.size > 0) for (const name of Object.keys(machine.States)) if (!free.has(name)) found.add(name);
    for (const state of Object.values(machine.States)) {
      for (const branch of state.Branches ?? []) walk(branch);
      const processor = state.ItemProcessor ?? state.Iterator;
      if (processor) walk(processor);
    }
  };
  walk(root);
  return found;
}

function successors(state: StateNode | undefined): string[] {
  if (!state) return [];
  return [
    state.Next,
    state.Default,
    ...(state.Choices ?? []).map((rule) => rule.Next),
    ...(state.Catch ?? []).map((catcher) => catcher.Next),
  ].filter((next): next is string => typeof next === 'string');
}

/** Name of the Pass state a resumed machine starts with; it never shows in the history. */
export const RESUME_STATE = 'local-stepfunctions:redrive';

/**
 * The machine a redrive runs: the same states, entered at `stateName` with the input it had in
 * the failed attempt. A first Pass state hands that input over, so that the run's own input (and
 * `$$.Execution.Input`) stays the execution's input. With the query layer, the machine is the
 * lowered one and the input its envelope, so the variables in scope come back too.
 */
export function resumeMachine(compiled: CompiledDefinition, stateName: string, stateInput: unknown): StateMachine {
  // A JSON copy, not structuredClone: under Jest's VM modules that makes objects of another realm,
  // whose nested Parameters the interpreter then passes through unevaluated.
  const local = JSON.parse(JSON.stringify(runnableDefinition(compiled))) as MachineNode;
  local.States[RESUME_STATE] = { Type: 'Pass', Result: stateInput ?? null, Next: stateName };
  local.StartAt = RESUME_STATE;
  return new StateMachine(local as unknown as StateMachineDefinition, { validationOptions: { noValidate: true } });
}

/** The top-level state names (of the machine the interpreter runs), where a redrive can resume. */
export function topLevelStates(compiled: CompiledDefinition): ReadonlySet<string> {
  return new Set(Object.keys(runnableDefinition(compiled).States));
}

function runnableDefinition(compiled: CompiledDefinition): MachineNode {
  return (compiled.queryLayer?.definition ?? compiled.local) as MachineNode;
}

function parseDefinition(definition: string, validated?: ValidatedDefinitions): MachineNode {
  let parsed: unknown;
  try {
    parsed = JSON.parse(definition);
  } catch (error) {
    throw new SfnApiError('InvalidDefinition', `Invalid State Machine Definition: '${(error as Error).message}'`);
  }
  // JSONata and variables rules asl-validator does not apply, or words obscurely (query-validation.ts).
  const [problem] = diagnoseQueryLanguage(parsed as never);
  if (problem) throw new SfnApiError('InvalidDefinition', describeDiagnostic(problem));
  if (validated?.has(definition)) return parsed as MachineNode;
  try {
    // The constructor runs asl-validator, the same rule set AWS applies.
    new StateMachine(parsed as StateMachineDefinition);
  } catch (error) {
    throw new SfnApiError('InvalidDefinition', (error as Error).message);
  }
  validated?.add(definition);
  return parsed as MachineNode;
}

function parseTaskResource(stateName: string, resource: string | undefined): TaskResource {
  const integration = INTEGRATION_RESOURCE.exec(resource ?? '');
  const kind = integration ? INTEGRATIONS[integration[1] ?? ''] : undefined;
  if (kind) return { kind, waitForTaskToken: integration?.[2] !== undefined };
  if (resource !== undefined && LAMBDA_FUNCTION_ARN.test(resource)) {
    return { kind: 'lambda-function', functionArn: resource };
  }
  // Failing at create time beats a surprise mid-execution: only these exist in the local cloud.
  throw new SfnApiError(
    'InvalidDefinition',
    `Task state '${stateName}': resource '${resource}' is not supported by the local Step Functions ` +
      `(use a Lambda function ARN, ${LAMBDA_INVOKE_RESOURCE}, arn:aws:states:::sqs:sendMessage or ` +
      'arn:aws:states:::events:putEvents, optionally with .waitForTaskToken)',
  );
}

/** Replaces every `"key.$": "$$.Task.Token"` under a Task's Parameters with the placeholder. */
function withTokenPlaceholder(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withTokenPlaceholder);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) =>
      key.endsWith('.$') && inner === '$$.Task.Token'
        ? [key.slice(0, -2), TASK_TOKEN_PLACEHOLDER]
        : [key, withTokenPlaceholder(inner)],
    ),
  );
}

/** Walks the states of a machine and of its Parallel branches and Map processors. */
function* allStates(machine: MachineNode): Generator<[string, StateNode]> {
  for (const [name, state] of Object.entries(machine.States)) {
    yield [name, state];
    for (const branch of state.Branches ?? []) yield* allStates(branch);
    const processor = state.ItemProcessor ?? state.Iterator;
    if (processor) yield* allStates(processor);
  }
}

function adaptForLocalRun(state: StateNode, scale: number): void {
  // Delay = IntervalSeconds * BackoffRate^n clamped to MaxDelaySeconds, so scaling both
  // scales every retry delay while keeping the backoff shape and the jitter.
  for (const retrier of state.Retry ?? []) {
    retrier.IntervalSeconds = (retrier.IntervalSeconds ?? 1) * scale;
    if (retrier.MaxDelaySeconds !== undefined) retrier.MaxDelaySeconds *= scale;
  }
  // A JSONata `Seconds` ("{% ... %}") is scaled by the query layer once evaluated.
  if (state.Type === 'Wait' && typeof state.Seconds === 'number') state.Seconds *= scale;
  if (state.Type === 'Task' && state.Parameters !== undefined)
    state.Parameters = withTokenPlaceholder(state.Parameters);
  // Heartbeats are the task runner's to enforce, from the moment the task is started. A JSONata
  // one ("{% ... %}") stays: the query layer evaluates it at each entry and hands it to the runner.
  if (state.Type === 'Task' && !isTemplate(state.HeartbeatSeconds)) delete state.HeartbeatSeconds;
  // A fixed TimeoutSeconds is the task runner's to enforce (see CompiledDefinition.timeouts); a
  // JSONata one too, once the query layer has evaluated it (the layer never gives it the interpreter).
  if (state.Type === 'Task' && state.TimeoutSecondsPath === undefined && !isTemplate(state.TimeoutSeconds))
    state.TimeoutSeconds = LONGEST_TASK_TIMEOUT_SECONDS;
}

/** One finding of ValidateStateMachineDefinition, in its API shape. */
export interface DefinitionDiagnostic {
  severity: 'ERROR' | 'WARNING';
  code: string;
  message: string;
  location?: string;
}

/**
 * ValidateStateMachineDefinition's findings: asl-validator (the interpreter's validator) reports
 * `CODE: message` lines with AWS's diagnostic codes; a resource the local cloud cannot run is a
 * warning, since the definition itself is valid on AWS.
 */
export function diagnoseDefinition(
  definition: string,
  type: 'STANDARD' | 'EXPRESS' = 'STANDARD',
): DefinitionDiagnostic[] {
  let parsed: MachineNode;
  try {
    parsed = JSON.parse(definition) as MachineNode;
  } catch (error) {
    return [{ severity: 'ERROR', code: 'INVALID_JSON_DESCRIPTION', message: (error as Error).message }];
  }
  // JSONata and variables rules first: asl-validator words some of them obscurely.
  const queryLanguage = diagnoseQueryLanguage(parsed as never);
  if (queryLanguage.length > 0) return queryLanguage.map((diagnostic) => ({ severity: 'ERROR', ...diagnostic }));
  try {
    new StateMachine(parsed as unknown as StateMachineDefinition);
  } catch (error) {
    return (error as Error).message
      .split('\n')
      .slice(1)
      .map((line) => line.trim())
      .filter((line) => line !== '')
      .map(toDiagnostic);
  }
  if (type === 'EXPRESS') {
    const refused = expressRefusals(parsed).map((message) => {
      const [, detail = message, location] = /: '[A-Z_]+: (.*) at (\S+)'$/.exec(message) ?? [];
      return {
        severity: 'ERROR' as const,
        code: 'SCHEMA_VALIDATION_FAILED',
        message: detail,
        ...(location ? { location } : {}),
      };
    });
    if (refused.length > 0) return refused;
  }
  const warnings: DefinitionDiagnostic[] = [];
  for (const [name, state] of allStates(parsed)) {
    if (state.Type !== 'Task') continue;
    try {
      parseTaskResource(name, state.Resource);
    } catch (error) {
      warnings.push({
        severity: 'WARNING',
        code: 'UNSUPPORTED_LOCALLY',
        message: (error as Error).message,
        location: `/States/${name}/Resource`,
      });
    }
  }
  return warnings;
}

function toDiagnostic(line: string): DefinitionDiagnostic {
  const match = /^([A-Z_]+): (.*)$/.exec(line);
  const code = match?.[1] ?? 'SCHEMA_VALIDATION_FAILED';
  const message = match?.[2] ?? line;
  const location = /^(\/\S*)/.exec(message)?.[1];
  return { severity: 'ERROR', code, message, ...(location ? { location } : {}) };
}
