import { BroadcastChannel } from 'node:worker_threads';
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

/**
 * One step that holds its invocation open until the test releases it: the test stops the
 * execution while the invocation is provably in flight. The step says it entered, then waits for
 * the release, both on a BroadcastChannel (the local cloud runs functions on worker threads of
 * the test's process).
 */
export const held = withDurableExecution(async (event: { channel: string }, context) => {
  const released = await context.step('held', async () => {
    const channel = new BroadcastChannel(event.channel);
    try {
      await new Promise<void>((resolve) => {
        channel.onmessage = (message) => {
          if ((message as { data?: unknown }).data === 'release') resolve();
        };
        channel.postMessage('entered');
      });
    } finally {
      channel.close();
    }
    return 'released';
  });
  return { released };
});
