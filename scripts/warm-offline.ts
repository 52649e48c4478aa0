/**
 * Run by `npm install` (postinstall), or `npm run warm-offline`: starts `sls offline` once in each
 * variant's folder, until it is ready, and stops it. What a first start builds and checks stays in
 * `.local-cloud/` and in each service's `.esbuild/`, so the first start a user makes is as quick as
 * the ones after it: Node's compile cache of the framework, its plugins and the local cloud; the
 * local SQS's bundle; each service's configuration, checked against the framework's schema once;
 * each state machine's definition, validated once; the handlers' bundles. Then it packages each
 * variant's template as `npm start` does at its defaults (`sls package`, cached by its inputs), so
 * the first `npm start` counts resources from the cache, like the ones after it.
 *
 * It never fails the install: a variant that does not start is named, with the first line of why,
 * and its first start pays for itself. `ORDER_PIPELINES_WARM=0` skips it.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PROJECT_ROOT } from './local-cloud/cloud.ts';
import { parseComparisonArgs } from './lib/cli-options.ts';
import { packageService } from './lib/package-service.ts';
import { spawnSlsOffline } from './lib/sls-offline-process.ts';
import { VARIANTS, packageArgs, serviceDir } from './lib/variants.ts';

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
// npm start's templates, as it packages them at its defaults (side by side, as it does).
const packagingStarted = performance.now();
const defaults = parseComparisonArgs([]);
const packaged = await Promise.allSettled(
  VARIANTS.map((variant) => packageService(variant, packageArgs(variant, defaults), { code: false })),
);
packaged.forEach((result, i) => {
  if (result.status === 'rejected')
    console.log(
      `warm-offline: ${VARIANTS[i]}'s template did not package (${String(result.reason?.message ?? result.reason).split('\n')[0]}); ` +
        'the first npm start packages it',
    );
});
const packagingSeconds = ((performance.now() - packagingStarted) / 1000).toFixed(1);
if (endpointsBefore === undefined) await rm(endpointsFile, { force: true });
else await writeFile(endpointsFile, endpointsBefore);
console.log(
  `warm-offline: sls offline started once in each variant to fill its caches (${warmed.join(', ')}; ` +
    `npm start's templates packaged in ${packagingSeconds} s; ${((performance.now() - began) / 1000).toFixed(1)} s in all)`,
);
