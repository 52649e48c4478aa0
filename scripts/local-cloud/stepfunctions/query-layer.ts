/**
 * JSONata and workflow variables for the aws-local-stepfunctions interpreter, which has neither.
 *
 * Why a layer and not a fork: the interpreter's only extension point is a local handler per Task
 * state name (`taskResourceLocalHandlers`, called with the state's effective input); its state
 * executor, input/output processing and Choice rules are not exported, so JSONata cannot be
 * plugged into them from outside. Patching its build (a silent fork) would break on every upgrade.
 * Instead, a definition that uses JSONata or `Assign` anywhere is *lowered* at CreateStateMachine
 * into one the interpreter runs unchanged, and keeps everything it does well: transitions, Retry
 * with backoff and jitter, Catch matching, Map / Parallel concurrency, aborts and timeouts.
 *
 * - The data between states becomes an envelope `{value, variables}`: the state's JSON plus the
 *   variables in scope. A Map iteration or Parallel branch starts with a copy of the outer
 *   variables, so it reads them, and what it assigns stays in its own scope (AWS's scoping rule).
 * - Every state that evaluates something is run by the interpreter as a Task whose local handler is
 *   this layer: it evaluates `Arguments` / `Output` / `Assign` / `Condition` / `Items` /
 *   `ItemSelector` (JSONata) or `InputPath` ... `OutputPath` + `Assign` (JSONPath, whose paths
 *   and intrinsic functions are evaluated by the interpreter itself in a one-state machine), and
 *   calls the real task handler in between. A Catch lands in a hidden state that evaluates the
 *   catcher's `Output` / `Assign` against `$states.errorOutput`. Parallel, Map and Wait keep their
 *   interpreter state, between a hidden state that prepares its input and one that shapes its output.
 * - The history shows only the states of the definition, with the envelopes unwrapped, their own
 *   types, and the variables each state assigned (`assignedVariables`), as AWS records them.
 */
import { StateMachine } from 'aws-local-stepfunctions';
import {
  assignVariables,
  evaluateField,
  holdsTemplate,
  isTemplate,
  queryError,
  StateFailure,
  type Json,
  type StatesBinding,
  type Variables,
} from './query-language.ts';

type Language = 'JSONata' | 'JSONPath';
type StateDefinition = Record<string, unknown> & { Type: string };
type Catcher = { ErrorEquals: string[]; Next: string; ResultPath?: string | null; Output?: unknown; Assign?: unknown };
type ChoiceRule = Record<string, unknown> & { Next: string; Condition?: unknown; Output?: unknown; Assign?: unknown };

interface MachineDefinition {
  StartAt: string;
  States: Record<string, StateDefinition>;
  QueryLanguage?: Language;
  [field: string]: unknown;
}

/** What flows between the interpreter's states in a lowered machine. */
export interface Envelope {
  '@envelope': 1;
  value: Json;
  variables: Variables;
  /** What the state that produced this envelope assigned: the history's `assignedVariables`. */
  assigned?: Variables;
  /** Set by the interpreter's Catch (ResultPath `$.errorOutput`) for the hidden catch state. */
  errorOutput?: Json;
  /** The Choice rule's target, read by the hidden routing Choice. */
  next?: string;
  /** Map: the iterations' envelopes; Parallel: the branches' input. */
  items?: Envelope[];
  branchInput?: Envelope;
  maxConcurrency?: number;
  /** Map / Parallel: the iterations' or branches' final envelopes (ResultPath `$.result`). */
  result?: Envelope[];
  /** Wait: when to resume, and the state's output once it has waited. */
  waitUntil?: string;
  pending?: { value: Json; variables: Variables; assigned: Variables };
}

type Handler = (input: never) => unknown;
/**
 * The timeouts of one entry of a Task whose `TimeoutSeconds` / `HeartbeatSeconds` are JSONata
 * expressions: evaluated by the layer when the state is entered, enforced by the task runner.
 */
export interface TaskTiming {
  timeoutSeconds?: number;
  heartbeatSeconds?: number;
}
type TaskHandler = (input: Json, timing?: TaskTiming) => Promise<Json> | Json;

/** One evaluation step of a lowered state, run as a Task handler of the interpreter. */
interface Step {
  kind:
    | 'task'
    | 'pass'
    | 'choice'
    | 'succeed'
    | 'fail'
    | 'wait-enter'
    | 'wait-exit'
    | 'fan-enter'
    | 'fan-exit'
    | 'catch';
  stateName: string;
  state: StateDefinition;
  language: Language;
  catcher?: Catcher;
}

