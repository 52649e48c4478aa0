import type { BuildOptions } from 'esbuild';

/**
 * See cached-build.mjs: an esbuild bundle rebuilt only when its inputs or options change; one
 * `outfile`, or an `outdir` (entry and chunks) whose list of inputs is written to `manifest`.
 */
export function buildCached(
  options: BuildOptions & ({ outfile: string } | { outdir: string }),
  cache?: { manifest?: string },
): Promise<void>;
