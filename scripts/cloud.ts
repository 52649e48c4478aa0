/**
 * `npm run cloud [-- --variants a,b]`: the embedded local cloud on the usual ports, with the
 * variants deployed into it, until Ctrl-C. Prints the endpoints and writes
 * `.local-cloud/endpoints.json`, so the AWS CLI and the scripts can find them.
 */
import { startLocalCloud, writeEndpoints } from './local-cloud/cloud.ts';
import { VARIANTS, parseVariantList, serviceDir } from './lib/variants.ts';
import { parseCliArgs } from './lib/cli-args.ts';

const { values } = parseCliArgs('cloud', {
  options: {
    variants: { type: 'string', default: VARIANTS.join(',') },
    'http-port': { type: 'string', default: '3001' },
  },
});
const variants = values.variants === 'none' ? [] : parseVariantList(values.variants);
// Tables, items and schedules are kept on disk (.local-cloud/): a restarted `npm run cloud`, once it
// has redeployed the variants, still has the orders that wait and fires the timeouts that were due.
const cloud = await startLocalCloud({ persistState: true });
const apis: Record<string, string> = {};
let port = Number(values['http-port']);
for (const variant of variants) {
  const stack = await cloud.deploy(serviceDir(variant), { httpPort: port, environment: { LOG_LEVEL: 'ERROR' } });
  if (port > 0) port++;
  if (stack.apiUrl) apis[variant] = stack.apiUrl;
}
const file = await writeEndpoints(cloud, { apis });
console.log('local cloud up (Ctrl-C to stop)');
for (const [service, url] of Object.entries(cloud.endpoints)) console.log(`  ${service.padEnd(14)} ${url}`);
for (const [variant, url] of Object.entries(apis)) console.log(`  api ${variant.padEnd(18)} ${url}/orders`);
console.log(`endpoints written to ${file}`);
console.log(
  `try: AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x aws --region us-east-1 --endpoint-url ${cloud.endpoints.sqs} sqs ` +
    `list-queues`,
);

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping the local cloud`);
  await cloud.stop();
  process.exit(0);
};
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
