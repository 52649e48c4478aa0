/**
 * "The same matcher decides TestEventPattern, rule routing and PutRule validation": every
 * documented case goes through the rule registry too, as PutRule (validation) and as routing of a
 * put event (matching), and must reach the verdict the in-process matcher reaches.
 */
import { describe, expect, it } from '@jest/globals';
import { allPatternCases } from '#conformance/eventbridge-patterns/all-cases';
import { caseName } from '#conformance/eventbridge-patterns/case';
import { InvalidEventPatternException, parseEventPattern } from '#cloud/eventbridge/event-pattern';
import { EventBridgeRegistry } from '#cloud/eventbridge/registry';

const allCases = allPatternCases;

describe('one matcher for PutRule, routing and TestEventPattern', () => {
  it.each(allCases.map((patternCase) => [caseName(patternCase), patternCase] as const))(
    'PutRule and routing agree: %s',
    (_name, patternCase) => {
      const registry = new EventBridgeRegistry('us-east-1', '123456789012');
      const put = () => registry.putRule({ name: 'rule', eventPattern: JSON.stringify(patternCase.pattern) });
      if (patternCase.expected === 'invalid') {
        expect(put).toThrow(InvalidEventPatternException);
        expect(registry.listRules(undefined)).toHaveLength(0);
        return;
      }
      put();
      const routed = registry.matchingRules('default', patternCase.event).map((rule) => rule.name);
      expect(routed).toEqual(patternCase.expected === 'match' ? ['rule'] : []);
    },
  );

  it('names the error InvalidEventPatternException, gives the reason and the field', () => {
    const error = captureError(() => parseEventPattern('{"detail":{"state":[{"contains":"x"}]}}'));
    expect(error).toBeInstanceOf(InvalidEventPatternException);
    expect(error.name).toBe('InvalidEventPatternException');
    expect(error.message).toBe(
      'Event pattern is not valid. Reason: Unrecognized match type contains (at "detail.state")',
    );
  });

  it('rejects pattern text that is not JSON', () => {
    expect(() => parseEventPattern('{source:')).toThrow(/Event pattern is not valid. Reason: Filter is not valid JSON/);
  });

  it('routes one event to every rule it matches, and only those', () => {
    const registry = new EventBridgeRegistry('us-east-1', '123456789012');
    registry.putRule({ name: 'by-prefix', eventPattern: { 'detail.file.name': [{ suffix: '.png' }] } });
    registry.putRule({
      name: 'not-png',
      eventPattern: { detail: { file: { name: [{ 'anything-but': { suffix: '.png' } }] } } },
    });
    registry.putRule({ name: 'disabled', eventPattern: { source: ['shop'] }, state: 'DISABLED' });
    const event = { source: 'shop', detail: { file: { name: 'cat.png' } } };
    expect(registry.matchingRules('default', event).map((rule) => rule.name)).toEqual(['by-prefix']);
  });
});

function captureError(action: () => void): Error {
  try {
    action();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('resource limits', () => {
  it('refuses a pattern whose $or combinations explode, instead of exhausting memory', () => {
    const alternatives = [{ a: ['1'] }, { b: ['2'] }, { c: ['3'] }, { d: ['4'] }];
    const pattern = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`f${i}`, { $or: alternatives }]));
    expect(() => parseEventPattern(pattern)).toThrow(/more than 10000 branches/);
  });
});
