/**
 * Turns an ASL definition into something the interpreter (aws-local-stepfunctions) runs the way
 * AWS would: validated as AWS validates on CreateStateMachine, every Task state mapped to a Lambda
 * call we route through the local cloud, and timings adapted for local runs.
 */
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { SfnApiError } from './errors.ts';
import { needsQueryLayer, QueryLayer } from './query-layer.ts';
import { describeDiagnostic, diagnoseQueryLanguage } from './query-validation.ts';

/** What a Task state calls: a function ARN directly, or the `lambda:invoke` service integration. */
export type TaskResource = { kind: 'lambda-function'; functionArn: string } | { kind: 'lambda-invoke' };

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
  /**
   * Set when the definition uses JSONata or workflow variables: `machine` then runs the layer's
   * lowered definition, and the execution goes through the layer (query-layer.ts).
   */
  queryLayer?: QueryLayer;
}

export interface CompileOptions {
  /** Multiplies Retry IntervalSeconds / MaxDelaySeconds and Wait Seconds, so tests run fast. */
  retryIntervalScale: number;
}

const LAMBDA_INVOKE_RESOURCE = 'arn:aws:states:::lambda:invoke';
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
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
  Branches?: MachineNode[];
  Iterator?: MachineNode;
  ItemProcessor?: MachineNode;
}

interface MachineNode {
  States: Record<string, StateNode>;
}

/** Parses and validates a definition, throwing `InvalidDefinition` as CreateStateMachine does. */
export function compileDefinition(definition: string, options: CompileOptions): CompiledDefinition {
  const parsed = parseDefinition(definition);
  const tasks = new Map<string, TaskResource>();
  const timeouts = new Map<string, number>();
  for (const [name, state] of allStates(parsed)) {
    if (state.Type !== 'Task') continue;
    tasks.set(name, parseTaskResource(name, state.Resource));
    if (typeof state.TimeoutSeconds === 'number') timeouts.set(name, state.TimeoutSeconds);
  }
  const local = structuredClone(parsed);
  for (const [, state] of allStates(local)) adaptForLocalRun(state, options.retryIntervalScale);
  const queryLayer = needsQueryLayer(local as never)
    ? new QueryLayer(local as never, options.retryIntervalScale)
    : undefined;
  // Validated above in its original form; the scaled copy may hold fractional seconds.
  const machine = new StateMachine((queryLayer?.definition ?? local) as unknown as StateMachineDefinition, {
    validationOptions: { noValidate: true },
  });
  return { machine, tasks, timeouts, ...(queryLayer ? { queryLayer } : {}) };
}

function parseDefinition(definition: string): MachineNode {
  let parsed: unknown;
  try {
    parsed = JSON.parse(definition);
  } catch (error) {
    throw new SfnApiError('InvalidDefinition', `Invalid State Machine Definition: '${(error as Error).message}'`);
  }
  // JSONata and variables rules asl-validator does not apply, or words obscurely (query-validation.ts).
  const [problem] = diagnoseQueryLanguage(parsed as never);
  if (problem) throw new SfnApiError('InvalidDefinition', describeDiagnostic(problem));
  try {
    // The constructor runs asl-validator, the same rule set AWS applies.
    new StateMachine(parsed as StateMachineDefinition);
  } catch (error) {
    throw new SfnApiError('InvalidDefinition', (error as Error).message);
  }
  return parsed as MachineNode;
}

function parseTaskResource(stateName: string, resource: string | undefined): TaskResource {
  if (resource === LAMBDA_INVOKE_RESOURCE) return { kind: 'lambda-invoke' };
  if (resource !== undefined && LAMBDA_FUNCTION_ARN.test(resource)) {
    return { kind: 'lambda-function', functionArn: resource };
  }
  // Failing at create time beats a surprise mid-execution: only Lambda exists in the local cloud.
  throw new SfnApiError(
    'InvalidDefinition',
    `Task state '${stateName}': resource '${resource}' is not supported by the local Step Functions ` +
      `(use a Lambda function ARN or ${LAMBDA_INVOKE_RESOURCE})`,
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
  // A fixed TimeoutSeconds is the task runner's to enforce (see CompiledDefinition.timeouts).
  if (state.Type === 'Task' && state.TimeoutSecondsPath === undefined)
    state.TimeoutSeconds = LONGEST_TASK_TIMEOUT_SECONDS;
}
