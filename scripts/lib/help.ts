import { readFileSync } from 'node:fs';

/**
 * The usage text of a script: its leading doc comment (the one that says how to run it), without
 * the comment markers. One text for the reader of the code and for `--help`, so they cannot drift.
 */
export function usageFromDocComment(source: string): string | undefined {
  const block = /^\s*(?:#![^\n]*\n)?\s*\/\*\*([\s\S]*?)\*\//.exec(source)?.[1];
  if (block === undefined) return undefined;
  return block
    .split('\n')
    .map((line) => line.replace(/^\s*\* ?/, ''))
    .join('\n')
    .trim();
}

/** True when the arguments ask for help: `--help` or `-h` before any `--`. */
export function asksForHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

/**
 * `--help` / `-h`: prints the running script's usage (its leading doc comment) and exits 0. Called
 * by the scripts' argument parsing, so every `npm run <script> -- --help` answers.
 */
export function exitWithHelpIfAsked(argv: readonly string[] = process.argv): void {
  if (!asksForHelp(argv.slice(2))) return;
  const script = argv[1];
  const usage = script ? usageFromDocComment(readFileSync(script, 'utf8')) : undefined;
  console.log(usage ?? 'No usage text: see the README.');
  process.exit(0);
}
