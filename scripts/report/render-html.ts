import type { CounterName } from '../local-cloud/types.ts';
import { computeAwsView } from '../measure/aws-view.ts';
import { type AwsTable, awsTables } from './aws-tables.ts';
import { durableCheckpointTables } from './durable-section.ts';
import { computeVerdicts } from './render-markdown.ts';
import {
  COUNTER_LABELS,
  comparisonTable,
  reviewLines,
  formatNumber,
  formatUsd,
  reportColumns,
  type TableSection,
} from './render-table.ts';
import type { CdfPoint, ExampleTimeline, Report, VariantReport } from './types.ts';

/*
 * A self-contained page: no scripts, fonts or stylesheets from anywhere, charts drawn here as
 * inline SVG, so the file opens offline and shows the same thing in every browser. Every text
 * that comes from data passes through `esc`. Chart marks carry `data-mark`, which the browser
 * test counts to prove each chart has data.
 */

const SERIES_COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf'];
const BASELINE_COLOR = '#7f7f7f';
const ITEM_COLORS = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];
const OUTCOME_COLORS: Record<string, string> = { succeeded: '#2ca02c', failed: '#d62728', duplicate: '#ff7f0e' };
/** Units per order worth comparing as counts (GB-seconds are durations, shown in the cost). */
const COUNTED: readonly CounterName[] = [
  'lambdaInvocations',
  'sqsRequests',
  'eventsPut',
  'eventDeliveries',
  'stateTransitions',
  'sfnExpressRequests',
  'dynamoReadUnits',
  'dynamoWriteUnits',
];
const FONT = 12;

interface Column {
  name: string;
  color: string;
  report: VariantReport;
}

