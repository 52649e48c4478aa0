import { describeOffline } from '#test/helpers/sls-offline';

/**
 * The review acceptance through `sls offline start`, as a user runs it with a short timeout:
 * `npx sls offline start --stage local --param="reviewTimeoutSeconds=3"`.
 */
describeOffline('step-functions', { review: true });
