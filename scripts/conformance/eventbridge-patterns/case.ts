/**
 * One EventBridge pattern rule from AWS's documentation, as a pattern, an event and the outcome
 * AWS documents: the event matches, it does not, or the pattern is rejected with
 * InvalidEventPatternException. The same tables drive the unit tests (in process) and the
 * `eventbridge-patterns` conformance suite (TestEventPattern over the wire).
 */

export type PatternOutcome = 'match' | 'no-match' | 'invalid';

export interface PatternCase {
  /** Where the rule is documented: "<page> > <section>", e.g. "Content filtering > Prefix matching". */
  section: string;
  /** The rule, in a few words. */
  rule: string;
  pattern: Record<string, unknown>;
  /** A complete event envelope (TestEventPattern requires one). */
  event: Record<string, unknown>;
  expected: PatternOutcome;
  /** For `invalid`: the reason AWS (or event-ruler, AWS's engine) gives. */
  reason?: string;
}

/** The case's full name: the documentation section, then the rule. */
export function caseName(patternCase: PatternCase): string {
  return `${patternCase.section} > ${patternCase.rule}`;
}

/**
 * The EC2 state-change event the AWS guide uses throughout, with `detail` fields and envelope
 * fields replaced or added as a case needs.
 */
export function ec2Event(
  detail: Record<string, unknown> = {},
  envelope: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    version: '0',
    id: '7bf73129-1428-4cd3-a780-95db273d1602',
    'detail-type': 'EC2 Instance State-change Notification',
    source: 'aws.ec2',
    account: '123456789012',
    time: '2017-10-02T18:43:48Z',
    region: 'us-east-1',
    resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111'],
    detail: { 'instance-id': 'i-abcd1111', state: 'pending', ...detail },
    ...envelope,
  };
}

/** Builds the cases of one documentation section. */
export function section(name: string) {
  const cases: PatternCase[] = [];
  const add = (patternCase: Omit<PatternCase, 'section'>) => cases.push({ section: name, ...patternCase });
  return {
    cases,
    match(rule: string, pattern: Record<string, unknown>, event: Record<string, unknown>) {
      add({ rule, pattern, event, expected: 'match' });
      return this;
    },
    noMatch(rule: string, pattern: Record<string, unknown>, event: Record<string, unknown>) {
      add({ rule, pattern, event, expected: 'no-match' });
      return this;
    },
    invalid(rule: string, pattern: unknown, reason: string) {
      add({ rule, pattern: pattern as Record<string, unknown>, event: ec2Event(), expected: 'invalid', reason });
      return this;
    },
  };
}
