/**
 * `npm run offline -- <variant> [sls options]`: `sls offline start` inside services/<variant>,
 * which boots the embedded local cloud behind it (scripts/serverless/local-cloud-plugin).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from './local-cloud/cloud.ts';
import { parseServiceList, serviceDir } from './lib/variants.ts';

const [name, ...rest] = process.argv.slice(2);
if (!name) {
  console.error(
    'usage: npm run offline -- <sqs-chain|eventbridge-flags|step-functions|durable-functions> [--stage local] [--httpPort 3000]',
  );
  process.exit(2);
}
const variant = parseServiceList(name)[0] ?? 'sqs-chain';
const args = [
  path.join(PROJECT_ROOT, 'node_modules/osls/bin/serverless.js'),
  'offline',
  'start',
  ...(rest.includes('--stage') ? [] : ['--stage', 'local']),
  ...rest,
];
const child = spawn(process.execPath, args, { cwd: serviceDir(variant), stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
