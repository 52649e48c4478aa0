/**
 * Runs documented EventBridge pattern cases against the in-process matcher: each case becomes one
 * test named after the documentation section it comes from.
 */
import { expect, it } from '@jest/globals';
import { caseName, type PatternCase } from '#conformance/eventbridge-patterns/case';
import { InvalidEventPatternException, matchesEventPattern, parseEventPattern } from '#cloud/eventbridge/event-pattern';

export function checkPatternCases(cases: PatternCase[]): void {
  it.each(cases.map((patternCase) => [caseName(patternCase), patternCase] as const))('%s', (_name, patternCase) => {
    // Patterns reach AWS as JSON text, so the cases do too.
    const text = JSON.stringify(patternCase.pattern);
    if (patternCase.expected === 'invalid') {
      let error: unknown;
      try {
        parseEventPattern(text);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(InvalidEventPatternException);
      expect((error as InvalidEventPatternException).reason).toBe(patternCase.reason);
      return;
    }
    const pattern = parseEventPattern(text);
    expect(matchesEventPattern(pattern, patternCase.event)).toBe(patternCase.expected === 'match');
  });
}
