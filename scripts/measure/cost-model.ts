import { readFileSync } from 'node:fs';
import type { CounterName } from '../local-cloud/types.ts';

/** One priced unit of `shared/data/prices.json`. */
export interface PriceItem {
  label: string;
  /** The local-cloud counter that counts this unit during a run. */
  counter: CounterName;
  unit: string;
  /** Price of `perUnits` units, as the pricing page writes it ($0.20 per 1,000,000 requests). */
  usd: number;
  perUnits: number;
  source: string;
  note?: string;
  /** Units free every month (the always-free tier), applied by the monthly cost curve only. */
  freePerMonth?: number;
}

export interface PriceTable {
  region: string;
  currency: 'USD';
  /** ISO date the prices were transcribed. */
  asOf: string;
  items: Record<string, PriceItem>;
  /** Units a run counts that no published price confirms: shown as not priced, never in a total. */
  notPriced?: Record<string, NotPricedItem>;
}

/** A counted unit without a confirmed published price (`notPriced` of `shared/data/prices.json`). */
export interface NotPricedItem {
  label: string;
  counter: CounterName;
  unit: string;
  /** Why it is not priced, as the report says it: "no published figure". */
  reason: string;
  /** The page that would publish the price. */
  source: string;
  /** ISO date the source was last looked for. */
  checked: string;
  note?: string;
}

/** Units a run counted that are left out of its total, and why. */
export interface UnpricedLine {
  item: string;
  counter: CounterName;
  units: number;
  reason: string;
}

export interface CostLine {
  /** The price item's label, e.g. "Step Functions state transitions". */
  item: string;
  counter: CounterName;
  /** Units counted during the run (not scaled). */
  units: number;
  unitPriceUsd: number;
  usdPerMillionOrders: number;
}

export interface CostEstimate {
  perMillionOrdersUsd: number;
  breakdown: CostLine[];
  /** Counted units without a confirmed price (left out of `perMillionOrdersUsd`); only those counted. */
  notPriced: UnpricedLine[];
}

export const DEFAULT_PRICES_FILE = new URL('../../shared/data/prices.json', import.meta.url);

/** Thrown when the price file is malformed; the message names the offending field. */
export class PriceTableError extends Error {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`prices: ${field} ${problem}`);
    this.name = 'PriceTableError';
  }
}

// A Record over CounterName, so the compiler fails here when a counter is added to the union.
const KNOWN_COUNTERS: Record<CounterName, true> = {
  lambdaInvocations: true,
  lambdaGbSeconds: true,
  sqsRequests: true,
  eventsPut: true,
  eventDeliveries: true,
  stateTransitions: true,
  sfnExpressRequests: true,
  sfnExpressGbSeconds: true,
  dynamoReadUnits: true,
  dynamoWriteUnits: true,
  retries: true,
  durableOperations: true,
  durableBytesWritten: true,
  durableByteDaysRetained: true,
  dynamoCalls: true,
  awsCallMs: true,
  schedulesCreated: true,
  schedulerInvocations: true,
};

/**
 * Scales the units counted in a run of `orders` orders to one million orders and prices them.
 * Counters without a price (event deliveries, retries) cost nothing by themselves: what a retry
 * costs shows up in the invocations, requests or transitions it caused.
 *
 * @example
 * const { perMillionOrdersUsd } = estimateCost({ stateTransitions: 8_000 }, 1_000, loadPrices());
 * // 8 transitions per order * $0.025 / 1,000 * 1,000,000 orders = $200
 */
export function estimateCost(
  counts: Partial<Record<CounterName, number>>,
  orders: number,
  prices: PriceTable,
): CostEstimate {
  if (!(orders > 0)) throw new RangeError(`estimateCost needs a positive order count, got ${orders}`);
  const breakdown = Object.values(prices.items).map((price): CostLine => {
    const units = counts[price.counter] ?? 0;
    return {
      item: price.label,
      counter: price.counter,
      units,
      unitPriceUsd: price.usd / price.perUnits,
      // Multiplied in this order so round prices stay exact: (8 / 1) * (1e6 / 1000) * 0.025 = 200.
      usdPerMillionOrders: (units / orders) * (1_000_000 / price.perUnits) * price.usd,
    };
  });
  // Counted but not priced: named, never given a price of zero or an invented one.
  const notPriced = Object.values(prices.notPriced ?? {})
    .map((item) => ({ item: item.label, counter: item.counter, units: counts[item.counter] ?? 0, reason: item.reason }))
    .filter((line) => line.units > 0);
  return { perMillionOrdersUsd: sumOf(breakdown.map((line) => line.usdPerMillionOrders)), breakdown, notPriced };
}

