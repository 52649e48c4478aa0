import type { Catalog } from './catalog.ts';
import type { OrderItem, OrderLine } from './order.ts';

/** Prices the items from the catalog: the client never sets a price. */
export function priceOrder(items: readonly OrderItem[], catalog: Catalog): { lines: OrderLine[]; totalCents: number } {
  const lines = items.map(({ sku, qty }) => {
    const entry = catalog.find(sku);
    if (!entry) throw new Error(`unknown SKU ${sku}: parse the command before pricing it`);
    return { sku, qty, unitPriceCents: entry.unitPriceCents, lineTotalCents: entry.unitPriceCents * qty };
  });
  return { lines, totalCents: lines.reduce((sum, line) => sum + line.lineTotalCents, 0) };
}
