import { createRetryStrategy, JitterStrategy, withDurableExecution } from '@aws/durable-execution-sdk-js';

/**
 * A durable function that uses what the order saga relies on (named steps, a retried step, a
 * step that fails for good and is caught, a wait, a child context), so the local cloud's replay
 * can be compared with the SDK's own local runner.
 */
export const handler = withDurableExecution(async (event: { name: string }, context) => {
  const greeting = await context.step('greet', async () => `hello ${event.name}`);
  const flaky = await context.step(
    'flaky',
    async ({ attempt }) => {
      if (attempt < 3) throw new Error(`transient failure on attempt ${attempt}`);
      return attempt;
    },
    {
      retryStrategy: createRetryStrategy({ maxAttempts: 3, initialDelay: { seconds: 1 }, jitter: JitterStrategy.NONE }),
    },
  );
  let caught = '';
  try {
    await context.step(
      'declined',
      async () => {
        throw new TypeError('declined for good');
      },
      { retryStrategy: () => ({ shouldRetry: false }) },
    );
  } catch (error) {
    caught = (error as { cause?: Error }).cause?.name ?? 'unknown';
  }
  await context.wait('pause', { seconds: 1 });
  const total = await context.runInChildContext('tally', (child) => child.step('sum', async () => flaky + 1));
  return { greeting, flaky, caught, total };
});
