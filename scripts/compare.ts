/**
 * `npm start` / `npm run compare -- [options]`: the main job. Boots the local cloud, deploys the
 * five variants into it, drives the same seeded workload through each and through the baseline,
 * checks the invariants, prints the side-by-side table and writes
 * reports/<timestamp>/report.{json,md,html}. Exits 1 on any invariant violation, 2 on a bad option.
 *
 * Options (defaults in brackets):
 *   --orders N                orders per variant [200]
 *   --concurrency C           orders in flight, a closed model [4 per core]
 *   --rate R                  an open model instead: R orders a second, whatever the answers
 *   --seed S                  the workload's seed: same seed, same orders [42]
 *   --decline-rate x          share of cards declined [0.05]
 *   --out-of-stock-rate x     share of orders for a SKU out of stock [0.05]
 *   --transient-rate x        share of cards that fail once or twice, then succeed [0.1]
 *   --reject-rate x           share of invalid orders, rejected at validation [0.02]
 *   --review-rate x           share of orders that wait for a manual review [0.03]
 *   --review-reject-rate x    of those, share the reviewer rejects [0.25]
 *   --review-timeout-rate x   of those, share nobody decides: the review times out [0.2]
 *   --review-timeout s        the review's timeout locally, seconds [10, or in flight / 5 when larger]
 *   --variants a,b            sqs-chain, eventbridge-flags, step-functions, durable-functions, single-lambda [all]
 *   --latency-model aws|none  aws: also model each order's journey on AWS from published figures [aws]
 *   --sfn-type standard|express   the step-functions workflow type [standard]
 *   --deadline s              an optional cap: stop waiting after s seconds (orders left are reported)
 * The mix shares add up to at most 1. Without --deadline the run ends when every order is
 * terminal, or when the local cloud is quiet (an order still not terminal is then stranded).
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
