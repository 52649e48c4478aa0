/**
 * EventBridge content filtering, as the AWS user guide specifies it ("Amazon EventBridge event
 * patterns", "Comparison operators for use in event patterns") and as AWS's own engine
 * (aws/event-ruler) behaves where the guide is silent:
 * - values are compared with their JSON type: the number 5 never matches the string "5";
 * - an array in the event matches when any of its elements matches;
 * - a sub-pattern over an array of objects must match within one element (event-ruler's "array
 *   consistency"), so fields of different elements are never combined;
 * - `exists` looks at leaf values only: an object is an intermediate node, so `exists: true`
 *   fails on it and `exists: false` holds there, as it does for an empty array;
 * - `anything-but` needs the field to be present, then holds when the value does not match the
 *   excluded value(s) or operator.
 */
import { isInCidr, parseCidr } from './ip-address.ts';

/** A validated event pattern: field names mapped to nested patterns or to lists of matchers. */
export type EventPattern = Record<string, unknown>;

/** Thrown for a malformed pattern; the name is the AWS error code the API answers with. */
export class InvalidEventPatternException extends Error {
  constructor(reason: string, path?: string) {
    super(`Event pattern is not valid. Reason: ${reason}${path ? ` (at "${path}")` : ''}`);
    this.name = 'InvalidEventPatternException';
  }
}

/** AWS limits numeric matching to operands between -5.0e9 and +5.0e9 inclusive. */
const NUMERIC_LIMIT = 5e9;

type Comparator = (value: number, bound: number) => boolean;
const comparators: Record<string, Comparator> = {
  '<': (value, bound) => value < bound,
  '<=': (value, bound) => value <= bound,
  '=': (value, bound) => value === bound,
  '>=': (value, bound) => value >= bound,
  '>': (value, bound) => value > bound,
};
const LOWER_BOUNDS = new Set(['>', '>=']);
const UPPER_BOUNDS = new Set(['<', '<=']);

/** Parses a pattern given as JSON text (as PutRule receives it) or as an object, and validates it. */
export function parseEventPattern(source: string | object): EventPattern {
  let pattern: unknown = source;
  if (typeof source === 'string') {
    try {
      pattern = JSON.parse(source);
    } catch (error) {
      throw new InvalidEventPatternException(`not valid JSON: ${(error as Error).message}`);
    }
  }
  validateEventPattern(pattern);
  return pattern;
}

/** Throws {@link InvalidEventPatternException} unless `pattern` is a well-formed event pattern. */
export function validateEventPattern(pattern: unknown): asserts pattern is EventPattern {
  if (!isObject(pattern)) throw new InvalidEventPatternException('Filter is not an object');
  validateFields(pattern, '');
}

/**
 * True when `event` matches `pattern`; throws {@link InvalidEventPatternException} for a malformed
 * pattern, so a bad pattern never silently matches nothing.
 * @example matchesEventPattern({ source: ['shop'] }, { source: 'shop', detail: {} }) // true
 */
export function matchesEventPattern(pattern: unknown, event: unknown): boolean {
  validateEventPattern(pattern);
  return matchFields(pattern, event);
}

// ---------------------------------------------------------------- validation

function validateFields(pattern: EventPattern, path: string): void {
  for (const [key, value] of Object.entries(pattern)) {
    const at = path ? `${path}.${key}` : key;
    if (key === '$or') validateOr(value, path);
    else if (Array.isArray(value)) validateMatchList(value, at);
    else if (isObject(value)) validateFields(value, at);
    else throw new InvalidEventPatternException('a field must be an object or an array', at);
  }
}

function validateOr(alternatives: unknown, path: string): void {
  if (!Array.isArray(alternatives) || alternatives.length < 2 || !alternatives.every(isObject)) {
    throw new InvalidEventPatternException('"$or" must be an array of at least two objects', path || '$or');
  }
  for (const alternative of alternatives) validateFields(alternative, path);
}

function validateMatchList(matchers: unknown[], at: string): void {
  if (matchers.length === 0) throw new InvalidEventPatternException('Empty arrays are not allowed', at);
  for (const matcher of matchers) validateMatcher(matcher, at);
}

function validateMatcher(matcher: unknown, at: string): void {
  if (isScalar(matcher)) return;
  if (!isObject(matcher)) {
    throw new InvalidEventPatternException('Match value must be String, number, true, false, or null', at);
  }
  const [operator, argument] = onlyEntry(matcher, at);
  const validate = lookup(operatorValidators, operator);
  if (!validate) throw new InvalidEventPatternException(`Unrecognized match type ${operator}`, at);
  validate(argument, at);
}

type Validator = (argument: unknown, at: string) => void;

