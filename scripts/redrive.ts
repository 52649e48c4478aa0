/**
 * `npm run redrive -- <variant> [--stage local|<s>] [--region r]`: what an operator does after
 * fixing a fault: puts every parked order back into its pipeline. sqs-chain moves DLQ messages
 * back to their source queues; eventbridge-flags re-puts the dead-lettered events on its bus;
 * step-functions redrives the failed executions (RedriveExecution: each resumes in the state that
 * failed, without re-running the states that succeeded).
 * Against the local cloud (`npm run cloud`, or `sls offline`) by default, using
 * `.local-cloud/endpoints.json`; with `--aws` against the real account.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { PROJECT_ROOT } from './local-cloud/cloud.ts';
import { findRedrivePairs, redriveQueues } from './lib/redrive.ts';
import { parseVariant } from './lib/variants.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    stage: { type: 'string' },
    region: { type: 'string', default: 'us-east-1' },
    aws: { type: 'boolean', default: false },
  },
});
const variant = parseVariant(positionals[0] ?? '');
const stage = values.stage ?? (values.aws ? 'dev' : 'local');
const local = values.aws
  ? undefined
  : (JSON.parse(
      await readFile(path.join(PROJECT_ROOT, '.local-cloud/endpoints.json'), 'utf8').catch(() => {
        throw new Error(
          'no local cloud found (.local-cloud/endpoints.json): start `npm run cloud` or `npm run offline -- <variant>`, or pass --aws',
        );
      }),
    ) as Record<string, string>);
const client = (endpoint: string | undefined) => ({
  region: values.region,
  ...(local && endpoint ? { endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
});
const prefix = `${variant}-${stage}-`;

if (variant === 'sqs-chain') {
  const sqs = new SQSClient(client(local?.sqs));
  const moved = await redriveQueues(sqs, await findRedrivePairs(sqs, prefix));
  report(moved);
} else if (variant === 'eventbridge-flags') {
  const { redriveEventBridge } = await import('./lib/redrive-eventbridge.ts');
  const moved = await redriveEventBridge({
    sqs: new SQSClient(client(local?.sqs)),
    eventBridge: new EventBridgeClient(client(local?.eventbridge)),
    queuePrefix: prefix,
    eventBusName: `${prefix}orders`,
  });
  report(moved);
} else {
  const { redriveStepFunctions } = await import('./lib/redrive-step-functions.ts');
  const sfn = new SFNClient({ ...client(local?.stepfunctions), disableHostPrefix: Boolean(local) });
  const region = values.region;
  const account = local ? '000000000000' : undefined;
  const stateMachineArn = account
    ? `arn:aws:states:${region}:${account}:stateMachine:${prefix}order-pipeline`
    : (process.env.STATE_MACHINE_ARN ?? '');
  if (!stateMachineArn) throw new Error('against AWS, set STATE_MACHINE_ARN (from `sls info --verbose`)');
  console.log(
    `redrove ${await redriveStepFunctions({ sfn, stateMachineArn })} failed execution(s) of ${stateMachineArn}`,
  );
}

function report(moved: Record<string, number>): void {
  const total = Object.values(moved).reduce((a, b) => a + b, 0);
  for (const [queue, n] of Object.entries(moved)) if (n > 0) console.log(`  ${n} from ${queue}`);
  console.log(`redrove ${total} message(s) of ${variant} (${stage})`);
}
