import { REVIEW_TEST_TIMEOUT_SECONDS } from '#test/helpers/review-cases';
import { describeReviewOffline } from '#test/helpers/sls-offline';

/**
 * The review acceptance through `sls offline start`, as a user runs it with a short timeout:
 * `npx sls offline start --stage local --param="reviewTimeoutSeconds=3"`.
 */
describeReviewOffline('durable-functions', REVIEW_TEST_TIMEOUT_SECONDS);