/** Reads and validates the price table (default `shared/data/prices.json`). */
export function loadPrices(file: string | URL = DEFAULT_PRICES_FILE): PriceTable {
  return parsePrices(JSON.parse(readFileSync(file, 'utf8')));
}

/** Validates a parsed price table; throws {@link PriceTableError} naming the first bad field. */
export function parsePrices(raw: unknown): PriceTable {
  const table = requireObject(raw, '(root)');
  requireString(table, 'region', '');
  if (table.currency !== 'USD')
    throw new PriceTableError('currency', `must be "USD", got ${JSON.stringify(table.currency)}`);
  const asOf = requireString(table, 'asOf', '');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf))
    throw new PriceTableError('asOf', `must be an ISO date (YYYY-MM-DD), got "${asOf}"`);
  const items = requireObject(table.items, 'items');
  if (Object.keys(items).length === 0) throw new PriceTableError('items', 'must price at least one unit');
  const seen = new Map<string, string>();
  for (const [id, item] of Object.entries(items)) {
    const price = parsePriceItem(item, `items.${id}`);
    const other = seen.get(price.counter);
    // Two prices for one counter would bill its units twice.
    if (other)
      throw new PriceTableError(
        `items.${id}.counter`,
        `prices "${price.counter}" again (already priced by items.${other})`,
      );
    seen.set(price.counter, id);
  }
  if (table.notPriced !== undefined) {
    for (const [id, item] of Object.entries(requireObject(table.notPriced, 'notPriced'))) {
      const path = `notPriced.${id}`;
      const entry = requireObject(item, path);
      requireString(entry, 'label', path);
      requireString(entry, 'unit', path);
      requireString(entry, 'reason', path);
      const counter = requireCounter(entry, path);
      // Priced and not priced at once would leave the report contradicting its own total.
      const other = seen.get(counter);
      if (other) throw new PriceTableError(`${path}.counter`, `"${counter}" is priced by items.${other}`);
      const source = requireString(entry, 'source', path);
      if (!/^https:\/\//.test(source))
        throw new PriceTableError(`${path}.source`, `must be an https URL, got "${source}"`);
      const checked = requireString(entry, 'checked', path);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(checked))
        throw new PriceTableError(`${path}.checked`, `must be an ISO date (YYYY-MM-DD), got "${checked}"`);
    }
  }
  return raw as PriceTable;
}

function parsePriceItem(raw: unknown, path: string): PriceItem {
  const item = requireObject(raw, path);
  requireString(item, 'label', path);
  requireString(item, 'unit', path);
  requireCounter(item, path);
  requireNumber(item, 'usd', path, (n) => n >= 0, 'a non-negative number');
  requireNumber(item, 'perUnits', path, (n) => n > 0, 'a positive number');
  const source = requireString(item, 'source', path);
  if (!/^https:\/\//.test(source)) throw new PriceTableError(`${path}.source`, `must be an https URL, got "${source}"`);
  return item as unknown as PriceItem;
}

function requireCounter(item: Record<string, unknown>, path: string): CounterName {
  const counter = requireString(item, 'counter', path);
  if (!Object.hasOwn(KNOWN_COUNTERS, counter)) {
    throw new PriceTableError(
      `${path}.counter`,
      `must be one of ${Object.keys(KNOWN_COUNTERS).join(', ')}, got "${counter}"`,
    );
  }
  return counter as CounterName;
}

function requireObject(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new PriceTableError(path, 'must be an object');
  return value as Record<string, unknown>;
}

function requireString(obj: Record<string, unknown>, key: string, path: string): string {
  const value = obj[key];
  if (typeof value !== 'string' || value.trim() === '')
    throw new PriceTableError(join(path, key), `must be a non-empty string, got ${JSON.stringify(value)}`);
  return value;
}

function requireNumber(
  obj: Record<string, unknown>,
  key: string,
  path: string,
  ok: (n: number) => boolean,
  what: string,
): number {
  const value = obj[key];
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value))
    throw new PriceTableError(join(path, key), `must be ${what}, got ${JSON.stringify(value)}`);
  return value;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function sumOf(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