const operatorValidators: Record<string, Validator> = {
  prefix: (argument, at) => validateAffix('prefix', argument, at),
  suffix: (argument, at) => validateAffix('suffix', argument, at),
  'equals-ignore-case': (argument, at) => requireString('equals-ignore-case', argument, at),
  wildcard: (argument, at) => validateWildcard(argument, at),
  'anything-but': (argument, at) => validateAnythingBut(argument, at),
  numeric: (argument, at) => validateNumeric(argument, at),
  cidr: (argument, at) => {
    requireString('cidr', argument, at);
    if (!parseCidr(argument)) throw new InvalidEventPatternException(`Malformed CIDR: ${argument}`, at);
  },
  exists: (argument, at) => {
    if (typeof argument !== 'boolean') {
      throw new InvalidEventPatternException('exists match pattern must be either true or false', at);
    }
  },
};

function validateAffix(operator: string, argument: unknown, at: string): void {
  if (typeof argument === 'string') return;
  if (isObject(argument)) {
    const [inner, value] = onlyEntry(argument, at);
    if (inner === 'equals-ignore-case') return requireString(`${operator} equals-ignore-case`, value, at);
  }
  throw new InvalidEventPatternException(
    `${operator} match pattern must be a string or an equals-ignore-case object`,
    at,
  );
}

function requireString(operator: string, argument: unknown, at: string): asserts argument is string {
  if (typeof argument !== 'string') {
    throw new InvalidEventPatternException(`${operator} match pattern must be a string`, at);
  }
}

/** `*` matches any run of characters; `\*` and `\\` are a literal star and backslash. */
function validateWildcard(argument: unknown, at: string): void {
  requireString('wildcard', argument, at);
  for (let i = 0; i < argument.length; i++) {
    const next = argument[i + 1];
    if (argument[i] === '\\') {
      if (next !== '*' && next !== '\\')
        throw new InvalidEventPatternException(`Invalid escape character at pos ${i + 1}`, at);
      i++;
    } else if (argument[i] === '*' && next === '*') {
      throw new InvalidEventPatternException(`Consecutive wildcard characters at pos ${i + 1}`, at);
    }
  }
}

/** Forms AWS accepts inside `anything-but`, beside a value or a list of values. */
const anythingButOperators: Record<string, { list: boolean; validate: Validator }> = {
  prefix: { list: false, validate: (argument, at) => requireString('anything-but prefix', argument, at) },
  suffix: { list: false, validate: (argument, at) => requireString('anything-but suffix', argument, at) },
  'equals-ignore-case': {
    list: true,
    validate: (argument, at) => requireString('anything-but equals-ignore-case', argument, at),
  },
  wildcard: { list: true, validate: validateWildcard },
};

function validateAnythingBut(argument: unknown, at: string): void {
  if (typeof argument === 'string' || typeof argument === 'number') return;
  if (Array.isArray(argument)) return validateExcludedValues(argument, at);
  if (!isObject(argument)) {
    throw new InvalidEventPatternException(
      'Value of anything-but must be an array, an object or a single string/number value',
      at,
    );
  }
  const [operator, inner] = onlyEntry(argument, at);
  const form = lookup(anythingButOperators, operator);
  if (!form) throw new InvalidEventPatternException(`Unsupported anything-but pattern: ${operator}`, at);
  if (form.list && Array.isArray(inner)) {
    if (inner.length === 0) throw new InvalidEventPatternException('Empty arrays are not allowed', at);
    for (const value of inner) form.validate(value, at);
  } else {
    form.validate(inner, at);
  }
}

function validateExcludedValues(values: unknown[], at: string): void {
  if (values.length === 0) throw new InvalidEventPatternException('Empty arrays are not allowed', at);
  const allStrings = values.every((value) => typeof value === 'string');
  const allNumbers = values.every((value) => typeof value === 'number');
  if (!allStrings && !allNumbers) {
    throw new InvalidEventPatternException('Inside anything-but list, only all strings or all numbers are allowed', at);
  }
}

/** `[op, n]` or a range `[lowerOp, n, upperOp, m]` with n < m, operands within the AWS limit. */
function validateNumeric(argument: unknown, at: string): void {
  if (!Array.isArray(argument) || (argument.length !== 2 && argument.length !== 4)) {
    throw new InvalidEventPatternException('Value of numeric must be an array of one comparison or a range of two', at);
  }
  const comparisons = toComparisons(argument);
  for (const [operator, bound] of comparisons) {
    if (!lookup(comparators, operator))
      throw new InvalidEventPatternException(`Unrecognized numeric range operator: ${operator}`, at);
    if (typeof bound !== 'number')
      throw new InvalidEventPatternException('Value of numeric range must be a number', at);
    if (Math.abs(bound) > NUMERIC_LIMIT) {
      throw new InvalidEventPatternException(
        `Value of numeric range must be between -${NUMERIC_LIMIT} and ${NUMERIC_LIMIT}`,
        at,
      );
    }
  }
  if (comparisons.length === 2) validateRange(comparisons, at);
}

function validateRange(comparisons: Array<[unknown, unknown]>, at: string): void {
  const lower = comparisons.find(([operator]) => LOWER_BOUNDS.has(operator as string));
  const upper = comparisons.find(([operator]) => UPPER_BOUNDS.has(operator as string));
  if (!lower || !upper) {
    throw new InvalidEventPatternException(
      'A numeric range needs one lower bound (>, >=) and one upper bound (<, <=)',
      at,
    );
  }
  if ((lower[1] as number) >= (upper[1] as number)) {
    throw new InvalidEventPatternException('Bottom must be less than top', at);
  }
}

