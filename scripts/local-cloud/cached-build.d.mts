import type { BuildOptions } from 'esbuild';

/** See cached-build.mjs: an esbuild bundle rebuilt only when its inputs or options change. */
export function buildCached(options: BuildOptions & { outfile: string }): Promise<void>;
