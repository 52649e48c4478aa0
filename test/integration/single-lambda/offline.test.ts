import { describeOffline } from '#test/helpers/sls-offline';

describeOffline('single-lambda', { usualThree: true, review: true });
