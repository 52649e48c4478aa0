/**
 * `npm run deploy -- <variant> [--stage s] [sls options]`: `sls deploy` of one variant to your AWS
 * account (needs AWS credentials; nothing else in this project does). Prints the ApiUrl output
 * to pass to `npm run loadtest -- --target <ApiUrl>`.
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
  console.error(
    `usage: npm run deploy -- <${VARIANTS.join('|')}> [--stage dev] [--region us-east-1] [--param="type=EXPRESS"]`,
  );
  process.exit(2);
}
const variant = parseVariant(name);
const child = spawn(
  process.execPath,
  [path.join(PROJECT_ROOT, 'node_modules/osls/bin/serverless.js'), 'deploy', '--verbose', ...rest],
  { cwd: serviceDir(variant), stdio: 'inherit' },
);
child.on('exit', (code) => {
  if (code === 0) console.log(`\nnext: npm run loadtest -- --target <ApiUrl above> --orders 200`);
  process.exit(code ?? 1);
});
