/**
 * The documented EventBridge pattern rules (scripts/conformance/eventbridge-patterns/), each sent
 * to the local EventBridge as TestEventPattern through the AWS SDK: the verdict must be the
 * documented one, match, no match, or InvalidEventPatternException with AWS's reason.
 */
import { EventBridgeClient, TestEventPatternCommand } from '@aws-sdk/client-eventbridge';
import { allPatternCases } from '../eventbridge-patterns/all-cases.ts';
import { caseName, type PatternCase } from '../eventbridge-patterns/case.ts';
import type { ConformanceCase, ConformanceContext, ConformanceSuite } from '../types.ts';

const GUIDE = 'https://docs.aws.amazon.com/eventbridge/latest/userguide';

/** The user-guide page each section comes from. */
const PAGES: Record<string, string> = {
  'Event pattern syntax': `${GUIDE}/eb-create-pattern.html`,
  'Event pattern considerations': `${GUIDE}/eb-create-pattern.html`,
  'Matching null values and empty strings': `${GUIDE}/eb-event-patterns-null-values.html`,
  'Arrays in event patterns': `${GUIDE}/eb-event-patterns-arrays.html`,
  'Content filtering': `${GUIDE}/eb-event-patterns-content-based-filtering.html`,
  'Comparison operators': `${GUIDE}/eb-create-pattern-operators.html`,
};

const clients = new Map<string, EventBridgeClient>();

function client(ctx: ConformanceContext): EventBridgeClient {
  const endpoint = ctx.endpoints.eventbridge!;
  let events = clients.get(endpoint);
  if (!events) {
    events = new EventBridgeClient({
      region: ctx.region,
      endpoint,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    clients.set(endpoint, events);
  }
  return events;
}

/** Resolves with the verdict of TestEventPattern, or the reason of an InvalidEventPatternException. */
export async function testEventPattern(
  ctx: ConformanceContext,
  pattern: unknown,
  event: unknown,
): Promise<{ result: boolean } | { invalid: string }> {
  try {
    const { Result } = await client(ctx).send(
      new TestEventPatternCommand({ EventPattern: JSON.stringify(pattern), Event: JSON.stringify(event) }),
    );
    return { result: Result === true };
  } catch (error) {
    if ((error as Error).name === 'InvalidEventPatternException') return { invalid: (error as Error).message };
    throw error;
  }
}

function toConformanceCase(patternCase: PatternCase): ConformanceCase {
  const page = patternCase.section.split(' > ')[0]!;
  return {
    name: caseName(patternCase),
    source: PAGES[page] ?? GUIDE,
    run: async (ctx) => {
      const verdict = await testEventPattern(ctx, patternCase.pattern, patternCase.event);
      const got =
        'invalid' in verdict
          ? `InvalidEventPatternException (${verdict.invalid})`
          : verdict.result
            ? 'match'
            : 'no match';
      if (patternCase.expected === 'invalid') {
        if (!('invalid' in verdict)) throw new Error(`expected InvalidEventPatternException, got ${got}`);
        if (!verdict.invalid.includes(patternCase.reason!)) {
          throw new Error(`expected the reason "${patternCase.reason}", got "${verdict.invalid}"`);
        }
        return;
      }
      const expected = patternCase.expected === 'match' ? 'match' : 'no match';
      if (got !== expected) throw new Error(`expected ${expected}, got ${got}`);
    },
  };
}

export const suite: ConformanceSuite = {
  name: 'eventbridge-patterns',
  services: ['eventbridge'],
  cases: allPatternCases.map(toConformanceCase),
};
