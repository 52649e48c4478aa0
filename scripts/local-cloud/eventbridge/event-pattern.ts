/**
 * EventBridge event patterns: validation (with the reasons AWS gives in InvalidEventPatternException)
 * and matching, as the user guide specifies them ("Event patterns", "Content filtering", "Arrays in
 * event patterns", "Matching null values and empty strings") and as AWS's own engine,
 * aws/event-ruler, behaves where the guide is silent. One compiled form answers TestEventPattern,
 * PutRule validation and rule routing, so the three can never disagree.
 *
 * - Field names are dotted paths: `{"a": {"b": …}}` and `{"a.b": …}` name the same field, in the
 *   pattern and in the event.
 * - A pattern is a set of branches (one per combination of `$or` alternatives); it matches when
 *   one branch does. A branch matches when every field does, all within one element of any array
 *   of objects they share.
 * - A field matches when any matcher of its list matches any of the field's leaf values;
 *   `exists: false` matches when the field has no leaf value in the array elements the other
 *   fields matched in (no leaf value at all, outside arrays of objects).
 * - Numbers compare numerically within ±5.0e9 at six decimals (the guide's limits), else only
 *   as themselves; IP literals compare as addresses.
 */
import { consistent, eventFields, type ArrayPosition, type EventFields } from './event-fields.ts';
import { parseCidr } from './ip-address.ts';
import {
  anythingButTest,
  cidrTest,
  comparableNumber,
  equalsIgnoreCaseTest,
  exactTest,
  type LeafTest,
  numericProblem,
  numericTest,
  prefixTest,
  suffixTest,
  wildcardTest,
} from './pattern-values.ts';
import { MAX_WILDCARD_COMPLEXITY, TOO_COMPLEX_REASON, wildcardComplexity, wildcardError } from './wildcard.ts';

/** A validated event pattern, as parsed from its JSON text. */
export type EventPattern = Record<string, unknown>;

/** Thrown for a malformed pattern; the name is the AWS error code the API answers with. */
export class InvalidEventPatternException extends Error {
  readonly reason: string;
  constructor(reason: string, path?: string) {
    super(`Event pattern is not valid. Reason: ${reason}${path ? ` (at "${path}")` : ''}`);
    this.name = 'InvalidEventPatternException';
    this.reason = reason;
  }
}

/** The matchers of one field: any of `tests` on any leaf value, or `absent` when it has none. */
interface FieldMatcher {
  path: string;
  tests: LeafTest[];
  absent: boolean;
  /** The wildcard values (plain and anything-but) the field holds, for the complexity limit. */
  wildcards: string[];
}

type Branch = Map<string, FieldMatcher>;

export interface CompiledPattern {
  branches: FieldMatcher[][];
}

/** Names event-ruler keeps for itself: none may be a field name inside `$or`. */
const RESERVED_IN_OR = new Set([
  'exactly',
  'equals-ignore-case',
  'prefix',
  'suffix',
  'anything-but',
  'exists',
  'wildcard',
  'numeric',
  'cidr',
  '=',
  '<',
  '<=',
  '>',
  '>=',
  'regex',
  'not-wildcard',
  'not-equals-ignore-case',
  'date-after',
  'date-on-or-after',
  'date-before',
  'date-on-or-before',
  'in-date-range',
  'ip-address-in-range',
  'ip-address-not-in-range',
]);

/**
 * Nested and parallel `$or` multiply: this caps the combinations one pattern may expand to, so a
 * hostile TestEventPattern cannot exhaust memory (AWS documents no figure; real patterns stay far below).
 */
const MAX_BRANCHES = 10_000;

const compiledPatterns = new WeakMap<object, CompiledPattern>();

/** Parses a pattern given as JSON text (as PutRule receives it) or as an object, and validates it. */
export function parseEventPattern(source: string | object): EventPattern {
  let pattern: unknown = source;
  if (typeof source === 'string') {
    try {
      pattern = JSON.parse(source);
    } catch (error) {
      throw new InvalidEventPatternException(`Filter is not valid JSON: ${(error as Error).message}`);
    }
  }
  validateEventPattern(pattern);
  return pattern;
}

