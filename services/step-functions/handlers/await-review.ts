import { requireEnv } from '#adapters/config';
import { parkForReview, type WorkflowType } from '../lib/review.ts';
import { createTaskHandler } from '../lib/task-step.ts';
import { stepsFromEnv } from '../lib/wiring.ts';

/**
 * Task state AwaitReview (.waitForTaskToken): parks the order AWAITING_REVIEW with its task token
 * and returns; the execution waits for the review API's SendTaskSuccess / SendTaskFailure or its
 * TimeoutSeconds. On an Express workflow it refuses the order (ReviewUnavailableError).
 */
const steps = stepsFromEnv();
const workflowType = requireEnv('WORKFLOW_TYPE') as WorkflowType;

export const handler = createTaskHandler(steps, 'await-review', (input, event) =>
  parkForReview(steps, workflowType, input, event),
);
