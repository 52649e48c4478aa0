import { withDurableExecution } from '@aws/durable-execution-sdk-js';

/** Two steps, the second slow: long enough for the test to kill its execution environment. */
export const crashy = withDurableExecution(async (_event: unknown, context) => {
  const first = await context.step('first', async () => 'done');
  const slow = await context.step('slow', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    return 'finally';
  });
  return { first, slow };
});

/** Waits for an approval sent by an operator (SendDurableExecutionCallbackSuccess). */
export const approval = withDurableExecution(async (event: { amount: number }, context) => {
  const decision = await context.waitForCallback<string>('approval', async () => {}, { timeout: { minutes: 5 } });
  return { amount: event.amount, decision };
});
