/**
 * `npm run conformance` in CI: the runner finds every suite in scripts/conformance/suites, starts a
 * fresh local cloud on free ports and scores each suite. Every case must pass, except the known
 * deviations listed here with their reason: a new failure, or a listed case that starts passing,
 * fails this test.
 */
import { describe, expect, it } from '@jest/globals';
import { discoverSuites, formatScores, runConformance } from '#conformance/runner';
import type { ConformanceSuite } from '#conformance/types';

/** Suite > case name > why the local cloud differs from AWS there. */
const KNOWN_DEVIATIONS: Record<string, Record<string, string>> = {
  'sqs-semantics': {
    'DeleteMessageBatch > reports each failed entry and deletes the others':
      'fauxqs 2.4.1 reports a malformed receipt handle as deleted; AWS fails that entry with ReceiptHandleIsInvalid',
  },
};

/** A suite of our own, proving that a failing case is reported with its message and source. */
const selfCheck: ConformanceSuite = {
  name: 'runner-self-check',
  services: ['sqs'],
  cases: [
    { name: 'passes', source: 'this test', run: async (ctx) => void new URL(ctx.endpoints.sqs!) },
    {
      name: 'fails',
      source: 'this test',
      run: async () => {
        throw new Error('deliberate mismatch');
      },
    },
  ],
};

describe('npm run conformance', () => {
  it('scores every suite against a fresh local cloud, failing only on the known deviations', async () => {
    const suites = await discoverSuites();
    expect(suites.map((suite) => suite.name)).toEqual(
      expect.arrayContaining(['eventbridge-patterns', 'sqs-semantics']),
    );
    const scores = await runConformance([...suites, selfCheck]);

    const report = formatScores(scores);
    for (const suite of suites) expect(report).toMatch(new RegExp(`^${suite.name} +\\d+/${suite.cases.length}$`, 'm'));

    const self = scores.find((score) => score.suite === selfCheck.name)!;
    expect(self).toEqual({
      suite: 'runner-self-check',
      passed: 1,
      total: 2,
      failures: [{ name: 'fails', source: 'this test', message: 'deliberate mismatch' }],
    });
    expect(report).toContain('  FAIL fails\n       deliberate mismatch\n       (this test)');

    for (const score of scores.filter((each) => each.suite !== selfCheck.name)) {
      const failed = score.failures.map((failure) => failure.name).sort();
      expect({ suite: score.suite, failed }).toEqual({
        suite: score.suite,
        failed: Object.keys(KNOWN_DEVIATIONS[score.suite] ?? {}).sort(),
      });
      expect(score.passed + score.failures.length).toBe(score.total);
    }
  }, 300_000);
});
