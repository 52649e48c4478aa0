/**
 * `npm run offline -- <variant> [sls options]`: `sls offline start` inside services/<variant>,
 * which boots the embedded local cloud behind it (scripts/serverless/local-cloud-plugin).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from './local-cloud/cloud.ts';
import { exitWithHelpIfAsked } from './lib/help.ts';
import { VARIANTS, parseVariant, serviceDir } from './lib/variants.ts';

const [name, ...rest] = process.argv.slice(2);
// `--help` in the variant's place: this script's usage (after a variant, options go to sls).
if (name === '--help' || name === '-h') exitWithHelpIfAsked();
if (!name) {
  console.error(`usage: npm run offline -- <${VARIANTS.join('|')}> [--stage local] [--httpPort 3000]`);
  process.exit(2);
}
const variant = parseVariant(name);
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
