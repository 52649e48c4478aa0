import {
  ACCEPTANCE,
  MIXES,
  expandMatrix,
  findMismatches,
  findStranded,
  formatStressHeader,
  formatStressRow,
  judgeRow,
  makeCell,
  measureRun,
  outsideAcceptance,
  overloadRate,
  parseStressArgs,
  presetCells,
  runStressCell,
  runStressMatrix,
} from '#lib/stress-matrix';
import { VARIANTS } from '#lib/variants';
import { aFakeMeasure, aVariantRun } from '../helpers/stress-fixtures.ts';

const hard = makeCell({ kind: 'load', orders: 150, concurrency: 100, rate: 0, seed: 7, ...MIXES.hard });
const overload = makeCell({
  kind: 'overload',
  orders: 400,
  concurrency: 50,
  rate: 0,
  seed: 4,
  ...MIXES.usual,
  overloadFactor: 4,
  calibrationOrders: 100,
});

describe('the matrix', () => {
  it("runs every combination of a group's dimensions once, named by what it runs", () => {
    const cells = expandMatrix([
      { orders: [100, 5000], concurrency: [10, 200], mixes: [MIXES.usual, MIXES.hard], seeds: [1, 2, 3] },
    ]);
    expect(cells).toHaveLength(2 * 2 * 2 * 3);
    expect(new Set(cells.map((c) => c.name)).size).toBe(cells.length);
    expect(cells[0]).toEqual(
      expect.objectContaining({ kind: 'load', orders: 100, concurrency: 10, rate: 0, seed: 1, ...MIXES.usual }),
    );
    expect(
      cells.find((c) => c.orders === 5000 && c.concurrency === 200 && c.seed === 3 && c.rejectRate === 0.1)!.name,
    ).toBe('o5000 c200 mix 30/20/30/10 s3');
  });

  it('drops a cell a later group repeats', () => {
    const group = { orders: [100], concurrency: [10], mixes: [MIXES.usual], seeds: [1] };
    expect(expandMatrix([group, group, { ...group, seeds: [1, 2] }]).map((c) => c.seed)).toEqual([1, 2]);
  });

  it('names open-model and overload cells by their load', () => {
    const [open] = expandMatrix([{ orders: [2000], concurrency: [50], rates: [250], mixes: [MIXES.hard], seeds: [1] }]);
    expect(open!.name).toBe('o2000 250/s mix 30/20/30/10 s1');
    const [over] = expandMatrix([
      { kind: 'overload', orders: [100], concurrency: [50], mixes: [MIXES.usual], seeds: [2], calibrationOrders: 300 },
    ]);
    expect(over).toEqual(
      expect.objectContaining({
        name: 'o100 c50 4x-cap mix 5/5/10/2 s2',
        rate: 0,
        overloadFactor: 4,
        calibrationOrders: 100,
      }),
    );
  });

  it('has one small cell for CI, hard on every path, inside the acceptance', () => {
    const [cell, ...others] = presetCells('ci');
    expect(others).toEqual([]);
    expect(cell!.orders).toBeLessThanOrEqual(200);
    expect(cell!.concurrency / cell!.orders).toBeGreaterThanOrEqual(0.5);
    expect(cell!.declineRate + cell!.outOfStockRate + cell!.transientRate + cell!.rejectRate).toBeCloseTo(
      ACCEPTANCE.maxShareSum,
    );
    expect(outsideAcceptance(cell!, cell!.rate)).toEqual([]);
  });

  it('covers the whole acceptance in the full preset: the largest sizes, rates, shares, seeds and overload', () => {
    const cells = presetCells('full');
    expect(Math.max(...cells.map((c) => c.orders))).toBe(5000);
    expect(Math.max(...cells.map((c) => c.concurrency))).toBe(200);
    expect([...new Set(cells.map((c) => c.rate).filter((r) => r > 0))].sort((a, b) => a - b)).toEqual([100, 250, 500]);
    for (const share of ['declineRate', 'outOfStockRate', 'transientRate', 'rejectRate'] as const)
      expect(Math.max(...cells.map((c) => c[share]))).toBe(0.5);
    expect(new Set(cells.map((c) => c.seed)).size).toBeGreaterThanOrEqual(3);
    expect(cells.filter((c) => c.kind === 'overload').length).toBeGreaterThan(0);
    for (const cell of [...cells, ...presetCells('quick')]) {
      expect({ cell: cell.name, outside: outsideAcceptance(cell, cell.rate) }).toEqual({
        cell: cell.name,
        outside: [],
      });
    }
  });
});

