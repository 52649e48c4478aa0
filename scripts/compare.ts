/**
 * `npm start` / `npm run compare -- [options]`: the main job. Boots the local cloud, deploys the
 * three variants into it, drives the same seeded workload through each, checks the invariants,
 * prints the side-by-side table and writes reports/<timestamp>/report.{json,md,html}.
 * Options: --orders N --concurrency C --rate R --seed S --decline-rate --out-of-stock-rate
 * --transient-rate --reject-rate --variants a,b,c --latency-model aws|none --sfn-type standard|express
 */
import { orUsageError } from './lib/cli-args.ts';
import { parseComparisonArgs } from './lib/cli-options.ts';
import { runComparison } from './lib/comparison.ts';
import { createProgress } from './lib/progress.ts';
import { computeVerdicts } from './report/render-markdown.ts';
import { renderTable } from './report/render-table.ts';
import { writeReport } from './report/write-report.ts';

const options = orUsageError('compare', () => parseComparisonArgs(process.argv.slice(2)));
const progress = createProgress();
const started = Date.now();
progress.note(
  `order-pipelines: ${options.orders} orders x ${options.variants.length} variants (seed ${options.seed}, latency ` +
    `model ${options.latencyModel})`,
);
const report = await runComparison({
  ...options,
  onProgress: (variant, done, total) => progress.update(variant, done, total),
  onPhase: (m) => progress.note(`- ${m}`),
});
const written = writeReport(report);
console.log(`\n${renderTable(report, computeVerdicts(report))}`);
console.log(
  `report: ${written.markdown}\n        ${written.html}\n        ${written.json}  (latest: ${written.latest})`,
);
console.log(`finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
const violations = Object.values(report.variants).reduce(
  (n, v) => n + v.invariantViolations.length,
  report.baseline?.invariantViolations.length ?? 0,
);
if (violations > 0) {
  console.error(`${violations} invariant violation(s): see the report`);
  process.exit(1);
}