/** How a lowered state's interpreter events appear in the history (undefined: hidden). */
interface Presentation {
  name: string;
  type: string;
  entered: boolean;
  exited: boolean;
}

/** Execution-level part of the context object (`$states.context` / `$$`). */
export interface ExecutionContext {
  Execution: Record<string, Json>;
  StateMachine: Record<string, Json>;
}

/** An interpreter event as far as this layer reads or rewrites it. */
interface LayerEvent {
  type: string;
  state?: { name: string; type: string; input: unknown; output?: unknown; assignedVariables?: Record<string, string> };
}

const HIDDEN = '\u0000';
/** Never called: every lowered state has a local handler. Any valid ARN keeps the interpreter happy. */
const LOCAL_RESOURCE = 'arn:aws:states:::local:query-layer';
/** Longest timer Node allows, as for Task states (definition.ts): evaluation is not task time. */
const NO_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

const hidden = (stateName: string, role: string) => `${stateName}${HIDDEN}${role}`;

export function isEnvelope(value: unknown): value is Envelope {
  return typeof value === 'object' && value !== null && (value as Envelope)['@envelope'] === 1;
}

function envelope(value: Json, variables: Variables, assigned?: Variables): Envelope {
  return assigned ? { '@envelope': 1, value, variables, assigned } : { '@envelope': 1, value, variables };
}

/** A machine needs the layer when it uses JSONata or workflow variables anywhere. */
export function needsQueryLayer(definition: MachineDefinition): boolean {
  const uses = (machine: MachineDefinition): boolean =>
    machine.QueryLanguage === 'JSONata' ||
    Object.values(machine.States).some((state) => {
      const catchers = (state.Catch as Catcher[] | undefined) ?? [];
      const rules = (state.Choices as ChoiceRule[] | undefined) ?? [];
      const nested = [
        ...((state.Branches as MachineDefinition[] | undefined) ?? []),
        ...[state.ItemProcessor ?? state.Iterator].filter(Boolean),
      ] as MachineDefinition[];
      return (
        state.QueryLanguage === 'JSONata' ||
        state.Assign !== undefined ||
        catchers.some((c) => c.Assign !== undefined) ||
        rules.some((r) => r.Assign !== undefined) ||
        nested.some(uses)
      );
    });
  return uses(definition);
}

export class QueryLayer {
  /** The definition the interpreter runs. */
  readonly definition: MachineDefinition;
  private readonly steps = new Map<string, Step>();
  private readonly presentations = new Map<string, Presentation>();
  /** Where a transition to a state lands: its first lowered state. */
  private readonly entries = new Map<string, string>();
  /** Nested states (branches, item processors) inherit the machine's language, not their state's. */
  private readonly topLanguage: Language;

  constructor(
    definition: MachineDefinition,
    /** Multiplies Wait seconds computed at run time, as definition.ts scales literal ones. */
    private readonly waitScale: number,
    /**
     * What `$states.context.Task.Token` holds in a `.waitForTaskToken` Task: a placeholder the
     * task runner replaces with the token it issues, wherever the Arguments put it.
     */
    private readonly taskTokenPlaceholder?: string,
  ) {
    this.topLanguage = definition.QueryLanguage ?? 'JSONPath';
    this.definition = this.lowerMachine(definition, this.topLanguage);
  }

  /** The first state's envelope: the input, and the variables in scope (none, but in TestState). */
  wrapInput(input: Json, variables: Variables = {}): Envelope {
    return envelope(input, variables);
  }

  unwrapOutput(output: unknown): Json {
    return isEnvelope(output) ? output.value : (output as Json);
  }

  /**
   * The interpreter event as the history should show it, or undefined for the layer's own states.
   * Event types other than state events pass through unchanged.
   */
  present<E extends LayerEvent>(event: E): E | undefined {
    const state = event.state;
    if (!state || !event.type.startsWith('State')) return event;
    const presentation = this.presentations.get(state.name);
    if (!presentation) return state.name.includes(HIDDEN) ? undefined : event;
    if (event.type === 'StateEntered' && !presentation.entered) return undefined;
    if (event.type === 'StateExited' && !presentation.exited) return undefined;
    const output = state.output;
    const assigned = isEnvelope(output) ? output.assigned : undefined;
    return {
      ...event,
      state: {
        ...state,
        name: presentation.name,
        type: presentation.type,
        input: this.unwrapOutput(state.input),
        ...(output === undefined ? {} : { output: this.unwrapOutput(output) }),
        ...(assigned && Object.keys(assigned).length > 0
          ? { assignedVariables: Object.fromEntries(Object.entries(assigned).map(([k, v]) => [k, JSON.stringify(v)])) }
          : {}),
      },
    };
  }

