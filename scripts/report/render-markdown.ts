import { type AwsTable, awsTables } from './aws-tables.ts';
import { durableCheckpointTables } from './durable-section.ts';
import {
  comparisonTable,
  formatNumber,
  formatRatio,
  formatUsd,
  reviewLines,
  type TableSection,
} from './render-table.ts';
import type { Report, VariantReport } from './types.ts';

type Named = [name: string, variant: VariantReport];

/**
 * Short findings computed from the report's numbers, never canned: each names the variants,
 * the figures and the cause the breakdown shows, and says whether it is measured or modelled.
 *
 * @example
 * computeVerdicts(report)[0]
 * // "step-functions costs 4.2x sqs-chain per million orders ($312.50 vs $74.40), driven by
 * //  Step Functions state transitions (62%)."
 */
export function computeVerdicts(report: Report): string[] {
  const variants = Object.entries(report.variants);
  if (variants.length === 0) return [];
  return [
    ...costVerdicts(variants),
    ...modelledLatencyVerdicts(variants, report),
    localLatencyVerdict(variants, report.baseline),
    outcomeVerdict(variants),
    ...invariantVerdicts(variants),
    sizeVerdict(variants),
  ].filter((verdict): verdict is string => verdict !== undefined);
}

function costVerdicts(variants: readonly Named[]): string[] {
  const partial = variants.filter(([, v]) => v.countsUnavailable.length > 0);
  if (partial.length > 0) {
    return [
      `Costs are lower bounds, not compared: ${partial.map(([name, v]) => `${name} could not count ${v.countsUnavailable.join(', ')}`).join('; ')}.`,
    ];
  }
  const [cheapest, ...others] = [...variants].sort(([, a], [, b]) => a.costPerMillionUsd - b.costPerMillionUsd);
  if (!cheapest) return [];
  const [cheapName, cheap] = cheapest;
  const main = largestCostShare(cheap);
  const lines = [
    `${cheapName} is the cheapest at ${formatUsd(cheap.costPerMillionUsd)} per million orders${main ? `, ${main.share} of it ${main.item}` : ''}.`,
  ];
  for (const [name, v] of others) {
    const driver = largestCostShare(v);
    const relation =
      cheap.costPerMillionUsd > 0 && v.costPerMillionUsd / cheap.costPerMillionUsd >= 1.05
        ? `costs ${formatRatio(v.costPerMillionUsd / cheap.costPerMillionUsd)} ${cheapName}`
        : `costs about the same as ${cheapName}`;
    lines.push(
      `${name} ${relation} per million orders (${formatUsd(v.costPerMillionUsd)} vs ${formatUsd(cheap.costPerMillionUsd)})${driver ? `, driven by ${driver.item} (${driver.share})` : ''}.`,
    );
  }
  // A total that leaves out what has no published price says so, so no one reads it as complete.
  for (const [name, v] of variants)
    if (v.notPriced?.length)
      lines.push(
        `${name}'s total leaves out ${v.notPriced.map((line) => line.item).join(' and ')}: not priced, ${v.notPriced[0]!.reason}.`,
      );
  return lines;
}

function largestCostShare(v: VariantReport): { item: string; share: string } | undefined {
  const top = [...v.costBreakdown].sort((a, b) => b.usdPerMillionOrders - a.usdPerMillionOrders)[0];
  if (!top || v.costPerMillionUsd <= 0) return undefined;
  return { item: top.item, share: `${Math.round((top.usdPerMillionOrders / v.costPerMillionUsd) * 100)}%` };
}

function modelledLatencyVerdicts(variants: readonly Named[], report: Report): string[] {
  const modelled = variants
    .filter(([, v]) => v.latencyMs.modelledAws)
    .sort(([, a], [, b]) => a.latencyMs.modelledAws!.p99 - b.latencyMs.modelledAws!.p99);
  const { hops } = report.sources.hopLatency;
  const lines = modelled.map(([name, v]) => {
    const p99 = `${name} p99 modelled on AWS is ${formatNumber(v.latencyMs.modelledAws!.p99)} ms (local p99 ${formatNumber(v.latencyMs.local.p99)} ms)`;
    if (!v.hopType || v.hopsPerOrder === undefined) return `${p99}.`;
    const hop = hops[v.hopType];
    return `${p99}: a typical order crosses ${v.hopsPerOrder} ${hop.name} hops at ${formatNumber(hop.p50, 1)} ms p50 each.`;
  });
  const fastest = modelled[0];
  const slowest = modelled[modelled.length - 1];
  if (fastest && slowest && fastest !== slowest) {
    const low = fastest[1].latencyMs.modelledAws!.p99;
    const high = slowest[1].latencyMs.modelledAws!.p99;
    lines.push(
      `Modelled on AWS, ${fastest[0]} has the lowest p99 (${formatNumber(low)} ms) and ${slowest[0]} the highest, ${formatRatio(high / Math.max(1, low))} as long (${formatNumber(high)} ms).`,
    );
  }
  return lines;
}

