import { computeAwsView } from '../measure/aws-view.ts';
import { formatNumber, formatUsd } from './render-table.ts';
import type { Report } from './types.ts';

/** A table of the AWS part of the report: the Markdown and the HTML render the same data. */
export interface AwsTable {
  id: string;
  title: string;
  columns: string[];
  rows: string[][];
  notes: string[];
}

const rate = (n: number | null | undefined): string =>
  n === null || n === undefined || !Number.isFinite(n) ? 'no ceiling' : formatNumber(n, n < 10 ? 1 : 0);
const pct = (n: number): string => `${formatNumber(n * 100, n < 0.1 ? 1 : 0)}%`;

/**
 * The "modelled for AWS" tables: per-order model (with what it leaves out), scale ceilings, cost
 * per month against volume and retry rate, orchestration's share against step duration, the
 * articles' claims, and the fan-out consumers reported apart.
 */
export function awsTables(report: Report): AwsTable[] {
  const tables: AwsTable[] = [];
  const variants = Object.entries(report.variants);
  const modelled = variants.filter(([, v]) => v.modelledAws);
  if (modelled.length > 0) {
    tables.push({
      id: 'aws-model',
      title:
        "Modelled for AWS, per order (published figures; local speed only as each function's own compute at light load)",
      columns: ['', ...modelled.map(([name]) => name)],
      rows: [
        [
          'p50 / p90 / p99 (ms)',
          ...modelled
            .map(([, v]) => ['p50', 'p90', 'p99'].map((q) => formatNumber(v.modelledAws!.latencyMs[q as 'p50'])))
            .map((x) => x.join(' / ')),
        ],
        ['typical order: hops (ms)', ...modelled.map(([, v]) => formatNumber(v.modelledAws!.typical.hopsMs))],
        [
          'typical order: own compute at light load (ms)',
          ...modelled.map(([, v]) => formatNumber(v.modelledAws!.typical.computeMs, 1)),
        ],
        ['typical order: invocations', ...modelled.map(([, v]) => formatNumber(v.modelledAws!.typical.steps))],
        [
          'typical order: DynamoDB calls (not timed)',
          ...modelled.map(([, v]) => formatNumber(v.modelledAws!.typical.dynamoCalls)),
        ],
        ['measured locally p50 (ms), for comparison', ...modelled.map(([, v]) => formatNumber(v.latencyMs.local.p50))],
      ],
      notes: [
        ...modelled.flatMap(([name, v]) =>
          v.modelledAws!.notModelled.map(
            (n) =>
              `Not modelled for ${name} (${formatNumber(n.orders)} orders): ${n.what}: ${n.why}${n.boundMsPerOrder !== undefined ? `; it may add up to ${formatNumber(n.boundMsPerOrder)} ms to a typical order` : ''}${n.source ? ` (${n.source})` : ''}.`,
          ),
        ),
        `Sources: ${[...new Set(modelled.flatMap(([, v]) => v.modelledAws!.sources))].join(', ')}.`,
      ],
    });
  }
  const scaled = variants.filter(([, v]) => v.scale);
  if (scaled.length > 0) {
    tables.push({
      id: 'aws-scale',
      title: 'Scale ceiling on a default account (us-east-1 quotas, shared/data/aws-quotas.json)',
      columns: ['', ...scaled.map(([name]) => name)],
      rows: [
        ['sustainable orders/s', ...scaled.map(([, v]) => rate(v.scale!.maxOrdersPerSec))],
        ['quota that binds first', ...scaled.map(([, v]) => v.scale!.bindingQuota)],
        [
          'latency starts to grow from (orders/s)',
          ...scaled.map(([, v]) =>
            v.scale!.latencyNotModelled ? 'not modelled' : rate(v.scale!.latencyGrowsFromOrdersPerSec),
          ),
        ],
        ['to raise it', ...scaled.map(([, v]) => v.scale!.raise)],
        ['source', ...scaled.map(([, v]) => v.scale!.source)],
        ...[...new Set(scaled.flatMap(([, v]) => v.scale!.quotas.map((q) => q.name)))].map((quota) => [
          `${quota}: orders/s (use per order; latency grows from)`,
          ...scaled.map(([, v]) => {
            const q = v.scale!.quotas.find((x) => x.name === quota);
            return q
              ? `${rate(q.ordersPerSec)} (${formatNumber(q.perOrder, 2)}; ${v.scale!.latencyNotModelled ? 'not modelled' : rate(q.latencyGrowsFromOrdersPerSec)})`
              : '-';
          }),
        ]),
      ],
      notes: [
        'A rate quota is a token bucket: below its refill rate nothing waits. "Latency starts to grow" is where a queueing approximation (M/D/1 for a rate quota, Erlang C for the concurrency pool) adds 10% to the modelled p50: an estimate, not a measurement.',
        ...scaled
          .filter(([, v]) => v.scale!.latencyNotModelled)
          .map(
            ([name, v]) =>
              `${name}: its ceiling comes from the run's units per order and the quotas; where latency starts to grow is not modelled (${v.scale!.latencyNotModelled}).`,
          ),
        'DynamoDB table throughput counts every table of the variant as one table: a lower bound on the ceiling. A hot SKU is limited to 1,000 writes/s by its partition in every variant alike (not shown as binding).',
      ],
    });
  }
  const curve = report.costCurve ?? [];
  if (curve.length > 0) {
    const names = Object.keys(curve[0]!.usd);
    tables.push({
      id: 'aws-cost-curve',
      title: 'Cost per month with the free tiers applied (USD, us-east-1 prices)',
      columns: ['orders / month', ...names],
      rows: curve.map((point) => [
        formatNumber(point.monthlyOrders),
        ...names.map((n) => formatUsd(point.usd[n] ?? 0)),
      ]),
      notes: crossovers(curve, names),
    });
  }
  const sweep = report.stepDurationSweep ?? [];
  if (sweep.length > 0 && report.awsView) {
    const names = Object.keys(sweep[0]!.overheadShare);
    const view = computeAwsView(report.awsView, { monthlyOrders: 1e6 }).variants;
    tables.push({
      id: 'aws-step-sweep',
      title: "Orchestration's share of the modelled p50 as each step takes longer",
      columns: ['step duration', ...names],
      rows: [
        ...sweep.map((point) => [
          `${formatNumber(point.stepMs)} ms`,
          ...names.map(
            (n) =>
              `${pct(point.overheadShare[n] ?? 0)} of ${formatNumber(point.latencyP50Ms[n] ?? 0)} ms; ${formatUsd(point.usdPerMillion?.[n] ?? 0)}/M`,
          ),
        ]),
        [
          'under 10% from',
          ...names.map((n) => `${formatNumber(view.find((v) => v.name === n)?.stepMsForTenPercent ?? 0)} ms per step`),
        ],
      ],
      notes: [],
    });
  }
  const retries = report.retryCostCurve ?? [];
  if (retries.length > 0) {
    const names = Object.keys(retries[0]!.usdPerMillion);
    tables.push({
      id: 'aws-retry-cost',
      title:
        "Cost per million orders as retries grow (each retried attempt: an invocation and its mechanism's billed calls)",
      columns: ['retried attempts / order', ...names],
      rows: retries.map((point) => [
        formatNumber(point.retriesPerOrder, 2),
        ...names.map((n) => formatUsd(point.usdPerMillion[n] ?? 0)),
      ]),
      notes: [],
    });
  }
  const claims = report.claims ?? [];
  if (claims.length > 0) {
    tables.push({
      id: 'claims',
      title: "The articles' claims, checked",
      columns: ['claim', 'verdict', 'the numbers'],
      rows: claims.map((c) => [c.claim, c.verdict, c.evidence]),
      notes: [],
    });
  }
  const fanOut = variants.filter(([, v]) => v.fanOut);
  if (fanOut.length > 0) {
    tables.push({
      id: 'fan-out',
      title: 'Reported apart: consumers after the order ended (not in the comparison above)',
      columns: ['variant', 'functions', 'invocations / order', 'cost per million orders'],
      rows: fanOut.map(([name, v]) => [
        name,
        v.fanOut!.functions.join(', '),
        formatNumber((v.fanOut!.counts.lambdaInvocations ?? 0) / Math.max(1, v.orders), 2),
        formatUsd(v.fanOut!.costPerMillionUsd),
      ]),
      notes: ['The other variants have no such consumer: their figures and these are compared on the same pipeline.'],
    });
  }
  return tables;
}

