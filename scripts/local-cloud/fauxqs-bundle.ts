import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rename, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { startFauxqs } from 'fauxqs';
import { partialPathFor } from './atomic-file.ts';

const require = createRequire(import.meta.url);

/**
 * fauxqs (the local SQS) as one esbuild bundle, built once per fauxqs version and cached under
 * `<workDir>/bundles/`. Two reasons:
 * - fauxqs imports its optional on-disk persistence, and with it `node:sqlite`, at load time.
 *   The local cloud never persists queues (every run starts empty), and loading that module
 *   makes Node print an ExperimentalWarning on every run. The bundle replaces `node:sqlite`
 *   with a module whose `DatabaseSync` says persistence is off, so the experimental module is
 *   never loaded.
 * - One file parses in a fraction of the time of fauxqs's few hundred modules (start-up of
 *   `sls offline` and of every test file).
 */
const SQLITE_STUB = `export class DatabaseSync {
  constructor() {
    throw new Error('fauxqs persistence is off in the local cloud (queues live in memory)');
  }
}`;

/** One load per bundle file in this process: clouds started in parallel share it. */
const loads = new Map<string, Promise<typeof startFauxqs>>();

export async function loadFauxqs(workDir: string): Promise<typeof startFauxqs> {
  // fauxqs exports only its ES module entry: find its package.json the way Node looks for it.
  const packageJson = (require.resolve.paths('fauxqs') ?? [])
    .map((dir) => path.join(dir, 'fauxqs', 'package.json'))
    .find((file) => existsSync(file));
  if (!packageJson) throw new Error('fauxqs is not installed: run npm install');
  const { version } = JSON.parse(await readFile(packageJson, 'utf8')) as { version: string };
  const key = createHash('sha256')
    .update(JSON.stringify([version, SQLITE_STUB]))
    .digest('hex')
    .slice(0, 12);
  const outfile = path.join(workDir, 'bundles', `fauxqs-${key}.mjs`);
  let load = loads.get(outfile);
  if (!load) {
    load = buildAndImport(outfile, path.dirname(packageJson));
    load.catch(() => loads.delete(outfile));
    loads.set(outfile, load);
  }
  return load;
}

async function buildAndImport(outfile: string, fauxqsDir: string): Promise<typeof startFauxqs> {
  const built = await stat(outfile).then(
    () => true,
    () => false,
  );
  if (!built) {
    const { build } = await import('esbuild');
    // Written under a name of its own and renamed: processes that start clouds in parallel
    // never load a half-written bundle, nor rename each other's.
    const partial = partialPathFor(outfile);
    await build({
      stdin: { contents: "export { startFauxqs } from 'fauxqs';", resolveDir: fauxqsDir },
      outfile: partial,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      logLevel: 'silent',
      // CommonJS dependencies inside an ES module bundle call require() for Node's built-ins.
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
      plugins: [
        {
          name: 'no-sqlite',
          setup(b) {
            b.onResolve({ filter: /^node:sqlite$/ }, () => ({ path: 'node:sqlite', namespace: 'no-sqlite' }));
            b.onLoad({ filter: /.*/, namespace: 'no-sqlite' }, () => ({ contents: SQLITE_STUB, loader: 'js' }));
          },
        },
      ],
    });
    await rename(partial, outfile);
  }
  const mod = (await import(pathToFileURL(outfile).href)) as { startFauxqs: typeof startFauxqs };
  return mod.startFauxqs;
}