/** The whole `report.html`. */
export function renderHtml(report: Report): string {
  const columns = reportColumns(report).map(
    ([name, variant], i, all): Column => ({
      name,
      report: variant,
      color: i === all.length - 1 ? BASELINE_COLOR : SERIES_COLORS[i % SERIES_COLORS.length]!,
    }),
  );
  const { hopLatency, prices, latencyModel } = report.sources;
  const workload = Object.entries(report.workload)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(', ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Order pipelines compared (${esc(report.generatedAt)})</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>Order pipelines compared</h1>
<p>Generated ${esc(report.generatedAt)}. Workload: ${esc(workload)}.</p>
<p class="note"><strong>Measured locally</strong>: the embedded local cloud on this machine. <strong>Modelled for AWS</strong>: each order's recorded journey (hops by type, invocations, DynamoDB calls, retries by mechanism) priced with published AWS figures (per-hop delays: ${link(hopLatency.title, hopLatency.url)}, ${esc(hopLatency.region)}; retry timings and what is not modelled: below) and each function's own compute measured at light load. Costs are estimated from the counted units at ${esc(prices.region)} prices as of ${esc(prices.asOf)}.</p>
</header>
<main>
<section>
<h2>Verdicts</h2>
<ul>${computeVerdicts(report)
    .map((verdict) => `<li>${esc(verdict)}</li>`)
    .join('')}</ul>
</section>
<section class="charts">
<h2>Charts</h2>
${figure('latency-cdf', `End-to-end latency, accept to terminal: measured locally (solid) and modelled for AWS (dashed; source: ${link(hopLatency.title, hopLatency.url)})`, latencyCdfChart(columns))}
${figure('cost', `Estimated cost per million orders (${esc(prices.region)} prices as of ${esc(prices.asOf)}), by priced unit`, costChart(columns))}
${figure('counts', 'Billable units per order, measured locally', countsChart(columns))}
${figure('timelines', 'One order per variant, measured locally: when each step finished, in ms after the order was accepted', timelines(columns))}
</section>
${report.awsView ? awsExplorer(report) : ''}
<section>
<h2>Side by side</h2>
${comparisonTable(report)
  .sections.map((section) =>
    htmlTable(
      section,
      columns.map((c) => c.name),
    ),
  )
  .join('\n')}
${
  reviewLines(report).length > 0
    ? `<h3>Orders that wait (manual review): how each variant waits, how to find the waiting orders</h3>
<ul>${reviewLines(report)
        .map((line) => `<li>${esc(line)}</li>`)
        .join('')}</ul>`
    : ''
}
</section>
${durableSection(report)}<section>
<h2>Modelled for AWS: the tables</h2>
${awsTables(report).map(htmlAwsTable).join('\n')}
</section>
<section>
<h2>Sources</h2>
<ul>
<li>Prices (${esc(prices.region)}, as of ${esc(prices.asOf)}): ${prices.urls.map((url) => link(url, url)).join(', ')}</li>
<li>Per-hop AWS delays: ${link(hopLatency.title, hopLatency.url)}, ${esc(hopLatency.region)}, ${esc(hopLatency.measured)}</li>
${latencyModel ? `<li>Latency model: ${esc(latencyModel)}</li>` : ''}
</ul>
</section>
</main>
</body>
</html>
`;
}

/** Measured locally inside a durable function; its AWS column says "not modelled". */
function durableSection(report: Report): string {
  const tables = durableCheckpointTables(report);
  if (tables.length === 0) return '';
  return `<section>
<h2>Durable checkpoint overhead, measured locally</h2>
${tables.map(htmlAwsTable).join('\n')}
</section>
`;
}

function htmlAwsTable(table: AwsTable): string {
  return `<table data-table="${esc(table.id)}">
<caption>${esc(table.title)}</caption>
<thead><tr>${table.columns.map((c) => `<th scope="col">${esc(c)}</th>`).join('')}</tr></thead>
<tbody>
${table.rows
  .map(
    (row) =>
      `<tr><th scope="row">${esc(row[0] ?? '')}</th>${row
        .slice(1)
        .map((v) => `<td>${esc(v)}</td>`)
        .join('')}</tr>`,
  )
  .join('\n')}
</tbody>
</table>${table.notes.length > 0 ? `<ul class="notes">${table.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}`;
}

/**
 * Two controls (monthly volume, step duration) and three charts the page redraws from the
 * embedded model with the same function that computed report.json's curves. No request leaves
 * the page: the model is inline JSON, the code inline script.
 */
function awsExplorer(report: Report): string {
  // JSON inside <script>: "<" escaped so no data can close the element.
  const model = JSON.stringify(report.awsView).replace(/</g, '\\u003c');
  return `<section class="explorer">
<h2>Ask your own question: modelled for AWS</h2>
<form id="aws-controls" onsubmit="return false">
<label>Orders per month <input id="monthly-volume" type="range" min="4" max="9" step="0.05" value="6"> <output id="monthly-volume-value"></output></label>
<label>Each step takes <input id="step-duration" type="range" min="1" max="4.477" step="0.01" value="${Math.log10(Math.max(10, report.awsView?.variants[0]?.measuredStepMs ?? 10)).toFixed(2)}"> <output id="step-duration-value"></output></label>
</form>
<figure data-chart="aws-cost"><figcaption>Cost per month, free tiers applied (USD, log scales); the dot is the chosen volume</figcaption><div class="chart"></div></figure>
<figure data-chart="aws-latency"><figcaption>Modelled p50 at the chosen step duration: orchestration (dark) and the steps themselves (light)</figcaption><div class="chart"></div></figure>
<figure data-chart="aws-ceilings"><figcaption>Sustainable orders per second on a default account at the chosen step duration, and the quota that binds</figcaption><div class="chart"></div></figure>
<script id="aws-model" type="application/json">${model}</script>
<script>
// A bundler that keeps function names wraps them in __name(fn, name): give it one that returns fn.
var __name = function (fn) { return fn; };
${computeAwsView.toString()}
${EXPLORER_SCRIPT}
</script>
</section>`;
}

function figure(id: string, caption: string, body: string): string {
  return `<figure data-chart="${esc(id)}">\n<figcaption>${caption}</figcaption>\n${body}\n</figure>`;
}

function htmlTable(section: TableSection, columns: readonly string[]): string {
  const { source } = section;
  const cited = source
    ? ` <span class="source">(source: ${source.url ? link(source.text, source.url) : esc(source.text)})</span>`
    : '';
  return `<table>
<caption>${esc(section.title)}${cited}</caption>
<thead><tr><th scope="col"></th>${columns.map((c) => `<th scope="col">${esc(c)}</th>`).join('')}</tr></thead>
<tbody>
${section.rows.map((row) => `<tr><th scope="row">${esc(row.label)}</th>${row.values.map((v) => `<td>${esc(v)}</td>`).join('')}</tr>`).join('\n')}
</tbody>
</table>`;
}

// ---------------------------------------------------------------------------------------------
// Charts

interface Box {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

interface LegendItem {
  label: string;
  color: string;
  dashed?: boolean;
}

function latencyCdfChart(columns: readonly Column[]): string {
  const series = columns
    .flatMap((c) => [
      { column: c, kind: 'measured locally', points: c.report.latencyCdf.local, dashed: false },
      // The baseline has no hops: its modelled curve is its local one, drawn once.
      ...(c.report.latencyCdf.modelledAws && c.name !== 'baseline'
        ? [{ column: c, kind: 'modelled for AWS', points: c.report.latencyCdf.modelledAws, dashed: true }]
        : []),
    ])
    .filter((s) => s.points.length > 0);
  const all = series.flatMap((s) => s.points.map((p) => p.ms));
  const legend = legendItems(
    [
      ...columns.map((c) => ({ label: c.name, color: c.color })),
      { label: 'measured locally', color: '#333' },
      { label: 'modelled for AWS', color: '#333', dashed: true },
    ],
    760 - 72,
  );
  const box: Box = {
    width: 760,
    height: 330 + legend.height,
    left: 56,
    right: 36,
    top: 16,
    bottom: 52 + legend.height,
  };
  if (all.length === 0) return emptyChart(box, 'no order reached a terminal status');
  const lo = 10 ** Math.floor(Math.log10(Math.max(1, Math.min(...all))));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(lo * 10, ...all)));
  const x = logScale(lo, hi, box.left, box.width - box.right);
  const y = linearScale(0, 1, box.height - box.bottom, box.top);
  const xTicks = logTicks(lo, hi);
  const yTicks = [0, 0.25, 0.5, 0.75, 1];
  const paths = series.map((s) => {
    const d = s.points
      .map((p: CdfPoint, i) => `${i === 0 ? 'M' : 'L'}${num(x(Math.max(lo, p.ms)))},${num(y(p.fraction))}`)
      .join('');
    return `<path data-mark d="${d}" fill="none" stroke="${s.column.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}><title>${esc(`${s.column.name}, ${s.kind}`)}</title></path>`;
  });
  return svg(box, 'Latency CDF per variant', [
    grid(box, xTicks.map(x), yTicks.map(y)),
    xAxis(
      box,
      xTicks.map((t) => ({ at: x(t), label: formatNumber(t) })),
      'latency, ms (log scale)',
    ),
    yAxis(
      box,
      yTicks.map((t) => ({ at: y(t), label: `${t * 100}%` })),
      'orders finished',
    ),
    ...paths,
    legend.render(box.left + 16, box.height - legend.height - 4),
  ]);
}

function costChart(columns: readonly Column[]): string {
  const items = [
    ...new Set(
      columns.flatMap((c) => c.report.costBreakdown.filter((l) => l.usdPerMillionOrders > 0).map((l) => l.item)),
    ),
  ];
  const colorOf = (item: string): string => ITEM_COLORS[items.indexOf(item) % ITEM_COLORS.length]!;
  const legend = legendItems(
    items.map((item) => ({ label: item, color: colorOf(item) })),
    760 - 72,
  );
  const box: Box = {
    width: 760,
    height: 330 + legend.height,
    left: 72,
    right: 16,
    top: 24,
    bottom: 52 + legend.height,
  };
  const max = Math.max(0, ...columns.map((c) => c.report.costPerMillionUsd));
  if (items.length === 0 || max === 0) return emptyChart(box, 'no priced units were counted');
  const ticks = niceTicks(max);
  const y = linearScale(0, ticks[ticks.length - 1]!, box.height - box.bottom, box.top);
  const band = (box.width - box.left - box.right) / columns.length;
  const barWidth = Math.min(90, band * 0.6);
  const bars = columns.flatMap((c, i) => {
    const x0 = box.left + band * i + (band - barWidth) / 2;
    let base = 0;
    const segments = c.report.costBreakdown
      .filter((l) => l.usdPerMillionOrders > 0)
      .map((line) => {
        const top = base + line.usdPerMillionOrders;
        const rect = `<rect data-mark x="${num(x0)}" y="${num(y(top))}" width="${num(barWidth)}" height="${num(y(base) - y(top))}" fill="${colorOf(line.item)}"><title>${esc(`${c.name}: ${line.item} ${formatUsd(line.usdPerMillionOrders)}`)}</title></rect>`;
        base = top;
        return rect;
      });
    const partial = c.report.countsUnavailable.length > 0 ? ' (partial)' : '';
    return [
      ...segments,
      text(
        x0 + barWidth / 2,
        y(c.report.costPerMillionUsd) - 6,
        `${formatUsd(c.report.costPerMillionUsd)}${partial}`,
        'middle',
        'bold',
      ),
    ];
  });
  return svg(box, 'Cost per million orders, stacked by priced unit', [
    grid(box, [], ticks.map(y)),
    xAxis(
      box,
      columns.map((c, i) => ({ at: box.left + band * (i + 0.5), label: c.name })),
      'variant',
    ),
    yAxis(
      box,
      ticks.map((t) => ({ at: y(t), label: formatUsd(t) })),
      'USD per million orders',
    ),
    ...bars,
    legend.render(box.left + 16, box.height - legend.height - 4),
  ]);
}

function countsChart(columns: readonly Column[]): string {
  const perOrder = (c: Column, counter: CounterName): number =>
    (c.report.counts[counter] ?? 0) / Math.max(1, c.report.orders);
  const counters = COUNTED.filter((counter) => columns.some((c) => perOrder(c, counter) > 0));
  const barHeight = 12;
  const groupHeight = columns.length * (barHeight + 2) + 14;
  const legend = legendItems(
    columns.map((c) => ({ label: c.name, color: c.color })),
    760 - 200,
  );
  const box: Box = {
    width: 760,
    height: 24 + counters.length * groupHeight + 44 + legend.height,
    left: 184,
    right: 56,
    top: 16,
    bottom: 44 + legend.height,
  };
  if (counters.length === 0) return emptyChart(box, 'no counts were observed');
  const ticks = niceTicks(Math.max(...counters.flatMap((counter) => columns.map((c) => perOrder(c, counter)))));
  const x = linearScale(0, ticks[ticks.length - 1]!, box.left, box.width - box.right);
  const groups = counters.flatMap((counter, g) => {
    const y0 = box.top + g * groupHeight;
    const bars = columns.flatMap((c, i) => {
      if (c.report.countsUnavailable.includes(counter))
        return [text(box.left + 4, y0 + i * (barHeight + 2) + barHeight - 2, `${c.name}: n/a`, 'start')];
      const value = perOrder(c, counter);
      const yBar = y0 + i * (barHeight + 2);
      return [
        `<rect data-mark x="${num(box.left)}" y="${num(yBar)}" width="${num(Math.max(0.5, x(value) - box.left))}" height="${barHeight}" fill="${c.color}"><title>${esc(`${c.name}: ${COUNTER_LABELS[counter]} ${formatNumber(value, 2)} per order`)}</title></rect>`,
        text(x(value) + 4, yBar + barHeight - 2, formatNumber(value, 2), 'start'),
      ];
    });
    return [
      text(box.left - 8, y0 + (columns.length * (barHeight + 2)) / 2 + 4, COUNTER_LABELS[counter], 'end'),
      ...bars,
    ];
  });
  return svg(box, 'Billable units per order', [
    grid(box, ticks.map(x), []),
    xAxis(
      box,
      ticks.map((t) => ({ at: x(t), label: formatNumber(t, 2) })),
      'units per order',
    ),
    ...groups,
    legend.render(box.left, box.height - legend.height - 4),
  ]);
}

function timelines(columns: readonly Column[]): string {
  const examples = columns.map((c) => ({ column: c, example: c.report.exampleTimeline }));
  const longest = Math.max(1, ...examples.map(({ example }) => example?.totalMs ?? 0));
  const ticks = niceTicks(longest, 4);
  const panels = examples.map(
    ({ column, example }) =>
      `<div class="panel"><h3 style="color:${column.color}">${esc(column.name)}</h3>${example ? timelineChart(example, ticks) : '<p>No example order.</p>'}</div>`,
  );
  const legend = legendItems(
    Object.entries(OUTCOME_COLORS).map(([label, color]) => ({ label, color })),
    700,
  );
  const legendBox: Box = { width: 760, height: legend.height + 8, left: 0, right: 0, top: 0, bottom: 0 };
  return `<div class="timelines">${panels.join('')}</div>\n${svg(legendBox, 'Step outcomes', [legend.render(8, 4)])}`;
}

function timelineChart(example: ExampleTimeline, ticks: readonly number[]): string {
  const rowHeight = 22;
  const box: Box = {
    width: 290,
    height: 40 + example.entries.length * rowHeight + 40,
    left: 128,
    right: 14,
    top: 36,
    bottom: 44,
  };
  const x = linearScale(0, ticks[ticks.length - 1]!, box.left, box.width - box.right);
  const marks = example.entries.flatMap((entry, i) => {
    const yMid = box.top + i * rowHeight + rowHeight / 2;
    const from = i === 0 ? 0 : example.entries[i - 1]!.atMs;
    const color = OUTCOME_COLORS[entry.outcome] ?? '#333';
    const label = entry.attempt > 1 ? `${entry.step} #${entry.attempt}` : entry.step;
    const tip = esc(`${label}: ${entry.outcome} at ${formatNumber(entry.atMs, 1)} ms`);
    return [
      text(box.left - 6, yMid + 4, label, 'end'),
      `<rect data-mark x="${num(x(from))}" y="${num(yMid - 3)}" width="${num(Math.max(1, x(entry.atMs) - x(from)))}" height="6" fill="${color}" opacity="0.35"><title>${tip}</title></rect>`,
      `<circle data-mark cx="${num(x(entry.atMs))}" cy="${num(yMid)}" r="5" fill="${color}"><title>${tip}</title></circle>`,
    ];
  });
  return svg(box, `Timeline of order ${example.orderId}`, [
    text(4, 18, `${example.orderId}: ${example.status} after ${formatNumber(example.totalMs)} ms`, 'start'),
    grid(box, ticks.map(x), []),
    xAxis(
      box,
      ticks.map((t) => ({ at: x(t), label: formatNumber(t) })),
      'ms after accepted',
    ),
    ...marks,
  ]);
}

// ---------------------------------------------------------------------------------------------
// SVG primitives

function svg(box: Box, title: string, parts: readonly string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${box.width} ${box.height}" width="${box.width}" height="${box.height}" role="img" font-size="${FONT}"><title>${esc(title)}</title>${parts.join('')}</svg>`;
}

function emptyChart(box: Box, reason: string): string {
  return svg(box, reason, [text(box.width / 2, box.height / 2, reason, 'middle')]);
}

function text(x: number, y: number, content: string, anchor: 'start' | 'middle' | 'end', weight?: 'bold'): string {
  return `<text x="${num(x)}" y="${num(y)}" text-anchor="${anchor}"${weight ? ` font-weight="${weight}"` : ''}>${esc(content)}</text>`;
}

function grid(box: Box, xs: readonly number[], ys: readonly number[]): string {
  const vertical = xs.map(
    (x) => `<line x1="${num(x)}" x2="${num(x)}" y1="${box.top}" y2="${box.height - box.bottom}"/>`,
  );
  const horizontal = ys.map(
    (y) => `<line x1="${box.left}" x2="${box.width - box.right}" y1="${num(y)}" y2="${num(y)}"/>`,
  );
  return `<g stroke="#e3e3e3">${[...vertical, ...horizontal].join('')}</g>`;
}

function xAxis(box: Box, ticks: readonly { at: number; label: string }[], title: string): string {
  const y0 = box.height - box.bottom;
  const labels = ticks.map(
    (t) =>
      `<line x1="${num(t.at)}" x2="${num(t.at)}" y1="${y0}" y2="${y0 + 5}" stroke="#333"/>${text(t.at, y0 + 18, t.label, 'middle')}`,
  );
  return `<g><line x1="${box.left}" x2="${box.width - box.right}" y1="${y0}" y2="${y0}" stroke="#333"/>${labels.join('')}${text((box.left + box.width - box.right) / 2, y0 + 36, title, 'middle', 'bold')}</g>`;
}

function yAxis(box: Box, ticks: readonly { at: number; label: string }[], title: string): string {
  const labels = ticks.map(
    (t) =>
      `<line x1="${box.left - 5}" x2="${box.left}" y1="${num(t.at)}" y2="${num(t.at)}" stroke="#333"/>${text(box.left - 8, t.at + 4, t.label, 'end')}`,
  );
  const midY = (box.top + box.height - box.bottom) / 2;
  return `<g><line x1="${box.left}" x2="${box.left}" y1="${box.top}" y2="${box.height - box.bottom}" stroke="#333"/>${labels.join('')}<text x="14" y="${num(midY)}" text-anchor="middle" font-weight="bold" transform="rotate(-90 14 ${num(midY)})">${esc(title)}</text></g>`;
}

/** Legend entries laid out left to right, wrapping at `maxWidth` (text width estimated). */
function legendItems(
  items: readonly LegendItem[],
  maxWidth: number,
): { height: number; render: (x: number, y: number) => string } {
  const rowHeight = 18;
  let cx = 0;
  let row = 0;
  const placed = items.map((item) => {
    const width = 30 + item.label.length * FONT * 0.6 + 16;
    if (cx > 0 && cx + width > maxWidth) {
      cx = 0;
      row += 1;
    }
    const at = { item, dx: cx, dy: row * rowHeight };
    cx += width;
    return at;
  });
  return {
    height: (row + 1) * rowHeight,
    render: (x, y) =>
      `<g>${placed
        .map(({ item, dx, dy }) => {
          const swatch = item.dashed
            ? `<line x1="${num(x + dx)}" x2="${num(x + dx + 22)}" y1="${num(y + dy + 9)}" y2="${num(y + dy + 9)}" stroke="${item.color}" stroke-width="2" stroke-dasharray="6 4"/>`
            : `<rect x="${num(x + dx)}" y="${num(y + dy + 3)}" width="22" height="12" fill="${item.color}"/>`;
          return `${swatch}${text(x + dx + 28, y + dy + 13, item.label, 'start')}`;
        })
        .join('')}</g>`,
  };
}

function linearScale(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  return (v) => r0 + ((v - d0) / (d1 - d0 || 1)) * (r1 - r0);
}

function logScale(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const l0 = Math.log10(d0);
  const l1 = Math.log10(d1);
  return (v) => r0 + ((Math.log10(v) - l0) / (l1 - l0 || 1)) * (r1 - r0);
}

/** 1, 2, 5 per decade: readable labels on a log axis. */
function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  for (let decade = lo; decade <= hi; decade *= 10) {
    for (const m of [1, 2, 5]) if (decade * m <= hi) ticks.push(decade * m);
  }
  return ticks;
}