/** Throws {@link InvalidEventPatternException} unless `pattern` is a well-formed event pattern. */
export function validateEventPattern(pattern: unknown): asserts pattern is EventPattern {
  compileEventPattern(pattern);
}

/** Validates and compiles a pattern; a pattern object is compiled once and remembered. */
export function compileEventPattern(pattern: unknown): CompiledPattern {
  if (!isObject(pattern)) throw new InvalidEventPatternException('Filter is not an object');
  let compiled = compiledPatterns.get(pattern);
  if (!compiled) {
    const branches = compileObject(pattern, '', [new Map()], false).map((branch) =>
      [...branch.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    );
    checkWildcardComplexity(branches);
    compiled = { branches };
    compiledPatterns.set(pattern, compiled);
  }
  return compiled;
}

/**
 * True when `event` matches `pattern`; throws {@link InvalidEventPatternException} for a malformed
 * pattern, so a bad pattern never silently matches nothing.
 * @example matchesEventPattern({ source: ['shop'] }, { source: 'shop', detail: {} }) // true
 */
export function matchesEventPattern(pattern: unknown, event: unknown): boolean {
  const { branches } = compileEventPattern(pattern);
  const fields = eventFields(event);
  return branches.some((branch) => matchesBranch(branch, fields));
}

// ---------------------------------------------------------------- compiling

function compileObject(node: Record<string, unknown>, path: string, branches: Branch[], inOr: boolean): Branch[] {
  const entries = Object.entries(node);
  if (entries.length === 0) throw new InvalidEventPatternException('Empty objects are not allowed', path);
  let current = branches;
  for (const [key, value] of entries) {
    if (key === '$or') {
      current = compileOr(value, path, current);
      continue;
    }
    const at = path === '' ? key : `${path}.${key}`;
    if (inOr && RESERVED_IN_OR.has(key)) {
      throw new InvalidEventPatternException(`${key} is Ruler reserved fieldName which cannot be used inside $or.`, at);
    }
    if (isObject(value)) current = compileObject(value, at, current, inOr);
    else if (Array.isArray(value)) {
      const matcher = compileMatchList(value, at);
      // A path given twice (say `a.b` and `a` > `b`) keeps its last list, as event-ruler does.
      for (const branch of current) branch.set(at, matcher);
    } else throw new InvalidEventPatternException(`"${key}" must be an object or an array`, at);
  }
  return current;
}

/** Each alternative of `$or` forks every branch so far: the result is their cross product. */
function compileOr(alternatives: unknown, path: string, branches: Branch[]): Branch[] {
  const at = path === '' ? '$or' : `${path}.$or`;
  if (!Array.isArray(alternatives))
    throw new InvalidEventPatternException('It must be an Array followed with $or.', at);
  const result: Branch[] = [];
  for (const alternative of alternatives) {
    if (!isObject(alternative)) {
      throw new InvalidEventPatternException('Only JSON object is allowed in array of $or relationship.', at);
    }
    result.push(...compileObject(alternative, path, copyBranches(branches), true));
    if (result.length > MAX_BRANCHES) {
      throw new InvalidEventPatternException(
        `The $or alternatives combine into more than ${MAX_BRANCHES} branches`,
        at,
      );
    }
  }
  if (alternatives.length < 2) {
    throw new InvalidEventPatternException('There must have at least 2 Objects in $or relationship.', at);
  }
  return result;
}

function copyBranches(branches: Branch[]): Branch[] {
  return branches.map((branch) => new Map(branch));
}

function compileMatchList(values: unknown[], path: string): FieldMatcher {
  const matcher: FieldMatcher = { path, tests: [], absent: false, wildcards: [] };
  for (const value of values) {
    if (isObject(value)) compileMatchExpression(value, matcher);
    else if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) {
      matcher.tests.push(exactTest(value as string | number | boolean | null));
    } else throw new InvalidEventPatternException('Match value must be String, number, true, false, or null', path);
  }
  if (values.length === 0) throw new InvalidEventPatternException('Empty arrays are not allowed', path);
  return matcher;
}

