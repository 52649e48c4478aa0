import { describeOffline } from '#test/helpers/sls-offline';

describeOffline('eventbridge-flags', { usualThree: true, review: true });
