import {
  chance,
  DEFAULT_OUTSIDE_WORLD,
  decideChargeOutcome,
  decideMailOutcome,
  outsideWorldFromEnv,
  simulatedLatencyMs,
  type OutsideWorldConfig,
} from '#domain/outside-world';

function world(overrides: { seed?: number; paymentRate?: number; mailerRate?: number } = {}): OutsideWorldConfig {
  return {
    seed: overrides.seed ?? 7,
    payment: { transientRate: overrides.paymentRate ?? 0, latencyMs: { min: 5, max: 15 } },
    mailer: { transientRate: overrides.mailerRate ?? 0, latencyMs: { min: 1, max: 1 } },
  };
}

const orderIds = Array.from({ length: 4000 }, (_, i) => `order-${i}`);

describe('test tokens', () => {
  it('always succeeds with tok_ok when no faults are configured', () => {
    for (let call = 1; call <= 20; call++) expect(decideChargeOutcome(world(), 'tok_ok', 'o-1', call)).toBe('ok');
  });

  it('always declines tok_decline, even with a transient rate of 1', () => {
    for (let call = 1; call <= 5; call++)
      expect(decideChargeOutcome(world({ paymentRate: 1 }), 'tok_decline', 'o-1', call)).toBe('decline');
  });

  it('fails tok_flaky_2 transiently on the first two calls, then succeeds', () => {
    const outcomes = [1, 2, 3, 4].map((call) => decideChargeOutcome(world(), 'tok_flaky_2', 'o-1', call));
    expect(outcomes).toEqual(['transient', 'transient', 'ok', 'ok']);
  });

  it('honours any N in tok_flaky_N, whatever the seeded rate says', () => {
    const outcomes = Array.from({ length: 7 }, (_, i) =>
      decideChargeOutcome(world({ paymentRate: 1 }), 'tok_flaky_5', 'o-1', i + 1),
    );
    expect(outcomes).toEqual(['transient', 'transient', 'transient', 'transient', 'transient', 'ok', 'ok']);
    expect(decideChargeOutcome(world(), 'tok_flaky_0', 'o-1', 1)).toBe('ok');
  });

  it('fails every call of an ordinary token when the transient rate is 1', () => {
    expect(decideChargeOutcome(world({ paymentRate: 1 }), 'tok_ok', 'o-1', 1)).toBe('transient');
    expect(decideMailOutcome(world({ mailerRate: 1 }), 'o-1', 1)).toBe('transient');
  });
});

describe('seeded determinism', () => {
  it('gives the same outcome for the same seed, order and call, whenever it is asked', () => {
    const config = world({ paymentRate: 0.3, mailerRate: 0.3 });
    const first = orderIds
      .slice(0, 200)
      .map((id) => [decideChargeOutcome(config, 'tok_ok', id, 1), decideMailOutcome(config, id, 2)]);
    const again = orderIds
      .slice(0, 200)
      .map((id) => [decideChargeOutcome(config, 'tok_ok', id, 1), decideMailOutcome(config, id, 2)]);
    expect(again).toEqual(first);
  });

  it('gives another sequence for another seed', () => {
    const a = orderIds
      .slice(0, 200)
      .map((id) => decideChargeOutcome(world({ seed: 1, paymentRate: 0.5 }), 'tok_ok', id, 1));
    const b = orderIds
      .slice(0, 200)
      .map((id) => decideChargeOutcome(world({ seed: 2, paymentRate: 0.5 }), 'tok_ok', id, 1));
    expect(b).not.toEqual(a);
  });

  it('draws payment and mail faults independently for the same order', () => {
    const config = world({ paymentRate: 0.5, mailerRate: 0.5 });
    const payment = orderIds.slice(0, 200).map((id) => decideChargeOutcome(config, 'tok_ok', id, 1));
    const mail = orderIds.slice(0, 200).map((id) => decideMailOutcome(config, id, 1));
    expect(mail).not.toEqual(payment);
  });

  it('draws numbers in [0, 1)', () => {
    for (const id of orderIds.slice(0, 1000)) {
      const value = chance(3, id);
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
    }
  });

  it('keeps simulated latency within the configured range and repeatable per key', () => {
    const config = world();
    const latencies = orderIds.slice(0, 500).map((id) => simulatedLatencyMs(config, 'payment', id));
    expect(Math.min(...latencies)).toBe(5);
    expect(Math.max(...latencies)).toBe(15);
    expect(latencies.every(Number.isInteger)).toBe(true);
    expect(simulatedLatencyMs(config, 'payment', 'order-1')).toBe(latencies[1]);
    expect(simulatedLatencyMs(config, 'mailer', 'order-1')).toBe(1);
  });
});