function compileMatchExpression(expression: Record<string, unknown>, matcher: FieldMatcher): void {
  const { path } = matcher;
  const entries = Object.entries(expression);
  if (entries.length === 0) throw new InvalidEventPatternException('Match expression name not found', path);
  const [operator, argument] = entries[0]!;
  const compile = Object.hasOwn(operators, operator) ? operators[operator] : undefined;
  if (!compile) throw new InvalidEventPatternException(`Unrecognized match type ${operator}`, path);
  compile(argument, matcher);
  if (entries.length > 1) {
    const reason =
      operator === 'numeric' || operator === 'anything-but'
        ? 'Too many elements in numeric expression'
        : 'Only one key allowed in match expression';
    throw new InvalidEventPatternException(reason, path);
  }
}

type OperatorCompiler = (argument: unknown, matcher: FieldMatcher) => void;

const operators: Record<string, OperatorCompiler> = {
  exactly: (argument, matcher) => {
    matcher.tests.push(exactTest(requireString(argument, 'exact match pattern must be a string', matcher.path)));
  },
  prefix: (argument, matcher) => matcher.tests.push(compileAffix('prefix', argument, matcher.path)),
  suffix: (argument, matcher) => matcher.tests.push(compileAffix('suffix', argument, matcher.path)),
  'equals-ignore-case': (argument, matcher) => {
    const text = requireString(argument, 'equals-ignore-case match pattern must be a string', matcher.path);
    matcher.tests.push(equalsIgnoreCaseTest(text));
  },
  wildcard: (argument, matcher) => {
    const text = requireWildcard(argument, matcher.path);
    matcher.wildcards.push(text);
    matcher.tests.push(wildcardTest(text));
  },
  numeric: (argument, matcher) => matcher.tests.push(numericTest(numericComparisons(argument, matcher.path))),
  cidr: (argument, matcher) => {
    // Sic: AWS answers a non-string cidr with the prefix message.
    const block = parseCidr(requireString(argument, 'prefix match pattern must be a string', matcher.path));
    if ('error' in block) throw new InvalidEventPatternException(block.error, matcher.path);
    matcher.tests.push(cidrTest(block));
  },
  exists: (argument, matcher) => {
    if (typeof argument !== 'boolean') {
      throw new InvalidEventPatternException('exists match pattern must be either true or false.', matcher.path);
    }
    if (argument) matcher.tests.push(() => true);
    else matcher.absent = true;
  },
  'anything-but': (argument, matcher) => matcher.tests.push(compileAnythingBut(argument, matcher)),
};

/** `prefix` / `suffix`: a string, or `{ "equals-ignore-case": string }`. An empty string is allowed. */
function compileAffix(kind: 'prefix' | 'suffix', argument: unknown, path: string): LeafTest {
  const build = kind === 'prefix' ? prefixTest : suffixTest;
  if (isObject(argument)) {
    const entries = Object.entries(argument);
    const label = kind === 'prefix' ? 'Prefix' : 'Suffix';
    if (entries.length === 0) throw new InvalidEventPatternException(`${label} expression name not found`, path);
    const [inner, value] = entries[0]!;
    if (inner !== 'equals-ignore-case') {
      throw new InvalidEventPatternException(`Unsupported ${kind} pattern: ${inner}`, path);
    }
    const text = requireString(value, 'equals-ignore-case match pattern must be a string', path);
    if (entries.length > 1) throw new InvalidEventPatternException('Only one key allowed in match expression', path);
    return build(text, true);
  }
  return build(requireString(argument, `${kind} match pattern must be a string`, path), false);
}

