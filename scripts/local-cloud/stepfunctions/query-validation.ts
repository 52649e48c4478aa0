/**
 * The query-language rules AWS applies at CreateStateMachine / ValidateStateMachineDefinition that
 * asl-validator (the interpreter's validator) does not: which fields each query language allows,
 * how `QueryLanguage` may be set, JSONata expressions that read nothing AWS provides, and variable
 * names. Messages are AWS's diagnostics where they are known (measured with
 * `aws stepfunctions validate-state-machine-definition`).
 */
import jsonata from 'jsonata';
import { invalidVariableName, isTemplate } from './query-language.ts';

export interface QueryLanguageDiagnostic {
  code: 'SCHEMA_VALIDATION_FAILED' | 'UNSUPPORTED_JSONATA_EXPRESSION' | 'INVALID_JSONATA_EXPRESSION';
  message: string;
  /** JSON pointer into the definition, as AWS reports it (`/States/Charge/Output`). */
  location: string;
}

type Language = 'JSONata' | 'JSONPath';
type Node = Record<string, unknown>;

/** "Transforming data with JSONata": the fields JSONata replaces, refused in a JSONata state. */
const JSONPATH_ONLY = [
  'InputPath',
  'Parameters',
  'ResultSelector',
  'ResultPath',
  'OutputPath',
  'ItemsPath',
  'TimeoutSecondsPath',
  'HeartbeatSecondsPath',
  'SecondsPath',
  'TimestampPath',
  'ErrorPath',
  'CausePath',
  'MaxConcurrencyPath',
];
const JSONATA_ONLY = ['Arguments', 'Output', 'Items'];
/** Where `$states.errorOutput` exists: a catcher's Output and Assign. */
const CATCHER_FIELD = /^\/(?:.*\/)?Catch\/\d+\/(Output|Assign)(\/|$)/;

/** Every problem found, in definition order; an empty list means the definition is fine. */
export function diagnoseQueryLanguage(definition: Node): QueryLanguageDiagnostic[] {
  const diagnostics: QueryLanguageDiagnostic[] = [];
  if (!isObject(definition)) return diagnostics;
  const top: Language = definition.QueryLanguage === 'JSONata' ? 'JSONata' : 'JSONPath';
  const visit = (machine: Node, at: string) => {
    const states = isObject(machine.States) ? (machine.States as Record<string, unknown>) : {};
    for (const [name, state] of Object.entries(states)) {
      // Malformed states are asl-validator's to report.
      if (!isObject(state)) continue;
      const location = `${at}/States/${name}`;
      if (top === 'JSONata' && state.QueryLanguage === 'JSONPath') {
        diagnostics.push({
          code: 'SCHEMA_VALIDATION_FAILED',
          message: `'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine`,
          location,
        });
      }
      const language: Language = state.QueryLanguage === 'JSONata' || top === 'JSONata' ? 'JSONata' : 'JSONPath';
      diagnostics.push(...fieldProblems(state, language, location));
      diagnostics.push(...variableProblems(state, language, location));
      if (language === 'JSONata') diagnostics.push(...expressionProblems(state, location));
      for (const [field, processor] of [
        ['ItemProcessor', state.ItemProcessor],
        ['Iterator', state.Iterator],
      ] as const) {
        if (!isObject(processor)) continue;
        if ((processor as Node).QueryLanguage !== undefined) {
          diagnostics.push({
            code: 'SCHEMA_VALIDATION_FAILED',
            message: `Field 'QueryLanguage' is not supported`,
            location: `${location}/${field}`,
          });
        }
        // Nested states inherit the machine's language, not the Map's.
        visit(processor as Node, `${location}/${field}`);
      }
      for (const [i, branch] of ((state.Branches ?? []) as Node[]).entries())
        visit(branch, `${location}/Branches/${i}`);
    }
  };
  visit(definition, '');
  return diagnostics;
}

/** AWS's message for the first problem, as CreateStateMachine's `InvalidDefinition` words it. */
export function describeDiagnostic(diagnostic: QueryLanguageDiagnostic): string {
  return `Invalid State Machine Definition: '${diagnostic.code}: ${diagnostic.message} at ${diagnostic.location}'`;
}

function fieldProblems(state: Node, language: Language, location: string): QueryLanguageDiagnostic[] {
  const other = language === 'JSONata' ? 'JSONPath' : 'JSONata';
  const refused = language === 'JSONata' ? JSONPATH_ONLY : JSONATA_ONLY;
  const fields = refused.filter((field) => field in state);
  const rules = Array.isArray(state.Choices) ? state.Choices : [];
  if (language === 'JSONPath' && rules.some((rule) => isObject(rule) && 'Condition' in rule)) {
    fields.push('Condition');
  }
  return fields.map((field) => ({
    code: 'SCHEMA_VALIDATION_FAILED',
    message: `The QueryLanguage is set to '${language}', but field '${field}' is only supported for the '${other}' QueryLanguage`,
    location,
  }));
}