  /** The local handlers of one execution: the layer's steps around the real task handlers. */
  handlers(tasks: Record<string, Handler>, context: ExecutionContext): Record<string, TaskHandler> {
    const run = new LayerRun(context, tasks as Record<string, TaskHandler>, this.waitScale, this.taskTokenPlaceholder);
    return Object.fromEntries(
      [...this.steps].map(([name, step]) => [name, (input: Json) => run.step(step, input as unknown as Envelope)]),
    ) as Record<string, TaskHandler>;
  }

  // ---------------------------------------------------------------- lowering

  private lowerMachine(machine: MachineDefinition, language: Language): MachineDefinition {
    const { QueryLanguage: _language, ...rest } = machine;
    for (const [name, state] of Object.entries(machine.States)) {
      const role = ['Parallel', 'Map'].includes(state.Type) ? 'enter' : state.Type === 'Wait' ? 'enter' : undefined;
      this.entries.set(name, role ? hidden(name, role) : name);
    }
    const states: Record<string, StateDefinition> = {};
    for (const [name, state] of Object.entries(machine.States)) {
      this.lowerState(name, state, (state.QueryLanguage as Language | undefined) ?? language, states);
    }
    return { ...rest, StartAt: this.entry(machine.StartAt), States: states };
  }

  private entry(name: string): string {
    return this.entries.get(name) ?? name;
  }

  private transition(state: StateDefinition): Record<string, unknown> {
    return state.End === true ? { End: true } : { Next: this.entry(state.Next as string) };
  }

  private lowerState(name: string, state: StateDefinition, language: Language, out: Record<string, StateDefinition>) {
    const evaluator = (kind: Step['kind'], loweredName: string, fields: Record<string, unknown>) => {
      this.steps.set(loweredName, { kind, stateName: name, state, language });
      out[loweredName] = { Type: 'Task', Resource: LOCAL_RESOURCE, TimeoutSeconds: NO_TIMEOUT_SECONDS, ...fields };
    };
    const present = (loweredName: string, entered: boolean, exited: boolean) =>
      this.presentations.set(loweredName, { name, type: state.Type, entered, exited });

    switch (state.Type) {
      case 'Task': {
        // The real call keeps the state's own name, Retry and timeout (TaskRunner knows it by name).
        this.steps.set(name, { kind: 'task', stateName: name, state, language });
        out[name] = {
          Type: 'Task',
          Resource: state.Resource,
          // A JSONata TimeoutSeconds is evaluated per entry and enforced by the task runner.
          TimeoutSeconds: typeof state.TimeoutSeconds === 'number' ? state.TimeoutSeconds : NO_TIMEOUT_SECONDS,
          // The interpreter reads TimeoutSecondsPath from the envelope: `$.x` is `$.value.x` there.
          ...(typeof state.TimeoutSecondsPath === 'string'
            ? { TimeoutSecondsPath: state.TimeoutSecondsPath.replace(/^\$/, '$.value') }
            : {}),
          ...pick(state, ['Retry']),
          ...this.lowerCatch(name, state, language, out),
          ...this.transition(state),
        };
        present(name, true, true);
        return;
      }
      case 'Pass':
      case 'Succeed':
        evaluator(
          state.Type === 'Pass' ? 'pass' : 'succeed',
          name,
          state.Type === 'Pass' ? this.transition(state) : { End: true },
        );
        present(name, true, true);
        return;
      case 'Fail': {
        const dynamic =
          holdsTemplate(state.Error) || holdsTemplate(state.Cause) || 'ErrorPath' in state || 'CausePath' in state;
        if (dynamic) evaluator('fail', name, { End: true });
        else out[name] = state;
        present(name, true, true);
        return;
      }
      case 'Choice': {
        const route = hidden(name, 'route');
        evaluator('choice', name, { Next: route });
        const rules = (state.Choices as ChoiceRule[]).map((rule) => rule.Next);
        const targets = [...new Set([...rules, ...(state.Default ? [state.Default as string] : [])])];
        out[route] = {
          Type: 'Choice',
          Choices: targets.map((target) => ({ Variable: '$.next', StringEquals: target, Next: this.entry(target) })),
        };
        present(name, true, true);
        return;
      }
      case 'Wait': {
        const enter = hidden(name, 'enter');
        const exit = hidden(name, 'exit');
        evaluator('wait-enter', enter, { Next: name });
        out[name] = { Type: 'Wait', TimestampPath: '$.waitUntil', Next: exit };
        evaluator('wait-exit', exit, this.transition(state));
        present(enter, true, false);
        present(name, false, false);
        present(exit, false, true);
        return;
      }
      case 'Parallel':
      case 'Map': {
        const enter = hidden(name, 'enter');
        const exit = hidden(name, 'exit');
        const caught = this.lowerCatch(name, state, language, out);
        evaluator('fan-enter', enter, { Next: name, ...caught });
        const inner =
          state.Type === 'Parallel'
            ? {
                InputPath: '$.branchInput',
                Branches: (state.Branches as MachineDefinition[]).map((b) => this.lowerMachine(b, this.topLanguage)),
              }
            : {
                ItemsPath: '$.items',
                MaxConcurrencyPath: '$.maxConcurrency',
                ItemProcessor: this.lowerMachine(
                  (state.ItemProcessor ?? state.Iterator) as MachineDefinition,
                  language,
                ),
              };
        out[name] = {
          Type: state.Type,
          ...inner,
          ResultPath: '$.result',
          ...pick(state, ['Retry']),
          ...caught,
          Next: exit,
        };
        evaluator('fan-exit', exit, { ...caught, ...this.transition(state) });
        present(enter, true, false);
        present(name, false, false);
        present(exit, false, true);
        return;
      }
      default:
        throw new Error(`State '${name}': unknown type '${state.Type}'`);
    }
  }

