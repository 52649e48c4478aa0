/**
 * An event as EventBridge matches it: every leaf value (string, number, boolean, null) under its
 * dotted path, as aws/event-ruler flattens events. Keys are joined with `.`, so a key that itself
 * contains a dot (`"state.status"`) and a nested key (`state` > `status`) name the same field, in
 * events and in patterns alike. Objects and empty arrays are not leaves.
 *
 * Each leaf remembers which element of which array it came from, so a pattern naming several
 * fields is matched within one element of an array of objects ("array consistency"), never by
 * combining fields of different elements.
 */

export type Leaf = string | number | boolean | null;

/** For each enclosing array (by id), the index of the element the leaf is in. */
export type ArrayPosition = ReadonlyMap<number, number>;

export interface FieldValue {
  value: Leaf;
  position: ArrayPosition;
}

/** Leaf values by dotted path. */
export type EventFields = ReadonlyMap<string, readonly FieldValue[]>;

const cache = new WeakMap<object, EventFields>();

/** Flattens an event once per event object, however many rules look at it. */
export function eventFields(event: unknown): EventFields {
  if (typeof event !== 'object' || event === null) return new Map();
  let fields = cache.get(event);
  if (!fields) {
    fields = flatten(event);
    cache.set(event, fields);
  }
  return fields;
}

function flatten(event: object): EventFields {
  const fields = new Map<string, FieldValue[]>();
  let nextArrayId = 0;
  const visit = (node: unknown, path: string, position: Map<number, number>): void => {
    if (Array.isArray(node)) {
      const arrayId = nextArrayId++;
      node.forEach((element, index) => visit(element, path, new Map(position).set(arrayId, index)));
    } else if (typeof node === 'object' && node !== null) {
      for (const [key, child] of Object.entries(node)) visit(child, path === '' ? key : `${path}.${key}`, position);
    } else if (isLeaf(node) && path !== '') {
      const values = fields.get(path);
      if (values) values.push({ value: node, position });
      else fields.set(path, [{ value: node, position }]);
    }
  };
  visit(event, '', new Map());
  return fields;
}

function isLeaf(value: unknown): value is Leaf {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

/** True when no array is reached at two different elements by the two positions. */
export function consistent(a: ArrayPosition, b: ArrayPosition): boolean {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const [arrayId, index] of small) {
    const other = large.get(arrayId);
    if (other !== undefined && other !== index) return false;
  }
  return true;
}
