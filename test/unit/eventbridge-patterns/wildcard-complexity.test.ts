/**
 * "Content filtering > Wildcard matching": EventBridge rejects a rule whose wildcards are too
 * complex. The measure follows aws/event-ruler's MachineComplexityEvaluator: the most wildcard
 * prefixes one input keeps alive at once, per field, patterns read between their JSON quotes.
 */
import { describe, expect, it } from '@jest/globals';
import { InvalidEventPatternException, parseEventPattern } from '#cloud/eventbridge/event-pattern';
import { MAX_WILDCARD_COMPLEXITY, wildcardComplexity } from '#cloud/eventbridge/wildcard';

describe('Content filtering > Wildcard matching > complexity', () => {
  it.each([
    // A lone star: after the opening quote, `"` and `"*` are alive.
    [['*'], 2],
    // event-ruler's own examples count the same prefixes (plus, here, the quotes around them).
    [['a*b*b'], 4],
    [['*a*a*a*a*a*a*a*a*'], 17],
    [['a*aaa', 'aa*aa'], 7],
    [['arn:aws:events:*:*:event-bus/*'], 5],
    [['*:*:*:*:*:event-bus/*'], 11],
  ])('counts %j as %d', (patterns, expected) => {
    expect(wildcardComplexity(patterns, 1000)).toBe(expected);
  });

  it('stops counting once past the limit, so a pathological pattern is rejected fast', () => {
    const pathological = 'F*e*a*t*u*r*e*'.repeat(500);
    const started = process.hrtime.bigint();
    expect(wildcardComplexity([pathological])).toBeGreaterThan(MAX_WILDCARD_COMPLEXITY);
    expect(() => parseEventPattern({ detail: { f: [{ wildcard: pathological }] } })).toThrow(
      InvalidEventPatternException,
    );
    // Generous: the point is "bounded", not a timing figure.
    expect(Number(process.hrtime.bigint() - started) / 1e9).toBeLessThan(10);
  });

  it('adds up the wildcards of one field across $or alternatives', () => {
    const pattern = {
      $or: [
        { detail: { f: [{ wildcard: '*x*' }, { wildcard: '*y*' }] } },
        { detail: { f: [{ wildcard: '*z*' }, { wildcard: '*w*' }] } },
      ],
    };
    expect(() => parseEventPattern(pattern)).toThrow(/Rule is too complex/);
  });

  it('measures each field on its own', () => {
    const pattern = {
      detail: { f: [{ wildcard: '*x*' }, { wildcard: '*y*' }], g: [{ wildcard: '*z*' }, { wildcard: '*w*' }] },
    };
    expect(() => parseEventPattern(pattern)).not.toThrow();
  });

  it('counts anything-but wildcards with the plain ones', () => {
    const pattern = { detail: { f: [{ wildcard: '*x*' }, { 'anything-but': { wildcard: ['*y*', '*z*', '*w*'] } }] } };
    expect(() => parseEventPattern(pattern)).toThrow(/Rule is too complex/);
  });
});
