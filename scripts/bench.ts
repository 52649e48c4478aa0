/**
 * `npm run bench [-- --orders N --concurrency C --variants a,b]`: the local orchestration overhead
 * per hop of each variant, as a ratio to the in-process baseline, measured in one run (same
 * machine, same moment: the ratio survives a noisy machine better than absolute times).
 * Only happy-path orders, no modelled AWS delay: what is left is the cost of the wiring itself.
 */
import { parseComparisonArgs } from './lib/cli-options.ts';
import { runComparison } from './lib/comparison.ts';
import { createProgress } from './lib/progress.ts';
import type { Report } from './report/types.ts';
import { writeReport } from './report/write-report.ts';

export interface BenchRow {
  variant: string;
  p50Ms: number;
  baselineP50Ms: number;
  hopsPerOrder: number;
  overheadPerHopMs: number;
  ratioToBaseline: number;
}

const options = parseComparisonArgs(process.argv.slice(2), {
  orders: 150, concurrency: 5, latencyModel: 'none', declineRate: 0, outOfStockRate: 0, transientRate: 0, rejectRate: 0,
});
const progress = createProgress();
progress.note(`bench: ${options.orders} happy-path orders per variant, concurrency ${options.concurrency}, no modelled delay`);
const report = await runComparison({ ...options, onProgress: (v, d, t) => progress.update(v, d, t), onPhase: (m) => progress.note(`- ${m}`) });
const baselineP50 = report.baseline.latencyMs.local.p50;
const rows: BenchRow[] = Object.entries(report.variants).map(([variant, v]) => {
  const hops = v.hopsPerOrder ?? 4;
  return {
    variant, p50Ms: v.latencyMs.local.p50, baselineP50Ms: baselineP50, hopsPerOrder: hops,
    overheadPerHopMs: round((v.latencyMs.local.p50 - baselineP50) / hops),
    ratioToBaseline: round(v.latencyMs.local.p50 / Math.max(1, baselineP50)),
  };
});
const written = writeReport({ ...report, bench: { measuredAt: report.generatedAt, orders: options.orders, concurrency: options.concurrency, rows } } as Report);
console.log('\nlocal orchestration overhead (p50, one run, same machine)');
console.log(`${'variant'.padEnd(20)}${'p50 ms'.padStart(10)}${'baseline'.padStart(10)}${'hops'.padStart(6)}${'ms/hop'.padStart(9)}${'ratio'.padStart(8)}`);
for (const r of rows) {
  console.log(`${r.variant.padEnd(20)}${String(r.p50Ms).padStart(10)}${String(r.baselineP50Ms).padStart(10)}${String(r.hopsPerOrder).padStart(6)}${r.overheadPerHopMs.toFixed(1).padStart(9)}${`${r.ratioToBaseline.toFixed(2)}x`.padStart(8)}`);
}
console.log(`report (with "bench"): ${written.json}`);

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
