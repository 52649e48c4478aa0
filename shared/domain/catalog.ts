import catalogData from '../data/catalog.json' with { type: 'json' };

/** A product of `shared/data/catalog.json`: the price list and the initial stock. */
export interface CatalogEntry {
  sku: string;
  name: string;
  unitPriceCents: number;
  stock: number;
}

export interface Catalog {
  entries: readonly CatalogEntry[];
  find(sku: string): CatalogEntry | undefined;
}

export function createCatalog(entries: readonly CatalogEntry[] = catalogData as CatalogEntry[]): Catalog {
  const bySku = new Map(entries.map((entry) => [entry.sku, entry]));
  return { entries, find: (sku) => bySku.get(sku) };
}