function localLatencyVerdict(variants: readonly Named[], baseline: VariantReport | undefined): string | undefined {
  const sorted = [...variants].sort(([, a], [, b]) => a.latencyMs.local.p99 - b.latencyMs.local.p99);
  const fastest = sorted[0];
  const slowest = sorted[sorted.length - 1];
  if (!fastest || !slowest) return undefined;
  const where = fastest[1].target ? 'Measured against the target' : 'Measured locally';
  // One variant has no "lowest": say its figure.
  if (fastest === slowest && !baseline)
    return `${where}, ${fastest[0]} has a p99 of ${formatNumber(fastest[1].latencyMs.local.p99)} ms (p50 ${formatNumber(fastest[1].latencyMs.local.p50)} ms).`;
  const base = baseline?.latencyMs.local.p99 ?? 0;
  const overhead =
    base > 0
      ? `, ${formatRatio(fastest[1].latencyMs.local.p99 / base)} the in-process baseline's ${formatNumber(base)} ms`
      : '';
  const rest =
    fastest === slowest ? '' : `; ${slowest[0]} has the highest (${formatNumber(slowest[1].latencyMs.local.p99)} ms)`;
  if (fastest === slowest)
    return `${where}, ${fastest[0]} has a p99 of ${formatNumber(fastest[1].latencyMs.local.p99)} ms${overhead ? ` (${overhead.slice(2)})` : ''}.`;
  return `${where}, ${fastest[0]} has the lowest p99 (${formatNumber(fastest[1].latencyMs.local.p99)} ms${overhead})${rest}.`;
}

function outcomeVerdict(variants: readonly Named[]): string | undefined {
  const retries = variants.map(([, v]) => v.retries);
  const compensations = variants.map(([, v]) => v.compensations);
  const failed = variants.map(([, v]) => v.dlq);
  if (allEqual(retries) && allEqual(compensations) && allEqual(failed)) {
    return `Every variant retried ${formatNumber(retries[0]!)} step attempts, compensated ${formatNumber(compensations[0]!)} orders and parked ${formatNumber(failed[0]!)} in a DLQ: the same outcomes by different wiring.`;
  }
  return `Outcomes differ: ${variants.map(([name, v]) => `${name} retried ${formatNumber(v.retries)} step attempts, compensated ${formatNumber(v.compensations)} orders, parked ${formatNumber(v.dlq)}`).join('; ')}.`;
}

function invariantVerdicts(variants: readonly Named[]): string[] {
  const broken = variants.filter(([, v]) => v.invariantViolations.length > 0 || v.nonTerminal > 0);
  const partial = variants.filter(([, v]) => v.target);
  if (broken.length === 0 && partial.length > 0) {
    // A load test claims only what it checked.
    return partial.map(
      ([name, v]) =>
        `${name} kept the ${v.target!.invariantsChecked.length === 1 ? 'invariant' : 'invariants'} checked over ${formatNumber(v.orders)} orders: ${v.target!.invariantsChecked.join('; ')}.`,
    );
  }
  if (broken.length === 0) {
    if (variants.length === 1)
      return [`${variants[0]![0]} kept every invariant over ${formatNumber(variants[0]![1].orders)} orders.`];
    return [
      `All ${variants.length} variants kept every invariant over ${variants
        .map(([, v]) => formatNumber(v.orders))
        .filter(unique)
        .join(' / ')} orders each.`,
    ];
  }
  return broken.map(([name, v]) => {
    const rules = countBy(v.invariantViolations.map((violation) => violation.rule));
    const list = Object.entries(rules)
      .map(([rule, n]) => `${rule} x${n}`)
      .join(', ');
    const stranded = v.stranded
      .slice(0, 5)
      .map((s) => `${s.orderId}: ${s.where}`)
      .join('; ');
    const strandedNote =
      v.nonTerminal > 0
        ? `; ${v.nonTerminal} orders never reached a terminal status (${stranded}${v.stranded.length > 5 ? '; ...' : ''})`
        : '';
    return `${name} broke ${v.invariantViolations.length} invariant checks${list ? ` (${list})` : ''}${strandedNote}.`;
  });
}

