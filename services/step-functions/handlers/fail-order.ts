import { createTaskHandler, failureReason } from '../lib/task-step.ts';
import { stepsFromEnv } from '../lib/wiring.ts';

/**
 * Task state FailOrder: a state ran out of retries. Parks the order FAILED with the reason
 * `<error>@<step>` (and the status to resume from); the machine then fails the execution, which
 * stays findable and is redriven by `npm run redrive -- step-functions`.
 */
const steps = stepsFromEnv();

export const handler = createTaskHandler((input, event) =>
  steps.failOrder({ ...input, reason: failureReason(event.failed) }),
);