describe('fault rates', () => {
  it.each([0.05, 0.2, 0.5])('fails roughly %p of first payment calls', (rate) => {
    const failures = orderIds.filter(
      (id) => decideChargeOutcome(world({ paymentRate: rate }), 'tok_ok', id, 1) === 'transient',
    ).length;
    expect(failures / orderIds.length).toBeGreaterThan(rate - 0.03);
    expect(failures / orderIds.length).toBeLessThan(rate + 0.03);
  });

  it('fails roughly the mailer rate of mail calls', () => {
    const failures = orderIds.filter(
      (id) => decideMailOutcome(world({ mailerRate: 0.1 }), id, 1) === 'transient',
    ).length;
    expect(failures / orderIds.length).toBeGreaterThan(0.07);
    expect(failures / orderIds.length).toBeLessThan(0.13);
  });

  it('lets a retried call succeed: faults are drawn per call, not per order', () => {
    const config = world({ paymentRate: 0.5 });
    const failedFirst = orderIds.filter((id) => decideChargeOutcome(config, 'tok_ok', id, 1) === 'transient');
    const succeededSecond = failedFirst.filter((id) => decideChargeOutcome(config, 'tok_ok', id, 2) === 'ok');
    expect(succeededSecond.length / failedFirst.length).toBeGreaterThan(0.4);
  });
});

describe('outsideWorldFromEnv', () => {
  it('falls back to no faults when nothing is set', () => {
    expect(outsideWorldFromEnv({})).toEqual(DEFAULT_OUTSIDE_WORLD);
    expect(outsideWorldFromEnv({ PAYMENT_TRANSIENT_RATE: '', FAULT_SEED: '' })).toEqual(DEFAULT_OUTSIDE_WORLD);
  });

  it('reads seed, rates and latency ranges', () => {
    expect(
      outsideWorldFromEnv({
        FAULT_SEED: '42',
        PAYMENT_TRANSIENT_RATE: '0.1',
        MAILER_TRANSIENT_RATE: '0.05',
        PAYMENT_LATENCY_MS: '10-30',
        MAILER_LATENCY_MS: '3',
      }),
    ).toEqual({
      seed: 42,
      payment: { transientRate: 0.1, latencyMs: { min: 10, max: 30 } },
      mailer: { transientRate: 0.05, latencyMs: { min: 3, max: 3 } },
    });
  });

  it.each([
    ['PAYMENT_TRANSIENT_RATE', '1.5'],
    ['PAYMENT_TRANSIENT_RATE', '-0.1'],
    ['MAILER_TRANSIENT_RATE', 'often'],
    ['PAYMENT_LATENCY_MS', 'fast'],
    ['MAILER_LATENCY_MS', '10-'],
    ['PAYMENT_LATENCY_MS', '30-10'],
    ['FAULT_SEED', 'abc'],
    ['FAULT_SEED', '1.5'],
  ])('names %s when its value %p is invalid', (variable, value) => {
    expect(() => outsideWorldFromEnv({ [variable]: value })).toThrow(
      new RegExp(`^${variable}\\b.*${value.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')}`),
    );
  });
});

describe('a storm that passes', () => {
  it('fails calls only until the storm window closes', () => {
    const until = 1_000_000;
    const config = {
      ...DEFAULT_OUTSIDE_WORLD,
      payment: { ...DEFAULT_OUTSIDE_WORLD.payment, transientRate: 1, untilMs: until },
      mailer: { ...DEFAULT_OUTSIDE_WORLD.mailer, transientRate: 1, untilMs: until },
    };
    expect(decideChargeOutcome(config, 'tok_ok', 'o-1', 1, until - 1)).toBe('transient');
    expect(decideChargeOutcome(config, 'tok_ok', 'o-1', 2, until)).toBe('ok');
    expect(decideMailOutcome(config, 'o-1', 1, until - 1)).toBe('transient');
    expect(decideMailOutcome(config, 'o-1', 2, until + 5)).toBe('ok');
  });

  it('reads the window from env and names a bad value', () => {
    expect(outsideWorldFromEnv({ MAILER_TRANSIENT_UNTIL_MS: '1234' }).mailer.untilMs).toBe(1234);
    expect(() => outsideWorldFromEnv({ PAYMENT_TRANSIENT_UNTIL_MS: 'soon' })).toThrow(/PAYMENT_TRANSIENT_UNTIL_MS/);
  });
});