function sizeVerdict(variants: readonly Named[]): string | undefined {
  const sorted = [...variants].sort(
    ([, a], [, b]) => a.templateResources - b.templateResources || a.orchestrationLoc - b.orchestrationLoc,
  );
  const smallest = sorted[0];
  const largest = sorted[sorted.length - 1];
  if (!smallest || !largest || smallest === largest) return undefined;
  const size = (v: VariantReport): string =>
    `${formatNumber(v.templateResources)} template resources and ${formatNumber(v.orchestrationLoc)} lines of orchestration code`;
  return `${smallest[0]} is the smallest stack to operate (${size(smallest[1])}); ${largest[0]} is the largest (${size(largest[1])}).`;
}

/** The whole `report.md`: verdicts, then the side-by-side tables, then sources. */
export function renderMarkdown(report: Report): string {
  const table = comparisonTable(report);
  const workload = Object.entries(report.workload)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(', ');
  const violations = Object.entries(report.variants).flatMap(([name, v]) =>
    v.invariantViolations.slice(0, 10).map((x) => `- ${escapeMarkdown(name)}: ${escapeMarkdown(x.message)}`),
  );
  const { prices, hopLatency, latencyModel } = report.sources;
  return [
    '# Order pipelines compared',
    '',
    `Generated ${report.generatedAt}. Workload: ${escapeMarkdown(workload)}.`,
    '',
    'Latency "measured locally" is the embedded local cloud on this machine. "Modelled for AWS" prices each order\'s recorded journey (hops by type, invocations, DynamoDB calls, retries by mechanism) with published AWS figures and each function\'s own compute measured at light load, so it does not move with the load of this machine. Costs are estimated from the counted units, Lambda duration from light-load durations.',
    '',
    '## Verdicts',
    '',
    ...computeVerdicts(report).map((verdict) => `- ${escapeMarkdown(verdict)}`),
    '',
    ...table.sections.flatMap((section) => renderSection(section, table.columns)),
    ...(reviewLines(report).length > 0
      ? [
          '## Orders that wait (manual review): how each variant waits, how to find the waiting orders',
          '',
          ...reviewLines(report).map((line) => `- ${escapeMarkdown(line)}`),
          '',
        ]
      : []),
    ...durableCheckpointTables(report).flatMap(renderAwsTable),
    ...awsTables(report).flatMap(renderAwsTable),
    ...(violations.length > 0 ? ['## Invariant violations (first 10 per variant)', '', ...violations, ''] : []),
    '## Sources',
    '',
    `- Prices (${prices.region}, as of ${prices.asOf}): ${prices.urls.map((url) => `<${url}>`).join(', ')}`,
    `- Per-hop AWS delays: [${escapeMarkdown(hopLatency.title)}](${hopLatency.url}), ${hopLatency.region}, ${escapeMarkdown(hopLatency.measured)}`,
    ...(latencyModel ? [`- Latency model: ${escapeMarkdown(latencyModel)}`] : []),
    '',
  ].join('\n');
}

function renderAwsTable(table: AwsTable): string[] {
  return [
    `## ${escapeMarkdown(table.title)}`,
    '',
    `| ${table.columns.map(escapeMarkdown).join(' | ')} |`,
    `|${table.columns.map(() => '---').join('|')}|`,
    ...table.rows.map((row) => `| ${row.map(escapeMarkdown).join(' | ')} |`),
    '',
    ...table.notes.map((note) => `- ${escapeMarkdown(note)}`),
    ...(table.notes.length > 0 ? [''] : []),
  ];
}

function renderSection(section: TableSection, columns: readonly string[]): string[] {
  const { source } = section;
  const cited = source?.url ? `[${escapeMarkdown(source.text)}](${source.url})` : escapeMarkdown(source?.text ?? '');
  const title = source ? `${section.title} (source: ${cited})` : section.title;
  return [
    `## ${title}`,
    '',
    `| | ${columns.map(escapeMarkdown).join(' | ')} |`,
    `|---|${columns.map(() => '--:').join('|')}|`,
    ...section.rows.map((row) => `| ${escapeMarkdown(row.label)} | ${row.values.map(escapeMarkdown).join(' | ')} |`),
    '',
  ];
}

/** Keeps text literal inside Markdown (and its tables): no accidental emphasis, links or cells. */
function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]|<>]/g, (c) => `\\${c}`);
}

function allEqual(values: readonly number[]): boolean {
  return values.every((value) => value === values[0]);
}

function unique<T>(value: T, index: number, all: readonly T[]): boolean {
  return all.indexOf(value) === index;
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