/** "Variable name syntax": every `Assign` of the state, its catchers and its Choice rules. */
function variableProblems(state: Node, language: Language, location: string): QueryLanguageDiagnostic[] {
  const blocks: [string, unknown][] = [
    [`${location}/Assign`, state.Assign],
    ...listOf(state.Catch).map((c, i): [string, unknown] => [`${location}/Catch/${i}/Assign`, c.Assign]),
    ...listOf(state.Choices).map((r, i): [string, unknown] => [`${location}/Choices/${i}/Assign`, r.Assign]),
  ];
  const problems: QueryLanguageDiagnostic[] = [];
  for (const [at, block] of blocks) {
    if (block === undefined) continue;
    if (typeof block !== 'object' || block === null || Array.isArray(block)) {
      problems.push({ code: 'SCHEMA_VALIDATION_FAILED', message: 'Assign must be a JSON object', location: at });
      continue;
    }
    for (const key of Object.keys(block)) {
      const name = language === 'JSONPath' && key.endsWith('.$') ? key.slice(0, -2) : key;
      const reason = invalidVariableName(name);
      if (reason) problems.push({ code: 'SCHEMA_VALIDATION_FAILED', message: reason, location: `${at}/${key}` });
    }
  }
  return problems;
}

/**
 * JSONata expressions are evaluated with no input document: a path that starts from a bare name
 * reads nothing, and AWS refuses it ("Reference to 'phone' at the top level is not supported").
 * `$states.errorOutput` exists only in a catcher's Output and Assign.
 */
function expressionProblems(state: Node, location: string): QueryLanguageDiagnostic[] {
  const problems: QueryLanguageDiagnostic[] = [];
  for (const [at, template] of templatesOf(state, location)) {
    const source = template.slice(2, -2).trim();
    let ast: unknown;
    try {
      ast = jsonata(source).ast();
    } catch (error) {
      problems.push({ code: 'INVALID_JSONATA_EXPRESSION', message: (error as Error).message, location: at });
      continue;
    }
    for (const name of topLevelNames(ast)) {
      problems.push({
        code: 'UNSUPPORTED_JSONATA_EXPRESSION',
        message: `Reference to '${name}' at the top level is not supported.`,
        location: at,
      });
    }
    if (/\$states\.errorOutput\b/.test(source) && !CATCHER_FIELD.test(at.slice(location.length))) {
      problems.push({
        code: 'UNSUPPORTED_JSONATA_EXPRESSION',
        message: `$states.errorOutput is only available in a Catch's Output and Assign.`,
        location: at,
      });
    }
  }
  return problems;
}

/** The `{% %}` strings of a state's own fields (not of its nested machines), with their locations. */
function* templatesOf(value: unknown, at: string): Generator<[string, string]> {
  if (isTemplate(value)) yield [at, value];
  else if (Array.isArray(value)) for (const [i, item] of value.entries()) yield* templatesOf(item, `${at}/${i}`);
  else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key === 'Branches' || key === 'ItemProcessor' || key === 'Iterator') continue;
      yield* templatesOf(item, `${at}/${key}`);
    }
  }
}

/** Names a JSONata AST reads from the (absent) input document: first steps of top-level paths. */
function topLevelNames(node: unknown, relative = false, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) {
    for (const item of node) topLevelNames(item, relative, found);
    return found;
  }
  if (!node || typeof node !== 'object') return found;
  const n = node as Node;
  if (n.type === 'name') {
    if (!relative) found.add(String(n.value));
    return found;
  }
  if (n.type === 'path') {
    for (const [i, step] of ((n.steps ?? []) as Node[]).entries()) {
      // Steps after the first, and every filter, read relative to the step before them.
      topLevelNames(
        i === 0 ? { ...step, stages: undefined, predicate: undefined, group: undefined } : step,
        relative || i > 0,
        found,
      );
      topLevelNames([step.stages, step.predicate, step.group], true, found);
    }
    topLevelNames(n.group, true, found);
    return found;
  }
  for (const [key, child] of Object.entries(n)) {
    if (key === 'position' || key === 'value' || key === 'type') continue;
    const inFilter = key === 'stages' || key === 'predicate' || key === 'group' || key === 'terms';
    topLevelNames(child, relative || inFilter, found);
  }
  return found;
}

function isObject(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function listOf(value: unknown): Node[] {
  return Array.isArray(value) ? value.map((item) => (isObject(item) ? item : {})) : [];
}