  /** Each catcher lands in a hidden state that shapes the error output, then goes to its Next. */
  private lowerCatch(
    name: string,
    state: StateDefinition,
    language: Language,
    out: Record<string, StateDefinition>,
  ): { Catch?: Catcher[] } {
    const catchers = state.Catch as Catcher[] | undefined;
    if (!catchers) return {};
    return {
      Catch: catchers.map((catcher, i) => {
        const landing = hidden(name, `catch${i}`);
        if (!out[landing]) {
          this.steps.set(landing, { kind: 'catch', stateName: name, state, language, catcher });
          out[landing] = {
            Type: 'Task',
            Resource: LOCAL_RESOURCE,
            TimeoutSeconds: NO_TIMEOUT_SECONDS,
            Next: this.entry(catcher.Next),
          };
        }
        return { ErrorEquals: catcher.ErrorEquals, ResultPath: '$.errorOutput', Next: landing };
      }),
    };
  }
}

function pick(state: StateDefinition, fields: string[]): Record<string, unknown> {
  return Object.fromEntries(fields.filter((field) => field in state).map((field) => [field, state[field]]));
}

/** The layer's state for one execution: the real task handlers and the retry counts of `$states.context`. */
class LayerRun {
  /** Calls per state entry (the same envelope object is passed again on each retry). */
  private readonly attempts = new WeakMap<object, { count: number; entered: string }>();

  constructor(
    private readonly execution: ExecutionContext,
    private readonly tasks: Record<string, TaskHandler>,
    private readonly waitScale: number,
    private readonly taskTokenPlaceholder: string | undefined,
  ) {}

  async step(step: Step, input: Envelope): Promise<Json> {
    const context = this.context(step.stateName, input);
    const waits = step.kind === 'task' && String(step.state.Resource).endsWith('.waitForTaskToken');
    if (waits && this.taskTokenPlaceholder) context.Task = { Token: this.taskTokenPlaceholder };
    const scope = new StateScope(step, input, context, this.waitScale);
    const output = await scope.run(this.tasks);
    return output as unknown as Json;
  }

  /** `$states.context` / `$$`: the execution's, with `State` for this entry and attempt. */
  private context(stateName: string, input: Envelope): Record<string, Json> {
    const attempt = this.attempts.get(input);
    const current = attempt
      ? { count: attempt.count + 1, entered: attempt.entered }
      : { count: 0, entered: new Date().toISOString() };
    this.attempts.set(input, current);
    return {
      ...(this.execution as unknown as Record<string, Json>),
      State: { Name: stateName, EnteredTime: current.entered, RetryCount: current.count },
    };
  }
}

