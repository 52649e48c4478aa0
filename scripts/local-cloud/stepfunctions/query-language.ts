/**
 * The two query languages of Amazon States Language as AWS evaluates them, on the official `jsonata`
 * package: `{% %}` templates with the reserved `$states` variable and workflow variables, AWS's extra
 * JSONata functions, the `States.QueryEvaluationError` it raises, and the rules and size limits of
 * workflow variables (AWS docs: "Transforming data with JSONata in Step Functions", "Passing data
 * between states with variables"). The state-by-state semantics live in query-layer.ts.
 */
import { createHash, randomUUID } from 'node:crypto';
import jsonata from 'jsonata';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Variables = Record<string, Json>;

/** `$states`: what a JSONata expression of a state may read (which fields exist depends on the field). */
export interface StatesBinding {
  input?: Json;
  result?: Json;
  errorOutput?: Json;
  context: Json;
}

export const QUERY_EVALUATION_ERROR = 'States.QueryEvaluationError';

/**
 * A state failure raised by the query layer, shaped as the interpreter expects of a state error:
 * Retry / Catch match `name`, the Catch output's `Cause` is `message`.
 */
export class StateFailure extends Error {
  readonly isRetryable: boolean;
  readonly isCatchable: boolean;
  constructor(error: string, cause: string, recoverable = true) {
    super(cause);
    this.name = error;
    this.isRetryable = recoverable;
    this.isCatchable = recoverable;
  }
}

/** "Variable size limits": one variable, and all variables of one `Assign`, at most 256 KiB each. */
export const MAX_VARIABLE_BYTES = 256 * 1024;
/** "Variable size limits": all the variables an execution stores, at most 10 MiB. */
export const MAX_STORED_VARIABLES_BYTES = 10 * 1024 * 1024;
/** "Variable name syntax": at most 80 characters, a Unicode identifier (letters, digits, `_`). */
const VARIABLE_NAME = /^[\p{ID_Start}_][\p{ID_Continue}]{0,79}$/u;

const TEMPLATE = /^\{%([\s\S]*)%\}$/;

export function isTemplate(value: unknown): value is string {
  return typeof value === 'string' && TEMPLATE.test(value);
}

/** True when a JSON value holds a `{% %}` template anywhere. */
export function holdsTemplate(value: unknown): boolean {
  if (isTemplate(value)) return true;
  if (Array.isArray(value)) return value.some(holdsTemplate);
  if (value && typeof value === 'object') return Object.values(value).some(holdsTemplate);
  return false;
}

/** Why a variable name is refused at CreateStateMachine, or undefined when it is fine. */
export function invalidVariableName(name: string): string | undefined {
  if (name === 'states') return `'states' is a reserved variable name`;
  if (!VARIABLE_NAME.test(name)) {
    return `'${name}' is not a valid variable name (a letter or '_' then letters, digits or '_', 80 at most)`;
  }
  return undefined;
}

/**
 * Parses every template of a field at create time, so a syntax error is an InvalidDefinition then,
 * as on AWS, rather than a failure mid-execution.
 */
export function assertTemplatesParse(value: unknown, location: string): void {
  if (isTemplate(value)) {
    try {
      compile(value);
    } catch (error) {
      throw new Error(`${location}: the JSONata expression '${value}' is invalid: ${(error as Error).message}`);
    }
  } else if (Array.isArray(value)) value.forEach((item, i) => assertTemplatesParse(item, `${location}[${i}]`));
  else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) assertTemplatesParse(item, `${location}/${key}`);
  }
}

const compiled = new Map<string, jsonata.Expression>();

function compile(template: string): jsonata.Expression {
  let expression = compiled.get(template);
  if (!expression) {
    expression = jsonata((TEMPLATE.exec(template)?.[1] ?? '').trim());
    registerStepFunctionsFunctions(expression);
    compiled.set(template, expression);
  }
  return expression;
}

/**
 * "JSONata functions provided by Step Functions", next to the JSONata built-ins; `$eval` is not
 * available on AWS, so it is unbound here too.
 */
