/**
 * `npm run model:stability [-- --orders N --low C --high C --seed S --variants a,b]`: runs the
 * same seeded workload at two loads (orders in flight) and prints, per variant, the local p50 and
 * the modelled-for-AWS p50 at each: the local figure follows the machine's load, the modelled one
 * must not (within 10%, issue 11). Exits 1 when a modelled p50 moves more than that.
 */
import { type ComparisonOptions, runComparison } from './lib/comparison.ts';
import { parseVariantList, specOf, VARIANTS, type Variant } from './lib/variants.ts';
import type { Report } from './report/types.ts';
import { parseCliArgs } from './lib/cli-args.ts';

const { values } = parseCliArgs('model:stability', {
  options: {
    orders: { type: 'string', default: '80' },
    low: { type: 'string', default: '1' },
    high: { type: 'string', default: '16' },
    seed: { type: 'string', default: '42' },
    // Only variants the model prices (their hops have a published delay); the others are "not modelled".
    variants: { type: 'string', default: VARIANTS.filter((v) => specOf(v).hopType).join(',') },
  },
});

const base: ComparisonOptions = {
  orders: Number(values.orders),
  concurrency: 1,
  rate: 0,
  seed: Number(values.seed),
  declineRate: 0.05,
  outOfStockRate: 0.05,
  transientRate: 0.1,
  rejectRate: 0.02,
  variants: parseVariantList(values.variants),
  latencyModel: 'aws',
  sfnType: 'standard',
  onPhase: (m) => console.log(`  - ${m}`),
};

const loads = [Number(values.low), Number(values.high)];
const reports: Report[] = [];
for (const concurrency of loads) {
  console.log(`seed ${base.seed}, ${base.orders} orders, ${concurrency} in flight`);
  reports.push(await runComparison({ ...base, concurrency }));
}
const [low, high] = reports as [Report, Report];
let moved = false;
console.log(
  `\n${'variant'.padEnd(20)}${`local p50 @${loads[0]}`.padStart(16)}${`@${loads[1]}`.padStart(10)}${`modelled p50 @${loads[0]}`.padStart(20)}${`@${loads[1]}`.padStart(10)}${'change'.padStart(9)}`,
);
for (const name of Object.keys(low.variants)) {
  const a = low.variants[name]!;
  const b = high.variants[name]!;
  if (!specOf(name as Variant).hopType) {
    console.log(
      `${name.padEnd(20)}${String(a.latencyMs.local.p50).padStart(16)}${String(b.latencyMs.local.p50).padStart(10)}  not modelled`,
    );
    continue;
  }
  const ma = a.latencyMs.modelledAws?.p50 ?? Number.NaN;
  const mb = b.latencyMs.modelledAws?.p50 ?? Number.NaN;
  const change = Math.abs(mb - ma) / ma;
  if (!(change <= 0.1)) moved = true;
  console.log(
    `${name.padEnd(20)}${String(a.latencyMs.local.p50).padStart(16)}${String(b.latencyMs.local.p50).padStart(10)}${String(ma).padStart(20)}${String(mb).padStart(10)}${`${(change * 100).toFixed(1)}%`.padStart(9)}`,
  );
}
if (moved) {
  console.error('a modelled p50 moved more than 10% with the load');
  process.exit(1);
}
