/**
 * `npm run stress [-- --preset ci|quick|full]` or `npm run stress -- --orders N --concurrency C
 * --rate R --seeds a,b --decline-rate ... [--overload] --variants a,b`: a matrix of workloads
 * through the main job's machinery, one local cloud per cell. Prints a row per variant per cell
 * with PASS/FAIL against the acceptance, writes reports/stress-<time>.json, exits 1 on any FAIL.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createProgress } from './lib/progress.ts';
import {
  ACCEPTANCE,
  formatStressHeader,
  formatStressRow,
  parseStressArgs,
  runStressMatrix,
  type StressArgs,
} from './lib/stress-matrix.ts';
import { exitWithHelpIfAsked } from './lib/help.ts';

exitWithHelpIfAsked();
let args: StressArgs;
try {
  args = parseStressArgs(process.argv.slice(2));
} catch (error) {
  console.error(`stress: ${(error as Error).message}`);
  process.exit(2);
}
const started = Date.now();
let progress = createProgress();
const preset = args.preset ? `preset ${args.preset}, ` : '';
const what = `${preset}${args.cells.length} cell(s) x ${args.run.variants.join(', ')}`;
progress.note(`stress: ${what} (latency model ${args.run.latencyModel})`);
const rows = await runStressMatrix(args.cells, {
  ...args.run,
  onCell: (cell, index) => {
    // A fresh progress per cell: the same variant names come round again in every cell.
    progress = createProgress();
    progress.note(
      `cell ${index + 1}/${args.cells.length}: ${cell.name}${cell.kind === 'overload' ? ' (overload)' : ''}`,
    );
  },
  onPhase: (message) => progress.note(`  - ${message}`),
  onProgress: (variant, done, total) => progress.update(variant, done, total),
  onRows: (cellRows) => {
    progress.note('');
    console.log(formatStressHeader());
    for (const row of cellRows) console.log(formatStressRow(row));
    for (const row of cellRows.filter((r) => r.reasons.length > 0))
      console.log(`  ${row.verdict} ${row.variant}: ${row.reasons.join('; ')}`);
  },
});

const failed = rows.filter((r) => r.verdict === 'FAIL');
const judged = rows.filter((r) => r.verdict !== 'n/a');
mkdirSync('reports', { recursive: true });
const file = path.join('reports', `stress-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(
  file,
  `${JSON.stringify(
    {
      generatedAt: new Date().toISOString(),
      preset: args.preset ?? null,
      options: args.run,
      acceptance: ACCEPTANCE,
      cells: args.cells,
      rows,
      passed: failed.length === 0,
      finishedInMs: Date.now() - started,
    },
    null,
    2,
  )}\n`,
);
const unjudged = rows.length - judged.length;
const outside = unjudged ? `, ${unjudged} outside the acceptance (n/a)` : '';
console.log(`\n${judged.length - failed.length} of ${judged.length} judged rows PASS, ${failed.length} FAIL${outside}`);
console.log(`stress report: ${file}`);
console.log(`finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
if (failed.length > 0) process.exit(1);