/** One state's evaluation: the fields of its query language over its input, variables and context. */
class StateScope {
  private readonly value: Json;
  private readonly variables: Variables;

  constructor(
    private readonly step: Step,
    private readonly input: Envelope,
    private readonly context: Record<string, Json>,
    private readonly waitScale: number,
  ) {
    this.value = input.value;
    this.variables = input.variables;
  }

  private get jsonata(): boolean {
    return this.step.language === 'JSONata';
  }

  async run(tasks: Record<string, TaskHandler>): Promise<Envelope> {
    const { state } = this.step;
    switch (this.step.kind) {
      case 'task': {
        const args = await this.effectiveInput('Arguments');
        const handler = tasks[this.step.stateName];
        if (!handler) throw new StateFailure('States.Runtime', `No task handler for '${this.step.stateName}'`, false);
        return this.finish(await handler(args, await this.taskTiming()));
      }
      case 'pass': {
        if (this.jsonata) return this.finish(undefined);
        const effective = await this.effectiveInput('Arguments');
        return this.finish('Result' in state ? (state.Result as Json) : effective);
      }
      case 'succeed':
        return this.finish(undefined);
      case 'fail':
        throw await this.failure();
      case 'choice':
        return this.choose();
      case 'wait-enter': {
        const waitUntil = await this.waitUntil();
        const done = await this.finish(undefined);
        return {
          ...this.input,
          waitUntil,
          pending: { value: done.value, variables: done.variables, assigned: done.assigned ?? {} },
        };
      }
      case 'wait-exit': {
        const pending = this.input.pending ?? { value: this.value, variables: this.variables, assigned: {} };
        return envelope(pending.value, pending.variables, pending.assigned);
      }
      case 'fan-enter':
        return state.Type === 'Map'
          ? this.mapItems()
          : { ...this.input, branchInput: envelope(await this.effectiveInput('Arguments'), this.variables) };
      case 'fan-exit':
        return this.finish((this.input.result ?? []).map((item) => item.value));
      case 'catch':
        return this.caught();
    }
  }

  // ------------------------------------------------------------ input

  /** JSONata: `Arguments` (default: the input). JSONPath: `InputPath` then `Parameters`. */
  private async effectiveInput(field: 'Arguments'): Promise<Json> {
    const { state } = this.step;
    if (this.jsonata) {
      return state[field] === undefined ? this.value : this.evaluate(state[field], { input: this.value }, field);
    }
    return this.jsonPath({ Type: 'Pass', ...pick(state, ['InputPath', 'Parameters']) }, this.value);
  }

  /**
   * JSONata `TimeoutSeconds` / `HeartbeatSeconds` ("{% ... %}"), evaluated over the state's input
   * at entry as AWS does; each must come out a positive integer (at most 99999999).
   */
  private async taskTiming(): Promise<TaskTiming | undefined> {
    const { state } = this.step;
    const fields = [
      ['TimeoutSeconds', 'timeoutSeconds'],
      ['HeartbeatSeconds', 'heartbeatSeconds'],
    ] as const;
    const timing: TaskTiming = {};
    for (const [field, key] of fields) {
      if (!isTemplate(state[field])) continue;
      const seconds = await this.evaluate(state[field], { input: this.value }, field);
      if (!Number.isInteger(seconds) || (seconds as number) < 1 || (seconds as number) > 99_999_999)
        throw queryError(
          `The ${field} of state '${this.step.stateName}' must be a positive integer, got ${JSON.stringify(seconds)}.`,
        );
      timing[key] = seconds as number;
    }
    return Object.keys(timing).length > 0 ? timing : undefined;
  }

  // ------------------------------------------------------------ output and variables

