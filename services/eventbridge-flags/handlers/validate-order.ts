import { createScheduleTimer } from '#adapters/review-schedule';
import { createFlaggedStepHandler } from '../lib/flags-step.ts';
import { VALIDATE_HAND_ON } from '../lib/review.ts';
import { flagsConfig, reviewScheduleOf } from '../lib/wiring.ts';

/**
 * OrderPlaced -> validate-order -> OrderValidated (ValidationError -> OrderStepFailed -> REJECTED).
 * An order above the review threshold parks instead (await-review, with its timeout's schedule):
 * the flag says `awaiting-review` and no event goes out until the decision (lib/review.ts).
 */
const config = flagsConfig({ reviewTimer: createScheduleTimer(reviewScheduleOf()) });

export const handler = createFlaggedStepHandler(config, {
  ...VALIDATE_HAND_ON,
  run: async (input) => {
    const validated = await config.steps.validateOrder(input);
    return validated.awaitsReview ? config.steps.awaitReview(input) : validated;
  },
  reaches: 'VALIDATED',
  compensable: true,
});
