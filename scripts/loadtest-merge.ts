/**
 * `npm run loadtest:merge -- <loadtest-run.json> <loadtest-run.json> ...`: one report from several
 * generators that each drove a slice of the same seeded workload (`--run-id id --slice i/n`),
 * at the same time, against the same targets. Orders are put together per target; counts are
 * read again from CloudWatch, once, over the union of the generators' windows (adding theirs
 * would count the stack once per generator), minus every generator's own reads.
 */
import { readFileSync } from 'node:fs';
import { exitWithHelpIfAsked } from './lib/help.ts';
import { recount, type CountingInputs } from './lib/loadtest-target.ts';
import { renderTargetNotes } from './lib/loadtest-report.ts';
import { buildReport } from './report/build-report.ts';
import { computeVerdicts } from './report/render-markdown.ts';
import { renderTable } from './report/render-table.ts';
import type { RunInput, VariantRun } from './report/types.ts';
import { writeReport } from './report/write-report.ts';

exitWithHelpIfAsked();
const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (files.length < 2) {
  console.error('usage: npm run loadtest:merge -- <loadtest-run.json> <loadtest-run.json> [...]');
  process.exit(2);
}
const parts = files.map(
  (file) => JSON.parse(readFileSync(file, 'utf8')) as { input: RunInput; counting: CountingInputs[] },
);
const runIds = new Set(parts.map((p) => p.input.workload.runId));
if (runIds.size > 1) {
  console.error(`loadtest:merge: the runs come from different workloads (run ids ${[...runIds].join(', ')})`);
  process.exit(2);
}
const names = [...new Set(parts.flatMap((p) => p.input.variants.map((v) => v.name)))];
const variants: VariantRun[] = [];
for (const name of names) {
  const pieces = parts.flatMap((p) => p.input.variants.filter((v) => v.name === name));
  const counting = parts.flatMap((p) => p.counting.filter((c) => c.url === pieces[0]?.target?.url));
  const counted = await recount(counting, { stage: 'dev', sfnType: 'standard' });
  const first = pieces[0]!;
  const lags = pieces.map((p) => p.target?.clientLagMs).filter((l) => l !== undefined);
  const rates = pieces.map((p) => p.target?.openModel).filter((r) => r !== undefined);
  variants.push({
    ...first,
    orders: pieces.flatMap((p) => p.orders),
    counts: counted.counts,
    countsUnavailable: [...counted.unavailable],
    wallClockMs: Math.max(...counting.map((c) => c.endMs)) - Math.min(...counting.map((c) => c.startMs)),
    invariantViolations: pieces.flatMap((p) => p.invariantViolations),
    target: {
      ...first.target!,
      slice: `${pieces.length} generators`,
      countNotes: [`merged from ${pieces.length} generators; counted once over their union window`, ...counted.notes],
      metrics: counted.metrics,
      // The worst generator's lag: the one that decides whether the load was what was asked.
      ...(lags.length > 0 ? { clientLagMs: lags.sort((a, b) => b.p99 - a.p99)[0]! } : {}),
      ...(rates.length === pieces.length && rates.length > 0
        ? {
            // The generators ran side by side: their rates add up; the target's is over all orders.
            openModel: {
              requestedPerSec: sum(rates.map((r) => r.requestedPerSec)),
              sentPerSec: sum(rates.map((r) => r.sentPerSec)),
              acceptedPerSec: sum(rates.map((r) => r.acceptedPerSec)),
              completedPerSec: completedPerSec(pieces.flatMap((p) => p.orders)),
            },
          }
        : {}),
    },
  });
}
const workload = parts[0]!.input.workload;
const report = buildReport({
  workload: { ...workload, orders: variants[0]?.orders.length ?? 0, slice: `merged from ${files.length}` },
  variants,
});
const written = writeReport(report);
console.log(`\n${renderTable(report, computeVerdicts(report))}`);
console.log(renderTargetNotes(report));
console.log(`report: ${written.markdown}\n        ${written.html}`);

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** Terminal orders a second over the records' own span (first accepted to last terminal). */
function completedPerSec(orders: ReadonlyArray<{ acceptedAtMs: number; terminalAtMs?: number }>): number {
  const ended = orders.filter((o) => o.terminalAtMs !== undefined);
  if (ended.length < 2) return 0;
  const span = Math.max(...ended.map((o) => o.terminalAtMs!)) - Math.min(...ended.map((o) => o.acceptedAtMs));
  return span > 0 ? ((ended.length - 1) * 1000) / span : 0;
}
