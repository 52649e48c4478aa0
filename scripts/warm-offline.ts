/**
 * Run by `npm install` (postinstall), or `npm run warm-offline`: starts `sls offline` once in each
 * variant's folder, until it is ready, and stops it. What a first start builds and checks stays in
 * `.local-cloud/` and in each service's `.esbuild/`, so the first start a user makes is as quick as
 * the ones after it: Node's compile cache of the framework, its plugins and the local cloud; the
 * local SQS's bundle; each service's configuration, checked against the framework's schema once;
 * each state machine's definition, validated once; the handlers' bundles.
 *
 * It never fails the install: a variant that does not start is named, with the first line of why,
 * and its first start pays for itself. `ORDER_PIPELINES_WARM=0` skips it.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PROJECT_ROOT } from './local-cloud/cloud.ts';
import { spawnSlsOffline } from './lib/sls-offline-process.ts';
import { VARIANTS, serviceDir } from './lib/variants.ts';

if (process.env.ORDER_PIPELINES_WARM === '0') process.exit(0);

// The starts write the project's endpoints.json; a user's own (a running `npm run cloud`) is put back.
const endpointsFile = path.join(PROJECT_ROOT, '.local-cloud', 'endpoints.json');
const endpointsBefore = await readFile(endpointsFile, 'utf8').catch(() => undefined);
const began = performance.now();
const warmed: string[] = [];
for (const variant of VARIANTS) {
  const started = performance.now();
  let offline: Awaited<ReturnType<typeof spawnSlsOffline>> | undefined;
  try {
    offline = await spawnSlsOffline({ serviceDir: serviceDir(variant) });
    await offline.waitFor(/Server ready/, 120_000);
    warmed.push(`${variant} ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } catch (error) {
    const why = String((error as Error).message ?? error).split('\n')[0];
    console.log(`warm-offline: ${variant} did not start (${why}); its first sls offline start builds its caches`);
  } finally {
    await offline?.stop();
  }
}
if (endpointsBefore === undefined) await rm(endpointsFile, { force: true });
else await writeFile(endpointsFile, endpointsBefore);
console.log(
  `warm-offline: sls offline started once in each variant to fill its caches (${warmed.join(', ')}; ` +
    `${((performance.now() - began) / 1000).toFixed(1)} s in all)`,
);
