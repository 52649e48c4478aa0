/**
 * Each variant under `sls offline` (sqs-chain's is the load test's, loadtest/), the moment
 * serverless-offline says it is ready: 32 orders posted at once while every function is still cold
 * are all accepted and each ends CONFIRMED, charged once. A busy machine means waiting
 * (environments queue for the cloud's budget), never a refused, failed or lost order. One `sls offline start` per variant, one after another.
 */
import { describe } from '@jest/globals';
import { VARIANTS } from '#lib/variants';
import { describeOffline } from '#test/helpers/sls-offline';

for (const variant of VARIANTS.filter((v) => v !== 'sqs-chain'))
  describe(variant, () => describeOffline(variant, { burst: true }));
