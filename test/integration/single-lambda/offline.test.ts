import { describeUsualThreeOffline } from '#test/helpers/sls-offline';

describeUsualThreeOffline('single-lambda');