function registerStepFunctionsFunctions(expression: jsonata.Expression): void {
  expression.registerFunction(
    'partition',
    (array: Json[], size: number) => {
      if (!Array.isArray(array) || !Number.isInteger(size) || size < 1)
        throw new Error('$partition needs an array and a positive integer size');
      const chunks: Json[][] = [];
      for (let i = 0; i < array.length; i += size) chunks.push(array.slice(i, i + size));
      return chunks;
    },
    '<an:a>',
  );
  expression.registerFunction(
    'range',
    (start: number, end: number, step = 1) => {
      if (step === 0) throw new Error('$range step must not be 0');
      const values: number[] = [];
      for (let n = start; step > 0 ? n <= end : n >= end; n += step) values.push(n);
      return values;
    },
    '<nnn?:a>',
  );
  expression.registerFunction(
    'hash',
    (data: string, algorithm: string) => {
      const algorithms: Record<string, string> = {
        MD5: 'md5',
        'SHA-1': 'sha1',
        'SHA-256': 'sha256',
        'SHA-384': 'sha384',
        'SHA-512': 'sha512',
      };
      const name = algorithms[algorithm];
      if (!name) throw new Error(`$hash algorithm must be one of ${Object.keys(algorithms).join(', ')}`);
      return createHash(name).update(data).digest('hex');
    },
    '<ss:s>',
  );
  expression.registerFunction('random', () => Math.random(), '<n?:n>');
  expression.registerFunction('uuid', () => randomUUID(), '<:s>');
  expression.registerFunction('parse', (text: string) => JSON.parse(text) as Json, '<s:x>');
  expression.assign('eval', undefined);
}

/**
 * Evaluates a field's value: a `{% %}` string is an expression, an object or array is walked (keys
 * are never evaluated), anything else is a literal. `location` names the field in errors, as the
 * `EvaluationFailed` history event of AWS does (`Arguments/orderId`).
 */
export async function evaluateField(
  value: unknown,
  states: StatesBinding,
  variables: Variables,
  location: string,
): Promise<Json> {
  if (isTemplate(value)) return evaluateExpression(value, states, variables, location);
  if (Array.isArray(value)) {
    return Promise.all(value.map((item, i) => evaluateField(item, states, variables, `${location}[${i}]`)));
  }
  if (value && typeof value === 'object') {
    const entries = await Promise.all(
      Object.entries(value).map(
        async ([key, item]) => [key, await evaluateField(item, states, variables, `${location}/${key}`)] as const,
      ),
    );
    return Object.fromEntries(entries);
  }
  return value as Json;
}

async function evaluateExpression(
  template: string,
  states: StatesBinding,
  variables: Variables,
  location: string,
): Promise<Json> {
  const source = (TEMPLATE.exec(template)?.[1] ?? '').trim();
  let result: unknown;
  try {
    result = await compile(template).evaluate(undefined, { ...variables, states });
  } catch (error) {
    throw queryError(
      `An error occurred while evaluating the JSONata expression '${source}' specified for the field '${location}': ${(error as Error).message}`,
    );
  }
  if (result === undefined) {
    throw queryError(
      `The JSONata expression '${source}' specified for the field '${location}' returned nothing (undefined).`,
    );
  }
  if (typeof result === 'function') {
    throw queryError(
      `The JSONata expression '${source}' specified for the field '${location}' returned a function, which is not JSON.`,
    );
  }
  // JSONata marks sequences with extra properties; a JSON round trip leaves plain JSON.
  return JSON.parse(JSON.stringify(result)) as Json;
}

export function queryError(cause: string): StateFailure {
  return new StateFailure(QUERY_EVALUATION_ERROR, cause);
}

/** The JSON size AWS counts for payload limits: UTF-8 bytes of the serialised value. */
export function jsonBytes(value: Json): number {
  return Buffer.byteLength(JSON.stringify(value));
}

/** Applies the "Variable size limits" to the values one `Assign` produced, then returns the new scope. */
export function assignVariables(current: Variables, assigned: Variables, stateName: string): Variables {
  let total = 0;
  for (const [name, value] of Object.entries(assigned)) {
    const bytes = jsonBytes(value);
    total += bytes;
    if (bytes > MAX_VARIABLE_BYTES) {
      throw queryError(
        `The variable '${name}' assigned in state '${stateName}' is ${bytes} bytes, over the ${MAX_VARIABLE_BYTES}-byte limit of one variable.`,
      );
    }
  }
  if (total > MAX_VARIABLE_BYTES) {
    throw queryError(
      `The variables assigned in state '${stateName}' total ${total} bytes, over the ${MAX_VARIABLE_BYTES}-byte limit of one Assign.`,
    );
  }
  const next = { ...current, ...assigned };
  const stored = jsonBytes(next);
  if (stored > MAX_STORED_VARIABLES_BYTES) {
    throw queryError(
      `The variables of this execution would total ${stored} bytes after state '${stateName}', over the ${MAX_STORED_VARIABLES_BYTES}-byte limit.`,
    );
  }
  return next;
}
