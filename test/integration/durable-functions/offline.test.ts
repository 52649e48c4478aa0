import { describeUsualThreeOffline } from '#test/helpers/sls-offline';

describeUsualThreeOffline('durable-functions');