// ---------------------------------------------------------------- matching

function matchFields(pattern: EventPattern, node: unknown): boolean {
  return Object.entries(pattern).every(([key, value]) => {
    if (key === '$or') return (value as EventPattern[]).some((alternative) => matchFields(alternative, node));
    const child = isObject(node) ? node[key] : undefined;
    return Array.isArray(value) ? matchLeaf(value, child) : matchNested(value as EventPattern, child);
  });
}

/** Array consistency: one element has to match the whole sub-pattern on its own. */
function matchNested(pattern: EventPattern, child: unknown): boolean {
  const elements = Array.isArray(child) ? child.flat(Infinity) : [child];
  if (elements.length === 0) return matchFields(pattern, undefined);
  return elements.some((element) => matchFields(pattern, element));
}

function matchLeaf(matchers: unknown[], value: unknown): boolean {
  const leaves = leafValues(value);
  return matchers.some((matcher) => {
    if (isObject(matcher) && 'exists' in matcher) return matcher.exists === leaves.length > 0;
    return leaves.some((leaf) => matchValue(matcher, leaf));
  });
}

/** The leaf values at a field: arrays are flattened; an object is an intermediate node, not a leaf. */
function leafValues(value: unknown): unknown[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap(leafValues);
  return isObject(value) ? [] : [value];
}

/** Strict equality for exact values is the type rule: 5 !== '5', and null matches only null. */
function matchValue(matcher: unknown, value: unknown): boolean {
  if (!isObject(matcher)) return matcher === value;
  const [operator, argument] = onlyEntry(matcher, '');
  return valueMatchers[operator]!(argument, value);
}

type ValueMatcher = (argument: unknown, value: unknown) => boolean;

const valueMatchers: Record<string, ValueMatcher> = {
  prefix: (argument, value) => matchAffix(argument, value, (text, affix) => text.startsWith(affix)),
  suffix: (argument, value) => matchAffix(argument, value, (text, affix) => text.endsWith(affix)),
  'equals-ignore-case': (argument, value) =>
    typeof value === 'string' && foldCase(value) === foldCase(argument as string),
  wildcard: (argument, value) => typeof value === 'string' && wildcardRegExp(argument as string).test(value),
  'anything-but': (argument, value) => !matchesExcluded(argument, value),
  numeric: (argument, value) =>
    typeof value === 'number' &&
    toComparisons(argument as unknown[]).every(([operator, bound]) =>
      comparators[operator as string]!(value, bound as number),
    ),
  cidr: (argument, value) => typeof value === 'string' && isInCidr(parseCidr(argument as string)!, value),
};

function matchesExcluded(excluded: unknown, value: unknown): boolean {
  if (!isObject(excluded)) return [excluded].flat().some((candidate) => candidate === value);
  const [operator, inner] = onlyEntry(excluded, '');
  return [inner].flat().some((argument) => valueMatchers[operator]!(argument, value));
}

function matchAffix(argument: unknown, value: unknown, test: (text: string, affix: string) => boolean): boolean {
  if (typeof value !== 'string') return false;
  if (typeof argument === 'string') return test(value, argument);
  const affix = (argument as Record<string, string>)['equals-ignore-case']!;
  return test(foldCase(value), foldCase(affix));
}

function foldCase(text: string): string {
  return text.toLowerCase();
}

const compiledWildcards = new Map<string, RegExp>();

function wildcardRegExp(pattern: string): RegExp {
  let compiled = compiledWildcards.get(pattern);
  if (!compiled) {
    compiled = compileWildcard(pattern);
    compiledWildcards.set(pattern, compiled);
  }
  return compiled;
}

function compileWildcard(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '\\') source += escapeRegExp(pattern[++i]!);
    else source += char === '*' ? '.*' : escapeRegExp(char);
  }
  return new RegExp(`^${source}$`, 's');
}

function escapeRegExp(char: string): string {
  return char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

// ---------------------------------------------------------------- helpers

function toComparisons(argument: unknown[]): Array<[unknown, unknown]> {
  const comparisons: Array<[unknown, unknown]> = [];
  for (let i = 0; i < argument.length; i += 2) comparisons.push([argument[i], argument[i + 1]]);
  return comparisons;
}

/** Own keys only, so a pattern naming `toString` or `constructor` is not taken for an operator. */
function lookup<T>(table: Record<string, T>, key: unknown): T | undefined {
  return typeof key === 'string' && Object.hasOwn(table, key) ? table[key] : undefined;
}

function onlyEntry(matcher: Record<string, unknown>, at: string): [string, unknown] {
  const entries = Object.entries(matcher);
  if (entries.length !== 1) throw new InvalidEventPatternException('Only one key allowed in match expression', at);
  return entries[0]!;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isScalar(value: unknown): boolean {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}