  /**
   * JSONata: `Output` (default: the result, or the input where there is none) and `Assign`, both
   * over the values at state entry ("Evaluation order": an Assign is not visible in its own state).
   * JSONPath: `ResultSelector`, `Assign` over the selected result, `ResultPath`, `OutputPath`.
   */
  private async finish(result: Json | undefined): Promise<Envelope> {
    const { state } = this.step;
    if (this.jsonata) {
      const states: Partial<StatesBinding> = { input: this.value, ...(result === undefined ? {} : { result }) };
      const [output, assigned] = await Promise.all([
        state.Output === undefined
          ? result === undefined
            ? this.value
            : result
          : this.evaluate(state.Output, states, 'Output'),
        this.assign(state.Assign, states),
      ]);
      return this.scoped(output, assigned);
    }
    if (result === undefined) {
      // Succeed, Wait: InputPath then OutputPath; Assign sees the effective input.
      const effective = await this.jsonPath({ Type: 'Pass', ...pick(state, ['InputPath']) }, this.value);
      const assigned = await this.assign(state.Assign, {}, effective);
      return this.scoped(await this.jsonPath({ Type: 'Pass', ...pick(state, ['OutputPath']) }, effective), assigned);
    }
    const selected =
      state.ResultSelector === undefined
        ? result
        : await this.jsonPath({ Type: 'Pass', Parameters: state.ResultSelector }, result);
    const assigned = await this.assign(state.Assign, {}, selected);
    const placed = applyResultPath(this.value, state.ResultPath as string | null | undefined, selected);
    return this.scoped(await this.jsonPath({ Type: 'Pass', ...pick(state, ['OutputPath']) }, placed), assigned);
  }

  /** Evaluates an `Assign` block: JSONata templates, or JSONPath `name.$` paths over `$` = `jsonPathInput`. */
  private async assign(block: unknown, states: Partial<StatesBinding>, jsonPathInput?: Json): Promise<Variables> {
    if (block === undefined) return {};
    if (this.jsonata) return (await this.evaluate(block, states, 'Assign')) as Variables;
    const values = (await this.jsonPath({ Type: 'Pass', Parameters: block }, jsonPathInput ?? null)) as Variables;
    return values;
  }

  private scoped(output: Json, assigned: Variables): Envelope {
    return envelope(output, assignVariables(this.variables, assigned, this.step.stateName), assigned);
  }

  // ------------------------------------------------------------ per state type

  /** Choice: the first rule whose `Condition` is true (JSONata) or whose comparison holds (JSONPath). */
  private async choose(): Promise<Envelope> {
    const { state } = this.step;
    const rules = state.Choices as ChoiceRule[];
    let matched: ChoiceRule | undefined;
    let choiceInput = this.value;
    if (this.jsonata) {
      for (const [i, rule] of rules.entries()) {
        const holds = await this.evaluate(rule.Condition, { input: this.value }, `Choices[${i}]/Condition`);
        if (typeof holds !== 'boolean') {
          throw queryError(
            `The Condition of Choices[${i}] in state '${this.step.stateName}' returned ${JSON.stringify(holds)}, not a boolean.`,
          );
        }
        if (holds) {
          matched = rule;
          break;
        }
      }
    } else {
      // The interpreter decides, on a copy of the Choice whose rules lead to numbered Pass states.
      const probe = await runOneState(
        {
          Type: 'Choice',
          ...pick(state, ['InputPath']),
          Choices: rules.map(({ Next: _next, Assign: _assign, Output: _output, ...rule }, i) => ({
            ...rule,
            Next: `R${i}`,
          })),
          ...(state.Default ? { Default: 'D' } : {}),
        },
        {
          ...Object.fromEntries(
            rules.map((_rule, i) => [`R${i}`, { Type: 'Pass', Parameters: { 'value.$': '$', index: i }, End: true }]),
          ),
          D: { Type: 'Pass', Parameters: { 'value.$': '$', index: -1 }, End: true },
        },
        this.value,
        this.jsonPathContext(),
      );
      const { value, index } = probe as { value: Json; index: number };
      choiceInput = value;
      matched = rules[index];
    }
    const next = matched?.Next ?? (state.Default as string | undefined);
    if (next === undefined) {
      throw new StateFailure(
        'States.NoChoiceMatched',
        `No Choice rule matched in state '${this.step.stateName}' and it has no Default.`,
      );
    }
    const source = matched ?? state;
    if (this.jsonata) {
      const states = { input: this.value };
      const [output, assigned] = await Promise.all([
        source.Output === undefined ? this.value : this.evaluate(source.Output, states, 'Output'),
        this.assign(source.Assign, states),
      ]);
      return { ...this.scoped(output, assigned), next };
    }
    const assigned = await this.assign(source.Assign, {}, choiceInput);
    const output = await this.jsonPath({ Type: 'Pass', ...pick(state, ['OutputPath']) }, choiceInput);
    return { ...this.scoped(output, assigned), next };
  }

