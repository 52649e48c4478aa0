import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { PROJECT_ROOT } from '#cloud/cloud';
import { asksForHelp, usageFromDocComment } from '#lib/help';

const run = promisify(execFile);

describe('--help', () => {
  it('is the leading doc comment of the script, without its markers', () => {
    const source =
      "/**\n * `npm run x -- [--a N]`: does x.\n *\n *   --a N   how many [3]\n */\nimport 'y';\n/** not this */";
    expect(usageFromDocComment(source)).toBe('`npm run x -- [--a N]`: does x.\n\n  --a N   how many [3]');
    expect(usageFromDocComment("import 'y';\n/** not a leading comment */")).toBeUndefined();
  });

  it('is asked by --help or -h, not by what follows --', () => {
    expect(asksForHelp(['--orders', '3', '--help'])).toBe(true);
    expect(asksForHelp(['-h'])).toBe(true);
    expect(asksForHelp(['--orders', '3'])).toBe(false);
    expect(asksForHelp(['--', '--help'])).toBe(false);
  });

  it('npm start -- --help prints every option the main job takes, and exits 0 without starting anything', async () => {
    const tsx = path.join(PROJECT_ROOT, 'node_modules/tsx/dist/cli.mjs');
    const { stdout } = await run(process.execPath, [tsx, 'scripts/compare.ts', '--help'], { cwd: PROJECT_ROOT });
    for (const option of [
      '--orders',
      '--concurrency',
      '--rate',
      '--seed',
      '--transient-rate',
      '--review-rate',
      '--variants',
      '--deadline',
    ])
      expect(stdout).toContain(option);
    expect(stdout).toContain('five variants');
    expect(stdout).not.toContain('order-pipelines:');
  }, 60_000);
});
