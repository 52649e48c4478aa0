// Plain JavaScript (typed by cached-build.d.mts): the sls offline plugin, which is CommonJS and
// loads no TypeScript, uses it to bundle the local cloud before importing it.
import { createHash } from 'node:crypto';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';

async function fingerprintOf(files) {
  const out = {};
  for (const file of files) {
    const info = await stat(file).catch(() => undefined);
    if (!info) return undefined;
    out[file] = `${info.size}:${info.mtimeMs}`;
  }
  return out;
}

/**
 * An esbuild bundle rebuilt only when it would change: next to its output sits the list of every
 * file that went into it (esbuild's metafile) with its size and modification time, the files it
 * wrote and the build options. A bundle whose inputs and options are unchanged is used as it is, so
 * starting `sls offline`, `npm start` or a test file bundles nothing that was bundled before.
 *
 * One output file (`outfile`), or an entry point and the chunks it imports lazily (`outdir` with
 * `splitting`; `manifest` names the list): chunks a rebuild no longer writes are deleted.
 */
export async function buildCached(options, { manifest } = {}) {
  const manifestFile = manifest ?? `${options.outfile}.inputs.json`;
  const workingDir = options.absWorkingDir ?? process.cwd();
  const key = createHash('sha256').update(JSON.stringify(options)).digest('hex');
  const previous = await readFile(manifestFile, 'utf8')
    .then((text) => JSON.parse(text))
    .catch(() => undefined);
  const outputsOf = (m) => m?.outputs ?? (options.outfile ? [options.outfile] : []);
  if (previous?.key === key && (await fingerprintOf(outputsOf(previous)))) {
    const now = await fingerprintOf(Object.keys(previous.inputs));
    if (now && JSON.stringify(now) === JSON.stringify(previous.inputs)) return;
  }
  const result = await build({ ...options, metafile: true });
  const inputs = Object.keys(result.metafile?.inputs ?? {})
    // Virtual modules of plugins (`namespace:path`) have no file to watch.
    .filter((input) => !/^[a-z-]+:/.test(input))
    .map((input) => path.resolve(workingDir, input));
  const outputs = Object.keys(result.metafile?.outputs ?? {}).map((output) => path.resolve(workingDir, output));
  for (const stale of outputsOf(previous).filter((output) => !outputs.includes(output))) {
    await rm(stale, { force: true });
  }
  const fingerprint = await fingerprintOf(inputs);
  if (fingerprint) await writeFile(manifestFile, JSON.stringify({ key, inputs: fingerprint, outputs }));
}
