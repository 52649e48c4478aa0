import { formatNumber } from '../report/render-table.ts';
import type { Report } from '../report/types.ts';

/**
 * What a load test adds under the side-by-side table, per target: the generator's own lag (open
 * model), the AWS model beside the measured latency (a deployed stack), what was checked and
 * how each count was derived.
 */
export function renderTargetNotes(report: Report): string {
  const lines: string[] = [];
  for (const [name, v] of Object.entries(report.variants)) {
    const t = v.target;
    if (!t) continue;
    lines.push(
      `${name} (${t.url}${t.stackName ? `, stack ${t.stackName}` : ''}${t.slice ? `, slice ${t.slice}` : ''}):`,
    );
    if (t.clientLagMs) {
      const o = t.openModel;
      // The generator kept up when it sent at the rate asked with a small lag.
      const saturated =
        t.clientLagMs.p99 > MAX_LAG_P99_MS || (o !== undefined && o.sentPerSec < 0.95 * o.requestedPerSec);
      lines.push(
        `  client lag (sent after due, open model): p50 ${formatNumber(t.clientLagMs.p50)} ms, p99 ${formatNumber(t.clientLagMs.p99)} ms, max ${formatNumber(t.clientLagMs.max)} ms${saturated ? ' - the generator fell behind: run several (--slice) or lower --rate' : ' - the generator kept up: the target set the pace'}`,
      );
      if (o)
        lines.push(
          `  orders/s: asked ${formatNumber(o.requestedPerSec, 1)}, sent ${formatNumber(o.sentPerSec, 1)}, accepted by the API ${formatNumber(o.acceptedPerSec, 1)}, completed by the target ${formatNumber(o.completedPerSec, 1)}`,
        );
    }
    if (t.awsModel) {
      const { predicted, measured } = t.awsModel;
      const diff = (q: 'p50' | 'p99') => measured[q] - predicted[q];
      lines.push(
        `  AWS model vs measured: p50 ${formatNumber(predicted.p50)} vs ${formatNumber(measured.p50)} ms (${signed(diff('p50'))}), p99 ${formatNumber(predicted.p99)} vs ${formatNumber(measured.p99)} ms (${signed(diff('p99'))}); the model counts the hops only (${t.awsModel.source})`,
      );
    }
    lines.push(`  checked: ${t.invariantsChecked.join('; ')}`);
    for (const note of t.countNotes) lines.push(`  counts: ${note}`);
  }
  return lines.join('\n');
}

/** Client lag p99 above which the generator, not the target, set the pace. */
export const MAX_LAG_P99_MS = 100;

function signed(ms: number): string {
  return `${ms >= 0 ? '+' : ''}${formatNumber(ms)} ms`;
}
