import { TERMINAL_STATUSES, type TerminalStatus } from '#domain/order';
import { presetCells, runStressCell, type StressRow } from '#lib/stress-matrix';
import { VARIANTS } from '#lib/variants';
import { EXPECTED_TERMINAL, generateWorkload } from '#lib/workload';

// The one small, hard cell CI runs: 60 orders, all in flight at once, 90% of them off the happy path.
const [cell] = presetCells('ci');

let rows: StressRow[];

beforeAll(async () => {
  rows = await runStressCell(cell!, { variants: [...VARIANTS] });
}, 1_800_000);

/** What the seeded workload says each order must end as: no fault is injected beyond its tokens. */
function expectedTerminalCounts(): Record<TerminalStatus, number> {
  const counts = Object.fromEntries(TERMINAL_STATUSES.map((s) => [s, 0])) as Record<TerminalStatus, number>;
  for (const order of generateWorkload({ ...cell!, runId: 'expected' }))
    counts[EXPECTED_TERMINAL[order.kind] as TerminalStatus]++;
  return counts;
}

describe(`npm run stress -- --preset ci (${cell!.name})`, () => {
  it('has a row per variant and one for the baseline', () => {
    expect(rows.map((r) => r.variant)).toEqual([...VARIANTS, 'baseline']);
  });

  it.each([...VARIANTS, 'baseline'])(
    '%s: every order placed ends, as the workload says, with no invariant violated',
    (variant) => {
      const row = rows.find((r) => r.variant === variant)!;
      expect({
        variant,
        orders: row.orders,
        violations: row.violations,
        stranded: row.strandedSample,
        strandedCount: row.stranded,
      }).toEqual({
        variant,
        orders: cell!.orders,
        violations: 0,
        stranded: [],
        strandedCount: 0,
      });
      expect(Object.values(row.terminal).reduce((a, b) => a + b, 0)).toBe(cell!.orders);
      expect(row.terminal).toEqual(expectedTerminalCounts());
    },
  );

  it.each([...VARIANTS])('%s: each order ends in the same state as in the baseline', (variant) => {
    const row = rows.find((r) => r.variant === variant)!;
    expect({ mismatches: row.mismatchesVsBaseline, first: row.mismatchSample }).toEqual({ mismatches: 0, first: [] });
  });

  it('passes the acceptance for every row, with nothing to explain', () => {
    expect(rows.map((r) => ({ variant: r.variant, verdict: r.verdict, reasons: r.reasons }))).toEqual(
      [...VARIANTS, 'baseline'].map((variant) => ({ variant, verdict: 'PASS', reasons: [] })),
    );
  });
});
