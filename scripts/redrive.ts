/**
 * `npm run redrive -- <variant> [--stage local|<s>] [--region r]`: what an operator does after
 * fixing a fault: puts every parked order back into its pipeline. sqs-chain moves DLQ messages
 * back to their source queues; eventbridge-flags re-puts the dead-lettered events on its bus;
 * step-functions redrives the failed executions (RedriveExecution: each resumes in the state that
 * failed, without re-running the states that succeeded);
 * single-lambda invokes the order function again with each on-failure record's event (the order
 * runs again from validate, and the steps answer duplicate for what it already did).
 * Against the local cloud (`npm run cloud`, or `sls offline`) by default, using
 * `.local-cloud/endpoints.json`; with `--aws` against the real account.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PROJECT_ROOT } from './local-cloud/cloud.ts';
import { LOCAL_ACCOUNT } from './local-cloud/types.ts';
import { parseVariant, specOf } from './lib/variants.ts';
import { parseCliArgs } from './lib/cli-args.ts';

const { values, positionals } = parseCliArgs('redrive', {
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
          'no local cloud found (.local-cloud/endpoints.json): start `npm run cloud` or `npm run offline -- ' +
            '<variant>`, or pass --aws',
        );
      }),
    ) as Record<string, string>);
const result = await specOf(variant).redrive({
  prefix: `${variant}-${stage}-`,
  region: values.region,
  ...(local
    ? { endpoints: local, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, account: LOCAL_ACCOUNT }
    : {}),
});
for (const [place, n] of Object.entries(result.moved)) if (n > 0) console.log(`  ${n} from ${place}`);
console.log(`redrive of ${variant} (${stage}): ${result.summary}`);