describe('the acceptance bounds', () => {
  const base = { orders: 5000, concurrency: 200, ...MIXES.hard };

  it('includes its edges: 5,000 orders, 200 in flight, 500/s, shares of 0.5 summing to 0.9', () => {
    expect(outsideAcceptance(base, 500)).toEqual([]);
    expect(
      outsideAcceptance({ ...base, declineRate: 0.5, outOfStockRate: 0.4, transientRate: 0, rejectRate: 0 }, 0),
    ).toEqual([]);
  });

  it('names every bound a workload passes', () => {
    expect(outsideAcceptance({ ...base, orders: 5001, concurrency: 201 }, 501)).toEqual([
      'orders 5001 > 5000',
      'concurrency 201 > 200',
      'rate 501/s > 500/s',
    ]);
    expect(
      outsideAcceptance({ ...base, declineRate: 0.51, outOfStockRate: 0, transientRate: 0, rejectRate: 0 }, 0),
    ).toEqual(['decline share 0.51 > 0.5']);
    expect(outsideAcceptance({ ...base, rejectRate: 0.2 }, 0)).toEqual(['shares sum to 1 > 0.9']);
  });
});

describe('figures of a run', () => {
  it('counts accepted orders that never ended as stranded, saying where they stand', () => {
    const run = aVariantRun('sqs-chain', ['CONFIRMED', 'VALIDATED', 'ACCEPTED', 'FAILED']);
    run.orders[1]!.timeline.push({
      step: 'charge-payment',
      outcome: 'failed',
      attempt: 2,
      at: '2026-01-01T12:00:01.000Z',
    });
    run.orders[2]!.timeline = [];
    expect(findStranded(run)).toEqual([
      { orderId: 'o-0001', status: 'VALIDATED', where: 'after charge-payment (failed, attempt 2)' },
      { orderId: 'o-0002', status: 'ACCEPTED', where: expect.stringContaining('no record') },
    ]);
  });

  it("takes the run's own list of stranded orders when it has one", () => {
    const stranded = [{ orderId: 'o-0001', status: 'PAYMENT_CHARGED', where: 'reserve-inventory queue, in flight' }];
    expect(findStranded({ ...aVariantRun('sqs-chain', ['CONFIRMED', 'PAYMENT_CHARGED']), stranded } as never)).toEqual(
      stranded,
    );
  });

  it('finds every order that ends differently from the baseline, or is missing on either side', () => {
    const baseline = aVariantRun('baseline', ['CONFIRMED', 'CANCELLED', 'REJECTED']);
    const run = aVariantRun('eventbridge-flags', ['CONFIRMED', 'FAILED', 'REJECTED', 'CONFIRMED']);
    expect(findMismatches(run, baseline)).toEqual([
      { orderId: 'o-0001', status: 'FAILED', baseline: 'CANCELLED' },
      { orderId: 'o-0003', status: 'CONFIRMED', baseline: 'MISSING' },
    ]);
    expect(findMismatches(aVariantRun('step-functions', ['CONFIRMED']), baseline).map((m) => m.orderId)).toEqual([
      'o-0001',
      'o-0002',
    ]);
    expect(findMismatches(baseline, baseline)).toEqual([]);
  });

  it('counts goodput as the orders that ended other than FAILED, per second of wall clock', () => {
    const run = aVariantRun('sqs-chain', ['CONFIRMED', 'CANCELLED', 'REJECTED', 'FAILED', 'VALIDATED'], {
      wallClockMs: 2000,
    });
    const figures = measureRun(run);
    expect(figures.goodputPerSec).toBeCloseTo(1.5);
    expect(figures.throughputPerSec).toBeCloseTo(2);
    expect(figures.terminal).toEqual({ CONFIRMED: 1, CANCELLED: 1, REJECTED: 1, FAILED: 1 });
    expect(figures.stranded).toHaveLength(1);
    expect(figures.mismatches).toBeNull();
  });

  it("reads p50 and p99 from the terminal orders' accept-to-end latency", () => {
    const run = aVariantRun(
      'sqs-chain',
      Array.from({ length: 100 }, () => 'CONFIRMED' as const),
      { latencyMs: (i) => i + 1 },
    );
    const figures = measureRun(run);
    expect(figures.p50).toBe(50);
    expect(figures.p99).toBe(99);
  });
});