  private async failure(): Promise<StateFailure> {
    const { state } = this.step;
    const field = async (name: 'Error' | 'Cause'): Promise<string | undefined> => {
      if (this.jsonata || !(`${name}Path` in state)) {
        const value =
          state[name] === undefined ? undefined : await this.evaluate(state[name], { input: this.value }, name);
        if (value !== undefined && typeof value !== 'string') throw queryError(`The field '${name}' must be a string.`);
        return value;
      }
      const value = await this.jsonPath({ Type: 'Pass', InputPath: state[`${name}Path`] }, this.value);
      if (typeof value !== 'string')
        throw new StateFailure('States.Runtime', `${name}Path must point to a string`, false);
      return value;
    };
    const [error, cause] = await Promise.all([field('Error'), field('Cause')]);
    return new StateFailure(error ?? 'States.Fail', cause ?? '');
  }

  private async waitUntil(): Promise<string> {
    const { state } = this.step;
    let seconds: Json | undefined;
    let timestamp: Json | undefined;
    if (state.Seconds !== undefined) {
      seconds = isTemplate(state.Seconds)
        ? await this.evaluate(state.Seconds, { input: this.value }, 'Seconds')
        : (state.Seconds as Json);
      // Literal Seconds were scaled in definition.ts already.
      if (isTemplate(state.Seconds) && typeof seconds === 'number') seconds *= this.waitScale;
    } else if (state.Timestamp !== undefined) {
      timestamp = isTemplate(state.Timestamp)
        ? await this.evaluate(state.Timestamp, { input: this.value }, 'Timestamp')
        : (state.Timestamp as Json);
    } else if (state.SecondsPath !== undefined) {
      seconds = await this.jsonPath({ Type: 'Pass', InputPath: state.SecondsPath }, this.value);
      if (typeof seconds === 'number') seconds *= this.waitScale;
    } else if (state.TimestampPath !== undefined) {
      timestamp = await this.jsonPath({ Type: 'Pass', InputPath: state.TimestampPath }, this.value);
    }
    if (seconds !== undefined) {
      if (typeof seconds !== 'number' || seconds < 0)
        throw queryError(`The field 'Seconds' must be a non-negative number.`);
      return new Date(Date.now() + seconds * 1000).toISOString();
    }
    if (typeof timestamp !== 'string' || Number.isNaN(Date.parse(timestamp))) {
      throw queryError(`The field 'Timestamp' must be an ISO-8601 timestamp.`);
    }
    return new Date(timestamp).toISOString();
  }

  /** Map: `Items` / `ItemsPath`, then each item through `ItemSelector`, each iteration with its own scope. */
  private async mapItems(): Promise<Envelope> {
    const { state } = this.step;
    let items: Json;
    // JSONPath: ItemsPath and ItemSelector apply to the input after InputPath.
    const input = this.jsonata
      ? this.value
      : await this.jsonPath({ Type: 'Pass', ...pick(state, ['InputPath']) }, this.value);
    if (this.jsonata) {
      items = state.Items === undefined ? input : await this.evaluate(state.Items, { input }, 'Items');
    } else {
      items = await this.jsonPath({ Type: 'Pass', InputPath: state.ItemsPath ?? '$' }, input);
    }
    if (!Array.isArray(items)) {
      throw queryError(
        `The Items of Map state '${this.step.stateName}' must be a JSON array, got ${JSON.stringify(items)}.`,
      );
    }
    const selector = state.ItemSelector ?? state.Parameters;
    const selected = await Promise.all(
      items.map(async (item, index) => {
        if (selector === undefined) return item;
        const context = { ...this.context, Map: { Item: { Index: index, Value: item } } };
        if (this.jsonata) return this.evaluate(selector, { input, context }, 'ItemSelector');
        return this.jsonPath({ Type: 'Pass', Parameters: selector }, input, context);
      }),
    );
    let maxConcurrency: Json = (state.MaxConcurrency as Json | undefined) ?? 0;
    if (isTemplate(state.MaxConcurrency)) {
      maxConcurrency = await this.evaluate(state.MaxConcurrency, { input: this.value }, 'MaxConcurrency');
    } else if (state.MaxConcurrencyPath !== undefined) {
      maxConcurrency = await this.jsonPath({ Type: 'Pass', InputPath: state.MaxConcurrencyPath }, this.value);
    }
    if (!Number.isInteger(maxConcurrency) || (maxConcurrency as number) < 0) {
      throw queryError(`The MaxConcurrency of Map state '${this.step.stateName}' must be a non-negative integer.`);
    }
    return {
      ...this.input,
      items: selected.map((item) => envelope(item, this.variables)),
      maxConcurrency: maxConcurrency as number,
    };
  }