type ExclusionKind = 'prefix' | 'suffix' | 'equals-ignore-case' | 'wildcard';

/**
 * `anything-but`: a string, a number, a list of only strings or only numbers, or one of
 * `prefix`, `suffix`, `equals-ignore-case`, `wildcard` with a string or a list of strings.
 */
function compileAnythingBut(argument: unknown, matcher: FieldMatcher): LeafTest {
  const { path } = matcher;
  if (isObject(argument)) {
    const entries = Object.entries(argument);
    if (entries.length === 0) throw new InvalidEventPatternException('Anything-But expression name not found', path);
    const [kind, inner] = entries[0]!;
    if (!['prefix', 'suffix', 'equals-ignore-case', 'wildcard'].includes(kind)) {
      throw new InvalidEventPatternException(`Unsupported anything-but pattern: ${kind}`, path);
    }
    const test = compileExclusions(kind as ExclusionKind, inner, matcher);
    if (entries.length > 1) throw new InvalidEventPatternException('Too many elements in numeric expression', path);
    return test;
  }
  if (Array.isArray(argument)) return anythingButTest(excludedValues(argument, path));
  if (typeof argument === 'string' || typeof argument === 'number') {
    if (typeof argument === 'number') requireComparable(argument, path);
    return anythingButTest([exactTest(argument)]);
  }
  throw new InvalidEventPatternException('Value of anything-but must be an array or single string/number value.', path);
}

function excludedValues(values: unknown[], path: string): LeafTest[] {
  for (const value of values) {
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new InvalidEventPatternException('Inside anything but list, start|null|boolean is not supported.', path);
    }
    if (typeof value === 'number') requireComparable(value, path);
  }
  const strings = values.filter((value) => typeof value === 'string').length;
  if (values.length === 0 || (strings > 0 && strings < values.length)) {
    throw new InvalidEventPatternException(
      'Inside anything but list, either all values are number or string, mixed type is not supported',
      path,
    );
  }
  return values.map((value) => exactTest(value as string | number));
}

function compileExclusions(kind: ExclusionKind, inner: unknown, matcher: FieldMatcher): LeafTest {
  const { path } = matcher;
  if (!Array.isArray(inner) && typeof inner !== 'string' && typeof inner !== 'number') {
    throw new InvalidEventPatternException(
      'Value of anything-but must be an array or single string/number value.',
      path,
    );
  }
  const values = Array.isArray(inner) ? inner : [inner];
  const tests = values.map((value) => {
    if (typeof value !== 'string') throw new InvalidEventPatternException(exclusionTypeReason(kind), path);
    if ((kind === 'prefix' || kind === 'suffix') && value === '') {
      throw new InvalidEventPatternException('Null prefix/suffix not allowed', path);
    }
    switch (kind) {
      case 'prefix':
        return prefixTest(value, false);
      case 'suffix':
        return suffixTest(value, false);
      case 'equals-ignore-case':
        return equalsIgnoreCaseTest(value);
      default:
        matcher.wildcards.push(requireWildcard(value, path));
        return wildcardTest(value);
    }
  });
  return anythingButTest(tests);
}

function exclusionTypeReason(kind: ExclusionKind): string {
  if (kind === 'equals-ignore-case') {
    return 'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.';
  }
  return kind === 'wildcard'
    ? 'wildcard match pattern must be a string'
    : 'prefix/suffix match pattern must be a string';
}

