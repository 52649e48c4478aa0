/**
 * How one matcher of an event pattern tests one leaf value of an event. Types never mix: the
 * number 5 is not the string "5", and string operators (prefix, suffix, equals-ignore-case,
 * wildcard, cidr) never match numbers, booleans or null.
 */
import type { Leaf } from './event-fields.ts';
import { type CidrBlock, isInCidr, looksLikeIpAddress, parseIpAddress } from './ip-address.ts';
import { wildcardRegExp } from './wildcard.ts';

export type LeafTest = (value: Leaf) => boolean;

/** Numeric matching is limited to -5.0e9 … +5.0e9 with at most six digits after the decimal point. */
export const NUMERIC_LIMIT = 5e9;
const MAX_DECIMALS = 6;

/** Why `value` cannot take part in numeric matching, or undefined when it can. */
export function numericProblem(value: number): string | undefined {
  if (!Number.isFinite(value) || decimalPlaces(value) > MAX_DECIMALS)
    return 'Only values upto 6 decimals are supported';
  if (value < -NUMERIC_LIMIT || value > NUMERIC_LIMIT) return 'Value must be between -5.0E9 and 5.0E9, inclusive';
  return undefined;
}

/**
 * A number as numeric matching compares it: an integer count of millionths, exact because the
 * value has at most six decimals and lies within ±5.0e9. Undefined for any other number, which
 * then only ever equals itself.
 */
export function comparableNumber(value: number): number | undefined {
  return numericProblem(value) === undefined ? Math.round(value * 1e6) : undefined;
}

/** Digits after the decimal point in the shortest decimal form of `value` (`1.5e-7` has 8). */
function decimalPlaces(value: number): number {
  const [mantissa = '', exponent = '0'] = String(value).split('e');
  const fraction = mantissa.split('.')[1]?.length ?? 0;
  return Math.max(0, fraction - Number(exponent));
}

/** An exact value: strings by content (an IP literal also by address), numbers by numeric value. */
export function exactTest(expected: Leaf): LeafTest {
  if (typeof expected === 'number') {
    const comparable = comparableNumber(expected);
    return (value) =>
      typeof value === 'number' &&
      (value === expected || (comparable !== undefined && comparableNumber(value) === comparable));
  }
  if (typeof expected === 'string' && looksLikeIpAddress(expected)) {
    const address = parseIpAddress(expected);
    if (address) {
      return (value) => {
        if (typeof value !== 'string') return false;
        const other = parseIpAddress(value);
        return other !== undefined && other.bits === address.bits && other.value === address.value;
      };
    }
  }
  return (value) => value === expected;
}

export function prefixTest(prefix: string, ignoreCase: boolean): LeafTest {
  if (!ignoreCase) return (value) => typeof value === 'string' && value.startsWith(prefix);
  const folded = foldCase(prefix);
  return (value) => typeof value === 'string' && foldCase(value).startsWith(folded);
}

export function suffixTest(suffix: string, ignoreCase: boolean): LeafTest {
  if (!ignoreCase) return (value) => typeof value === 'string' && value.endsWith(suffix);
  const folded = foldCase(suffix);
  return (value) => typeof value === 'string' && foldCase(value).endsWith(folded);
}

export function equalsIgnoreCaseTest(expected: string): LeafTest {
  const folded = foldCase(expected);
  return (value) => typeof value === 'string' && foldCase(value) === folded;
}

export function wildcardTest(pattern: string): LeafTest {
  const regExp = wildcardRegExp(pattern);
  return (value) => typeof value === 'string' && regExp.test(value);
}

export function cidrTest(block: CidrBlock): LeafTest {
  return (value) => typeof value === 'string' && isInCidr(block, value);
}

/** A numeric comparison chain, every comparison on the comparable (six-decimal) form. */
export function numericTest(comparisons: Array<[operator: string, bound: number]>): LeafTest {
  const bounds = comparisons.map(([operator, bound]) => [operator, comparableNumber(bound)!] as const);
  return (value) => {
    if (typeof value !== 'number') return false;
    const comparable = comparableNumber(value);
    if (comparable === undefined) return false;
    return bounds.every(([operator, bound]) => compare(operator, comparable, bound));
  };
}

function compare(operator: string, value: number, bound: number): boolean {
  switch (operator) {
    case '<':
      return value < bound;
    case '<=':
      return value <= bound;
    case '>':
      return value > bound;
    case '>=':
      return value >= bound;
    default:
      return value === bound;
  }
}

/**
 * `anything-but`: matches a present value unless it is one of the excluded ones. Values the
 * exclusion cannot apply to (a number against excluded strings, a string against a prefix that
 * only strings can have…) are not excluded, so they match.
 */
export function anythingButTest(excluded: LeafTest[]): LeafTest {
  return (value) => !excluded.some((test) => test(value));
}

function foldCase(text: string): string {
  return text.toLowerCase();
}
