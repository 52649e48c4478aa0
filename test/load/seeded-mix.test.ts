/**
 * 60 orders of a seeded mix (declines, stock-outs, transient failures, rejections) in flight at
 * once through sqs-chain and step-functions: every order ends, with zero invariant violations. One
 * order per Lambda invocation through the cloud's budget of environments: on a busy 2-core
 * machine the run takes seconds, and waits for them (eventbridge-flags' own run, every event
 * delivered twice, is `eventbridge-flags/duplicates.test.ts`; durable-functions' and
 * single-lambda's seeded mixes are in their pipeline suites).
 */
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { expectSeededMixSound } from '#test/helpers/path-assertions';
import { startVariant, type VariantHarness } from '#test/helpers/variant-harness';

describe.each([['sqs-chain'], ['step-functions']] as const)('%s at load', (variant) => {
  let harness: VariantHarness;

  beforeAll(async () => {
    harness = await startVariant(variant);
  }, 120_000);

  afterAll(async () => {
    await harness?.stop();
  });

  it('ends 60 concurrent orders of a seeded mix with zero invariant violations', async () => {
    await expectSeededMixSound(harness, { runId: 'mix' });
    // A cap for a hung run only: the run itself ends when the cloud is quiet.
  }, 600_000);
});