/** `[op, n]` for `=`, `<`, `<=`, `>`, `>=`, or a range `[">" | ">=", n, "<" | "<=", m]` with n < m. */
function numericComparisons(argument: unknown, path: string): Array<[string, number]> {
  if (!Array.isArray(argument)) throw new InvalidEventPatternException('Value of numeric must be an array.', path);
  const [operator, bound, upperOperator, upperBound, ...rest] = argument;
  if (typeof operator !== 'string') {
    throw new InvalidEventPatternException(`Invalid member in numeric match: ${tokenText(operator)}`, path);
  }
  if (!['=', '<', '<=', '>', '>='].includes(operator)) {
    throw new InvalidEventPatternException(`Unrecognized numeric range operator: ${operator}`, path);
  }
  const first = requireNumber(bound, operator === '=' ? 'equals' : operator, path);
  if (argument.length === 2) return [[operator, first]];
  if (operator !== '>' && operator !== '>=') {
    throw new InvalidEventPatternException('Too many elements in numeric expression', path);
  }
  if (typeof upperOperator !== 'string') {
    throw new InvalidEventPatternException(`Bad value in numeric range: ${tokenText(upperOperator)}`, path);
  }
  if (upperOperator !== '<' && upperOperator !== '<=') {
    throw new InvalidEventPatternException(`Bad numeric range operator: ${upperOperator}`, path);
  }
  const second = requireNumber(upperBound, upperOperator, path);
  if (rest.length > 0) throw new InvalidEventPatternException('Too many terms in numeric range expression', path);
  if (comparableNumber(first)! >= comparableNumber(second)!) {
    throw new InvalidEventPatternException('Bottom must be less than top', path);
  }
  return [
    [operator, first],
    [upperOperator, second],
  ];
}

function requireNumber(value: unknown, operator: string, path: string): number {
  if (typeof value !== 'number') throw new InvalidEventPatternException(`Value of ${operator} must be numeric`, path);
  return requireComparable(value, path);
}

function requireComparable(value: number, path: string): number {
  const problem = numericProblem(value);
  if (problem) throw new InvalidEventPatternException(problem, path);
  return value;
}

function requireString(value: unknown, reason: string, path: string): string {
  if (typeof value !== 'string') throw new InvalidEventPatternException(reason, path);
  return value;
}

function requireWildcard(value: unknown, path: string): string {
  const text = requireString(value, 'wildcard match pattern must be a string', path);
  const error = wildcardError(text);
  if (error) throw new InvalidEventPatternException(error, path);
  return text;
}

/** AWS rejects a rule when one of its fields holds wildcards that are too costly to match. */
function checkWildcardComplexity(branches: FieldMatcher[][]): void {
  const byPath = new Map<string, Set<string>>();
  for (const field of branches.flat()) {
    if (field.wildcards.length === 0) continue;
    const wildcards = byPath.get(field.path) ?? new Set<string>();
    for (const wildcard of field.wildcards) wildcards.add(wildcard);
    byPath.set(field.path, wildcards);
  }
  for (const [path, wildcards] of byPath) {
    if (wildcardComplexity([...wildcards]) > MAX_WILDCARD_COMPLEXITY) {
      throw new InvalidEventPatternException(TOO_COMPLEX_REASON, path);
    }
  }
}

function tokenText(value: unknown): string {
  return value === undefined ? ']' : JSON.stringify(value);
}

// ---------------------------------------------------------------- matching

/**
 * Every field of the branch matches on values that never disagree on an array element. Fields are
 * taken in path order, as event-ruler walks them; `exists: false` holds when no value of the field
 * lies in the array elements the fields before it matched in.
 */
function matchesBranch(branch: FieldMatcher[], fields: EventFields): boolean {
  return matchFrom(branch, 0, fields, []);
}

function matchFrom(branch: FieldMatcher[], index: number, fields: EventFields, chosen: ArrayPosition[]): boolean {
  if (index === branch.length) return true;
  const matcher = branch[index]!;
  const reachable = (fields.get(matcher.path) ?? []).filter(({ position }) =>
    chosen.every((other) => consistent(other, position)),
  );
  for (const { value, position } of reachable) {
    if (!matcher.tests.some((test) => test(value))) continue;
    chosen.push(position);
    if (matchFrom(branch, index + 1, fields, chosen)) return true;
    chosen.pop();
  }
  return matcher.absent && reachable.length === 0 && matchFrom(branch, index + 1, fields, chosen);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