/** 0 up to the first "nice" value (1, 2 or 5 x 10^k steps) at or above `max`. */
function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const rough = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 5, 10].find((m) => m * magnitude >= rough) ?? 10) * magnitude;
  const ticks: number[] = [];
  for (let t = 0; t < max + step / 2 && ticks.length <= count + 1; t += step) ticks.push(Number(t.toPrecision(12)));
  if (ticks[ticks.length - 1]! < max) ticks.push(Number((ticks[ticks.length - 1]! + step).toPrecision(12)));
  return ticks;
}

function num(value: number): string {
  return (Math.round(value * 10) / 10).toString();
}

function link(label: string, url: string): string {
  // Only web links become anchors: a javascript: or data: URL from a data file stays text.
  return /^https?:\/\//.test(url) ? `<a href="${esc(url)}">${esc(label)}</a>` : esc(label);
}

/** Escapes text for HTML and SVG content and attribute values alike. */
function esc(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** Draws the explorer's charts; runs in the page, uses computeAwsView and the inline model only. */
const EXPLORER_SCRIPT = String.raw`
(function () {
  var model = JSON.parse(document.getElementById('aws-model').textContent);
  var colors = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf'];
  var volume = document.getElementById('monthly-volume');
  var step = document.getElementById('step-duration');
  function fmt(n, d) { return Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: d || 0 }) : 'no ceiling'; }
  function usd(n) { return n >= 1000 ? '$' + fmt(n) : n >= 0.01 ? '$' + n.toFixed(2) : '$' + n.toPrecision(2); }
  function esc(t) { return String(t).replace(/[&<>"']/g, function (c) { return '&#' + c.charCodeAt(0) + ';'; }); }
  function svg(w, h, body) { return '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ' + w + ' ' + h + '" width="' + w + '" height="' + h + '" font-size="12">' + body + '</svg>'; }
  function text(x, y, t, anchor) { return '<text x="' + x.toFixed(1) + '" y="' + y.toFixed(1) + '" text-anchor="' + (anchor || 'start') + '">' + esc(t) + '</text>'; }
  function draw() {
    var monthly = Math.pow(10, Number(volume.value));
    var stepMs = Math.pow(10, Number(step.value));
    document.getElementById('monthly-volume-value').textContent = fmt(monthly) + ' orders';
    document.getElementById('step-duration-value').textContent = fmt(stepMs, stepMs < 100 ? 1 : 0) + ' ms';
    var now = computeAwsView(model, { monthlyOrders: monthly, stepMs: stepMs }).variants;
    // Cost against volume, log-log, one line per variant, the chosen volume marked.
    var W = 1000, H = 320, L = 80, R = 300, T = 16, B = 40, BW = 1200;
    var vols = [];
    for (var e = 4; e <= 9.001; e += 0.25) vols.push(Math.pow(10, e));
    var lines = model.variants.map(function (v, i) {
      return vols.map(function (m) { return computeAwsView(model, { monthlyOrders: m, stepMs: stepMs }).variants[i].monthlyUsd; });
    });
    var all = [].concat.apply([], lines).filter(function (x) { return x > 0; });
    var lo = Math.pow(10, Math.floor(Math.log10(Math.min.apply(null, all.concat([0.01])))));
    var hi = Math.pow(10, Math.ceil(Math.log10(Math.max.apply(null, all.concat([1])))));
    function x(m) { return L + (Math.log10(m) - 4) / 5 * (W - L - R); }
    function y(u) { return H - B - (Math.log10(Math.max(lo, u)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) * (H - T - B); }
    var body = '';
    for (var d = lo; d <= hi; d *= 10) body += '<line x1="' + L + '" x2="' + (W - R) + '" y1="' + y(d).toFixed(1) + '" y2="' + y(d).toFixed(1) + '" stroke="#e3e3e3"/>' + text(L - 6, y(d) + 4, usd(d), 'end');
    for (var e2 = 4; e2 <= 9; e2++) body += text(x(Math.pow(10, e2)), H - B + 16, fmt(Math.pow(10, e2)), 'middle');
    body += text((L + W - R) / 2, H - 6, 'orders per month (log scale)', 'middle');
    model.variants.forEach(function (v, i) {
      var d = lines[i].map(function (u, k) { return (k ? 'L' : 'M') + x(vols[k]).toFixed(1) + ',' + y(u).toFixed(1); }).join('');
      var c = colors[i % colors.length];
      body += '<path data-mark d="' + d + '" fill="none" stroke="' + c + '" stroke-width="2"' + (/Express/.test(v.name) ? ' stroke-dasharray="6 4"' : '') + '><title>' + esc(v.name) + '</title></path>';
      body += '<circle data-mark cx="' + x(monthly).toFixed(1) + '" cy="' + y(now[i].monthlyUsd).toFixed(1) + '" r="5" fill="' + c + '"><title>' + esc(v.name + ': ' + usd(now[i].monthlyUsd) + ' a month') + '</title></circle>';
      body += '<rect x="' + (W - R + 12) + '" y="' + (T + i * 20) + '" width="14" height="10" fill="' + c + '"/>' + text(W - R + 30, T + i * 20 + 10, v.name + ' ' + usd(now[i].monthlyUsd));
    });
    document.querySelector('figure[data-chart="aws-cost"] .chart').innerHTML = svg(W, H, body);
    // Latency: stacked bars of orchestration and steps.
    var maxMs = Math.max.apply(null, now.map(function (v) { return v.latencyP50Ms; }).concat([1]));
    var bh = 22, lh = 24 + now.length * (bh + 8) + 30;
    var lat = '';
    now.forEach(function (v, i) {
      var y0 = 16 + i * (bh + 8), scale = (BW - 520) / maxMs, orch = v.overheadShare * v.latencyP50Ms;
      lat += text(190, y0 + 15, v.name, 'end');
      lat += '<rect data-mark x="200" y="' + y0 + '" width="' + Math.max(0.5, orch * scale).toFixed(1) + '" height="' + bh + '" fill="' + colors[i % colors.length] + '"><title>' + esc(v.name + ': orchestration ' + fmt(orch) + ' ms') + '</title></rect>';
      lat += '<rect data-mark x="' + (200 + orch * scale).toFixed(1) + '" y="' + y0 + '" width="' + Math.max(0.5, (v.latencyP50Ms - orch) * scale).toFixed(1) + '" height="' + bh + '" fill="' + colors[i % colors.length] + '" opacity="0.35"><title>' + esc(v.name + ': steps ' + fmt(v.latencyP50Ms - orch) + ' ms') + '</title></rect>';
      lat += text(206 + v.latencyP50Ms * scale, y0 + 15, fmt(v.latencyP50Ms) + ' ms, ' + Math.round(v.overheadShare * 100) + '% orchestration');
    });
    document.querySelector('figure[data-chart="aws-latency"] .chart').innerHTML = svg(BW, lh, lat);
    // Ceilings: bars on a log scale, the binding quota named.
    var caps = now.map(function (v) { return Number.isFinite(v.maxOrdersPerSec) ? v.maxOrdersPerSec : 1e6; });
    var cmax = Math.pow(10, Math.ceil(Math.log10(Math.max.apply(null, caps.concat([10])))));
    var ceil = '';
    now.forEach(function (v, i) {
      var y0 = 16 + i * (bh + 8), w = Math.log10(Math.max(1, caps[i])) / Math.log10(cmax) * (BW - 760);
      ceil += text(190, y0 + 15, v.name, 'end');
      ceil += '<rect data-mark x="200" y="' + y0 + '" width="' + Math.max(0.5, w).toFixed(1) + '" height="' + bh + '" fill="' + colors[i % colors.length] + '"><title>' + esc(v.name + ': ' + fmt(v.maxOrdersPerSec) + ' orders/s, bound by ' + v.bindingQuota) + '</title></rect>';
      ceil += text(206 + w, y0 + 15, fmt(v.maxOrdersPerSec) + '/s: ' + v.bindingQuota + '; latency grows from ' + fmt(v.latencyGrowsFromOrdersPerSec) + '/s');
    });
    document.querySelector('figure[data-chart="aws-ceilings"] .chart').innerHTML = svg(BW, lh, ceil);
  }
  volume.addEventListener('input', draw);
  step.addEventListener('input', draw);
  draw();
})();
`;

const STYLE = `
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222; margin: 0 auto; max-width: 1280px; padding: 16px 24px 48px; line-height: 1.45; }
h1 { margin-bottom: 4px; }
.note { background: #f5f7fa; border-left: 4px solid #4e79a7; padding: 8px 12px; }
figure { margin: 24px 0; }
figcaption { font-weight: 600; margin-bottom: 8px; }
svg { max-width: 100%; height: auto; display: block; }
.timelines { display: grid; grid-template-columns: repeat(auto-fit, minmax(290px, 1fr)); gap: 12px; }
.panel h3 { margin: 0 0 4px; font-size: 15px; }
table { border-collapse: collapse; margin: 16px 0; min-width: 60%; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
.source { font-weight: 400; color: #555; }
th, td { border-bottom: 1px solid #ddd; padding: 3px 10px; }
td { text-align: right; font-variant-numeric: tabular-nums; }
th[scope="row"] { text-align: left; font-weight: 400; }
.explorer form { display: flex; gap: 32px; flex-wrap: wrap; background: #f5f7fa; padding: 8px 12px; }
.explorer input[type="range"] { width: 260px; vertical-align: middle; }
.notes { font-size: 13px; color: #444; }
`;