  /** A catcher's output: `$states.errorOutput` through its `Output` / `Assign`, or JSONPath `ResultPath`. */
  private async caught(): Promise<Envelope> {
    const catcher = this.step.catcher as Catcher;
    const errorOutput = this.input.errorOutput ?? null;
    if (this.jsonata) {
      const states = { input: this.value, errorOutput };
      const [output, assigned] = await Promise.all([
        catcher.Output === undefined ? errorOutput : this.evaluate(catcher.Output, states, 'Output'),
        this.assign(catcher.Assign, states),
      ]);
      return this.scoped(output, assigned);
    }
    const assigned = await this.assign(catcher.Assign, {}, errorOutput);
    return this.scoped(applyResultPath(this.value, catcher.ResultPath, errorOutput), assigned);
  }

  // ------------------------------------------------------------ evaluation

  /** Evaluates a JSONata field; an error names the state first, as AWS's cause does. */
  private async evaluate(template: unknown, states: Partial<StatesBinding>, location: string): Promise<Json> {
    try {
      return await evaluateField(template, { context: this.context, ...states }, this.variables, location);
    } catch (error) {
      if (!(error instanceof StateFailure)) throw error;
      throw queryError(`An error occurred while executing the state '${this.step.stateName}'. ${error.message}`);
    }
  }

  /** Runs a one-state JSONPath machine of the interpreter, with variables reachable as `$name`. */
  private jsonPath(
    state: Record<string, unknown>,
    input: Json,
    context: Record<string, Json> = this.context,
  ): Promise<Json> {
    return runOneState(state, {}, input, this.jsonPathContext(context));
  }

  private jsonPathContext(context: Record<string, Json> = this.context): Record<string, Json> {
    return { [CONTEXT_KEY]: context, [VARIABLES_KEY]: this.variables };
  }
}

const CONTEXT_KEY = '__context';
const VARIABLES_KEY = '__variables';

/**
 * JSONPath references to variables (`$orderId.total`) and to the context object (`$$.State`) become
 * paths into the context the one-state machine gets, `$$.__variables.orderId.total` and
 * `$$.__context.State`, so the interpreter's own JSONPath and intrinsic functions evaluate them.
 */
function rewritePaths(value: unknown, isPath = false): unknown {
  if (typeof value === 'string') {
    if (!isPath) return value;
    return value
      .replace(/\$\$/g, () => `$$.${CONTEXT_KEY}`)
      .replace(/(?<![\w$])\$(?=[\p{ID_Start}_])/gu, () => `$$.${VARIABLES_KEY}.`);
  }
  if (Array.isArray(value)) return value.map((item) => rewritePaths(item, isPath));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        rewritePaths(item, key.endsWith('.$') || key.endsWith('Path') || key === 'Variable'),
      ]),
    );
  }
  return value;
}

async function runOneState(
  state: Record<string, unknown>,
  others: Record<string, unknown>,
  input: Json,
  context: Record<string, Json>,
): Promise<Json> {
  const single = state.Type === 'Choice' ? state : { ...state, End: true };
  const definition = rewritePaths({ StartAt: 'S', States: { S: single, ...others } });
  const machine = new StateMachine(definition as never, { validationOptions: { noValidate: true } });
  try {
    return (await machine.run(input as never, { context: context as never }).result) as Json;
  } catch (error) {
    // The interpreter wraps the state's error (States.Runtime, ...) in an ExecutionError.
    throw (error as Error).cause ?? error;
  }
}

/** JSONPath `ResultPath`: null keeps the input, `$` (or absent) is the result, `$.a.b` places it. */
function applyResultPath(input: Json, path: string | null | undefined, result: Json): Json {
  if (path === null) return input;
  if (path === undefined || path === '$') return result;
  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    throw new StateFailure(
      'States.ResultPathMatchFailure',
      `Unable to apply ResultPath '${path}' to a non-object input`,
    );
  }
  const keys = path.replace(/^\$\.?/, '').split('.');
  const root: Record<string, Json> = structuredClone(input);
  let node = root;
  for (const key of keys.slice(0, -1)) {
    const child = node[key];
    node[key] = child && typeof child === 'object' && !Array.isArray(child) ? child : {};
    node = node[key] as Record<string, Json>;
  }
  node[keys.at(-1) as string] = result;
  return root;
}
