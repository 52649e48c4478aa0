import { estimateCost, loadPrices, parsePrices, PriceTableError, type PriceTable } from '#measure/cost-model';

const prices = loadPrices();

function withItem(id: string, patch: Record<string, unknown>): unknown {
  const copy = structuredClone(prices) as unknown as { items: Record<string, Record<string, unknown>> };
  copy.items[id] = { ...copy.items[id], ...patch };
  return copy;
}

function withNotPriced(id: string, patch: Record<string, unknown>): unknown {
  const copy = structuredClone(prices) as unknown as { notPriced: Record<string, Record<string, unknown>> };
  copy.notPriced[id] = { ...copy.notPriced[id], ...patch };
  return copy;
}

function lineFor(counter: string, estimate: ReturnType<typeof estimateCost>) {
  return estimate.breakdown.find((line) => line.counter === counter)!;
}

describe('estimateCost', () => {
  it('scales the counted units of a run to one million orders at the published prices', () => {
    const estimate = estimateCost(
      {
        lambdaInvocations: 5_000, // 5 per order: 5 x $0.20 = $1.00
        lambdaGbSeconds: 100, // 0.1 GB-s per order: 100,000 GB-s x $0.0000166667 = $1.66667
        sqsRequests: 12_000, // 12 per order: 12 x $0.40 = $4.80
        eventsPut: 5_000, // 5 per order: 5 x $1.00 = $5.00
        stateTransitions: 9_000, // 9 per order: 9,000,000 x $0.025 / 1,000 = $225
        sfnExpressRequests: 1_000, // $1.00
        sfnExpressGbSeconds: 50, // 50,000 GB-s x $0.00001667 = $0.8335
        dynamoWriteUnits: 16_000, // 16 x $0.625 = $10.00
        dynamoReadUnits: 8_000, // 8 x $0.125 = $1.00
        eventDeliveries: 7_000, // not billed
        retries: 40, // not billed by itself
      },
      1_000,
      prices,
    );

    expect(lineFor('lambdaInvocations', estimate).usdPerMillionOrders).toBeCloseTo(1, 10);
    expect(lineFor('lambdaGbSeconds', estimate).usdPerMillionOrders).toBeCloseTo(1.66667, 10);
    expect(lineFor('sqsRequests', estimate).usdPerMillionOrders).toBeCloseTo(4.8, 10);
    expect(lineFor('eventsPut', estimate).usdPerMillionOrders).toBeCloseTo(5, 10);
    expect(lineFor('stateTransitions', estimate).usdPerMillionOrders).toBeCloseTo(225, 10);
    expect(lineFor('sfnExpressRequests', estimate).usdPerMillionOrders).toBeCloseTo(1, 10);
    expect(lineFor('sfnExpressGbSeconds', estimate).usdPerMillionOrders).toBeCloseTo(0.8335, 10);
    expect(lineFor('dynamoWriteUnits', estimate).usdPerMillionOrders).toBeCloseTo(10, 10);
    expect(lineFor('dynamoReadUnits', estimate).usdPerMillionOrders).toBeCloseTo(1, 10);
    expect(estimate.perMillionOrdersUsd).toBeCloseTo(1 + 1.66667 + 4.8 + 5 + 225 + 1 + 0.8335 + 10 + 1, 10);
    expect(estimate.breakdown.map((line) => line.counter)).not.toContain('eventDeliveries');
  });

  it('reports the unit price and the raw units of each line', () => {
    const line = lineFor('stateTransitions', estimateCost({ stateTransitions: 9 }, 1, prices));
    expect(line).toEqual({
      item: 'Step Functions state transitions',
      counter: 'stateTransitions',
      units: 9,
      unitPriceUsd: 0.000025,
      usdPerMillionOrders: 225,
    });
  });

  it('costs nothing for counters a run did not use', () => {
    expect(estimateCost({}, 10, prices).perMillionOrdersUsd).toBe(0);
  });

  it('refuses a run without orders', () => {
    expect(() => estimateCost({ lambdaInvocations: 1 }, 0, prices)).toThrow(RangeError);
  });
});

describe('parsePrices', () => {
  it('accepts the shipped price table, with a source for every price', () => {
    const table: PriceTable = parsePrices(prices);
    expect(table.region).toBe('us-east-1');
    for (const item of Object.values(table.items)) expect(item.source).toMatch(/^https:\/\/aws\.amazon\.com\//);
  });

  it.each([
    ['items.sqsRequests.usd', withItem('sqsRequests', { usd: '0.40' })],
    ['items.sqsRequests.usd', withItem('sqsRequests', { usd: -1 })],
    ['items.lambdaRequests.perUnits', withItem('lambdaRequests', { perUnits: 0 })],
    ['items.dynamoReads.counter', withItem('dynamoReads', { counter: 'dynamoReads' })],
    ['items.dynamoReads.counter', withItem('dynamoReads', { counter: 'dynamoWriteUnits' })],
    ['items.eventBridgeEvents.source', withItem('eventBridgeEvents', { source: undefined })],
    ['asOf', { ...prices, asOf: 'last week' }],
    ['currency', { ...prices, currency: 'EUR' }],
    ['items', { ...prices, items: [] }],
    // A unit both priced and "not priced" would contradict the total it is left out of.
    ['notPriced.durableDataWritten.counter', withNotPriced('durableDataWritten', { counter: 'durableOperations' })],
    ['notPriced.durableDataRetained.reason', withNotPriced('durableDataRetained', { reason: '' })],
  ])('names the bad field %s', (field, table) => {
    expect(() => parsePrices(table)).toThrow(PriceTableError);
    expect(() => parsePrices(table)).toThrow(new RegExp(`^prices: ${field.replace(/\./g, '\\.')} `));
  });
});