describe('the verdict', () => {
  const confirmed = (orders: number) => Array.from({ length: orders }, () => 'CONFIRMED' as const);
  const sound = (orders = 150) =>
    measureRun(aVariantRun('sqs-chain', confirmed(orders)), aVariantRun('baseline', confirmed(orders)));

  it('passes a sound run inside the acceptance', () => {
    expect(judgeRow({ cell: hard, variant: 'sqs-chain', figures: sound(), rate: 0 })).toEqual(
      expect.objectContaining({ verdict: 'PASS', reasons: [] }),
    );
  });

  it('fails on a violation, a stranded order, an order placed short or one ending unlike the baseline', () => {
    const statuses = Array.from({ length: 150 }, () => 'CONFIRMED' as const);
    const baseline = aVariantRun('baseline', statuses);
    const cases = [
      aVariantRun('sqs-chain', statuses, { violations: 2 }),
      aVariantRun('sqs-chain', ['VALIDATED', ...statuses.slice(1)]),
      aVariantRun('sqs-chain', statuses.slice(1)),
      aVariantRun('sqs-chain', ['CANCELLED', ...statuses.slice(1)]),
    ];
    const reasons = cases.map((run) =>
      judgeRow({ cell: hard, variant: 'sqs-chain', figures: measureRun(run, baseline), rate: 0 }),
    );
    expect(reasons.map((r) => r.verdict)).toEqual(['FAIL', 'FAIL', 'FAIL', 'FAIL']);
    expect(reasons.map((r) => r.reasons)).toEqual([
      ['2 invariant violation(s)'],
      ['1 stranded (not terminal)', '1 end differently from the baseline'],
      ['only 149 of 150 orders placed', '1 end differently from the baseline'],
      ['1 end differently from the baseline'],
    ]);
  });

  it('judges overload by goodput against capacity (80% passes, 79% fails) and by FAILED orders', () => {
    const at = (goodput: number) =>
      judgeRow({
        cell: overload,
        variant: 'sqs-chain',
        figures: { ...sound(400), goodputPerSec: goodput },
        rate: 40,
        capacityPerSec: 10,
      });
    expect(at(8)).toEqual(
      expect.objectContaining({ verdict: 'PASS', capacityPerSec: 10, goodputShareOfCapacity: 0.8 }),
    );
    expect(at(7.9)).toEqual(expect.objectContaining({ verdict: 'FAIL', reasons: ['goodput 79% of capacity < 80%'] }));
    const failedOnes = { ...sound(400), terminal: { CONFIRMED: 398, CANCELLED: 0, REJECTED: 0, FAILED: 2 } };
    expect(
      judgeRow({ cell: overload, variant: 'sqs-chain', figures: failedOnes, rate: 40, capacityPerSec: 10 }).reasons,
    ).toContain('2 FAILED under overload');
    const unmeasured = judgeRow({
      cell: overload,
      variant: 'sqs-chain',
      figures: sound(400),
      rate: 0,
      capacityPerSec: 0,
    });
    expect(unmeasured.reasons).toContain('capacity could not be measured');
  });

  it('still judges overload beyond 500/s, on goodput and FAILED only', () => {
    const row = judgeRow({
      cell: overload,
      variant: 'sqs-chain',
      figures: { ...sound(400), goodputPerSec: 200 },
      rate: 800,
      capacityPerSec: 200,
    });
    expect(row.verdict).toBe('PASS');
  });

  it('reports a load cell outside the acceptance without judging it', () => {
    const big = makeCell({ ...hard, orders: 6000 });
    const row = judgeRow({ cell: big, variant: 'sqs-chain', figures: sound(), rate: 0 });
    expect(row.verdict).toBe('n/a');
    expect(row.reasons[0]).toBe('outside acceptance: orders 6000 > 5000');
  });

  it('leaves the baseline out of the comparison with itself', () => {
    const row = judgeRow({
      cell: overload,
      variant: 'baseline',
      figures: measureRun(aVariantRun('baseline', confirmed(400))),
      rate: 0,
    });
    expect(row).toEqual(expect.objectContaining({ verdict: 'PASS', mismatchesVsBaseline: null }));
    expect(row.capacityPerSec).toBeUndefined();
  });
});

