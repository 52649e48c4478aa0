import { type ParseArgsConfig, parseArgs } from 'node:util';
import { exitWithHelpIfAsked } from './help.ts';

/**
 * `parseArgs` for the npm scripts: an unknown option, a missing value or a value of the wrong
 * kind ends the script with `<script>: <what is wrong>` on stderr and exit code 2, as `npm start`
 * does, instead of a stack trace.
 */
export function parseCliArgs<T extends ParseArgsConfig>(script: string, config: T): ReturnType<typeof parseArgs<T>> {
  return orUsageError(script, () => parseArgs(config));
}

/**
 * Runs a script's own argument parser: what it throws (a bad option or value) ends the script as
 * `parseCliArgs` does.
 *
 * @example
 * const options = orUsageError('compare', () => parseComparisonArgs(process.argv.slice(2)));
 */
export function orUsageError<T>(script: string, parse: () => T): T {
  // `--help` first: it is not an option of any script, and must not read as a bad one.
  exitWithHelpIfAsked();
  try {
    return parse();
  } catch (error) {
    return usageError(script, (error as Error).message);
  }
}

/** Ends the script on a bad argument: its name and the reason, exit code 2. */
export function usageError(script: string, message: string): never {
  console.error(`${script}: ${message}`);
  process.exit(2);
}