/** Where two cost curves cross between adjacent volumes (or that they never do in the range). */
function crossovers(curve: NonNullable<Report['costCurve']>, names: readonly string[]): string[] {
  const notes: string[] = [];
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) {
      const a = names[i]!;
      const b = names[j]!;
      for (let k = 1; k < curve.length; k++) {
        const before = (curve[k - 1]!.usd[a] ?? 0) - (curve[k - 1]!.usd[b] ?? 0);
        const after = (curve[k]!.usd[a] ?? 0) - (curve[k]!.usd[b] ?? 0);
        if (before !== 0 && after !== 0 && Math.sign(before) !== Math.sign(after)) {
          notes.push(
            `${a} and ${b} cross between ${formatNumber(curve[k - 1]!.monthlyOrders)} and ${formatNumber(curve[k]!.monthlyOrders)} orders a month.`,
          );
        }
      }
    }
  }
  const standard = names.find((n) => `${n} (Express)` !== n && names.includes(`${n} (Express)`));
  if (standard && !notes.some((n) => n.includes(`${standard} (Express)`)))
    notes.push(
      `${standard} (Standard) and ${standard} (Express) do not cross between ${formatNumber(curve[0]!.monthlyOrders)} and ${formatNumber(curve[curve.length - 1]!.monthlyOrders)} orders a month at the measured step duration; see the claims for the step duration where they do.`,
    );
  if (notes.length === 0)
    notes.push('No two curves cross in this range: the order of the variants holds at every volume.');
  return notes;
}