describe('running cells', () => {
  const options = { variants: [...VARIANTS] };

  it('runs a load cell once through every variant, without the modelled AWS delays unless asked', async () => {
    const fake = aFakeMeasure(() => 20);
    const rows = await runStressCell(hard, { ...options, measure: fake.measure });
    expect(fake.calls).toHaveLength(1);
    expect(fake.calls[0]).toEqual(
      expect.objectContaining({
        orders: 150,
        concurrency: 100,
        rate: 0,
        seed: 7,
        ...MIXES.hard,
        latencyModel: 'none',
        variants: [...VARIANTS],
      }),
    );
    expect(rows.map((r) => [r.variant, r.verdict, r.goodputPerSec])).toEqual([
      ...VARIANTS.map((v) => [v, 'PASS', 20]),
      ['baseline', 'PASS', 20],
    ]);
    await runStressCell(hard, { ...options, latencyModel: 'aws', measure: fake.measure });
    expect(fake.calls[1]!.latencyModel).toBe('aws');
  });

  it('drives each variant alone at 4x the capacity it showed in a closed-model calibration', async () => {
    const capacity: Record<string, number> = {
      'sqs-chain': 30,
      'eventbridge-flags': 15,
      'step-functions': 25,
      'durable-functions': 20,
      'single-lambda': 40,
      baseline: 100,
    };
    // Under overload each variant keeps 90% of its capacity.
    const fake = aFakeMeasure((variant, o) => (o.rate > 0 ? 0.9 : 1) * capacity[variant]!);
    const rows = await runStressCell(overload, { ...options, measure: fake.measure });
    expect(fake.calls.map((c) => [c.orders, c.rate, c.variants])).toEqual([
      [100, 0, [...VARIANTS]],
      ...VARIANTS.map((v) => [400, 4 * capacity[v]!, [v]]),
    ]);
    expect(rows.map((r) => [r.variant, r.rate, r.capacityPerSec, r.verdict])).toEqual([
      ...VARIANTS.map((v) => [v, 4 * capacity[v]!, capacity[v], 'PASS']),
      ['baseline', 0, undefined, 'PASS'],
    ]);
    expect(rows[0]!.goodputShareOfCapacity).toBeCloseTo(0.9);
  });

  it('fails a variant whose goodput collapses under overload', async () => {
    const fake = aFakeMeasure((variant, o) => (o.rate > 0 && variant === 'step-functions' ? 5 : 20));
    const rows = await runStressCell(overload, { ...options, measure: fake.measure });
    expect(rows.find((r) => r.variant === 'step-functions')).toEqual(
      expect.objectContaining({ verdict: 'FAIL', reasons: ['goodput 25% of capacity < 80%'] }),
    );
  });

  it('turns a cell that cannot run into a FAIL row and goes on with the next', async () => {
    let call = 0;
    const fake = aFakeMeasure(() => 20);
    const measure = async (o: Parameters<typeof fake.measure>[0]) => {
      if (call++ === 0) throw new Error('dynalite did not start');
      return fake.measure(o);
    };
    const rows = await runStressMatrix([hard, makeCell({ ...hard, seed: 8 })], { ...options, measure });
    expect(rows[0]).toEqual(
      expect.objectContaining({ cell: hard.name, verdict: 'FAIL', reasons: ['did not run: dynalite did not start'] }),
    );
    // The next cell runs: a row per variant and one for the baseline, all sound.
    expect(rows.slice(1).map((r) => r.verdict)).toEqual([...VARIANTS, 'baseline'].map(() => 'PASS'));
  });

  it('rounds the overload rate to whole orders per second, and has none without capacity', () => {
    expect(overloadRate(12.4, 4)).toBe(50);
    expect(overloadRate(0.1, 4)).toBe(1);
    expect(overloadRate(0, 4)).toBe(0);
  });
});

