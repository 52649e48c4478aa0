import { REVIEW_TEST_TIMEOUT_SECONDS } from '#test/helpers/review-cases';
import { describeReviewOffline } from '#test/helpers/sls-offline';

/**
 * The review acceptance through `sls offline start` (serverless-offline's HTTP API, the local
 * cloud behind it with its EventBridge Scheduler), as a user runs it with a short timeout:
 * `npx sls offline start --stage local --param="reviewTimeoutSeconds=3"`.
 */
describeReviewOffline('sqs-chain', REVIEW_TEST_TIMEOUT_SECONDS);