describe('npm run stress options', () => {
  it('runs the quick preset without options, with the latency model off and every variant', () => {
    const args = parseStressArgs([]);
    expect(args.preset).toBe('quick');
    expect(args.cells).toEqual(presetCells('quick'));
    expect(args.run).toEqual({ variants: [...VARIANTS], latencyModel: 'none', sfnType: 'standard' });
  });

  it('takes a preset with the run options that apply to every cell', () => {
    const args = parseStressArgs([
      '--preset',
      'ci',
      '--variants',
      'sqs-chain',
      '--latency-model=aws',
      '--deadline',
      '30',
    ]);
    expect(args).toEqual({
      preset: 'ci',
      cells: presetCells('ci'),
      run: { variants: ['sqs-chain'], latencyModel: 'aws', sfnType: 'standard', deadlineMs: 30_000 },
    });
  });

  it("makes one explicit cell per seed from the main job's options", () => {
    const args = parseStressArgs([
      '--orders',
      '300',
      '--rate',
      '250',
      '--seeds',
      '1,2',
      '--decline-rate',
      '0.5',
      '--reject-rate=0.4',
      '--transient-rate',
      '0',
    ]);
    expect(args.preset).toBeUndefined();
    expect(args.cells.map((c) => c.name)).toEqual(['o300 250/s mix 50/5/0/40 s1', 'o300 250/s mix 50/5/0/40 s2']);
  });

  it('makes an overload cell with its factor and calibration size', () => {
    const [cell] = parseStressArgs([
      '--overload',
      '--orders',
      '500',
      '--factor',
      '3',
      '--calibration-orders',
      '120',
    ]).cells;
    expect(cell).toEqual(
      expect.objectContaining({ kind: 'overload', orders: 500, rate: 0, overloadFactor: 3, calibrationOrders: 120 }),
    );
  });

  it('refuses what it cannot mean', () => {
    expect(() => parseStressArgs(['--preset', 'ci', '--orders', '10'])).toThrow(/either --preset/);
    expect(() => parseStressArgs(['--preset', 'huge'])).toThrow(/--preset must be one of ci, quick, full/);
    expect(() => parseStressArgs(['--overload', '--rate', '100'])).toThrow(/leave out --rate/);
    expect(() => parseStressArgs(['--orders', '10', '--factor', '3'])).toThrow(/only apply with --overload/);
    expect(() => parseStressArgs(['--seeds', '1,x'])).toThrow(/--seeds/);
    expect(() => parseStressArgs(['--preset'])).toThrow(/needs a value/);
    expect(() => parseStressArgs(['--bogus'])).toThrow();
  });
});

describe('the table', () => {
  it('aligns every row under its header, verdict last', () => {
    const rows = [
      judgeRow({
        cell: hard,
        variant: 'eventbridge-flags',
        figures: measureRun(aVariantRun('x', ['CONFIRMED', 'VALIDATED'])),
        rate: 0,
      }),
      judgeRow({
        cell: overload,
        variant: 'step-functions',
        rate: 124,
        capacityPerSec: 31,
        figures: { ...measureRun(aVariantRun('y', ['CONFIRMED'])), goodputPerSec: 12.34 },
      }),
    ];
    const header = formatStressHeader();
    const lines = rows.map(formatStressRow);
    for (const line of lines) {
      expect(line.search(/(PASS|FAIL|n\/a)$/)).toBe(header.indexOf('verdict'));
      expect(line.length).toBeLessThanOrEqual(160);
    }
    expect(lines[1]).toMatch(/step-functions\s+1\s+124\s+1\/0\/0\/0\s+0\s+0\s+-\s+12\.3\s+40%\s+100\s+100\s+FAIL$/);
  });
});
