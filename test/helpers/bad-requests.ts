import { order } from './variant-harness.ts';

export interface BadRequest {
  name: string;
  body: string;
  contentType?: string;
  status: number;
  /** Fields the error must name (each with a reason). */
  fields: string[];
}

const valid = () => order();
const json = (value: unknown) => JSON.stringify(value);
const withItem = (item: Record<string, unknown>) => json({ ...valid(), items: [item] });

/** The same bad requests for every variant's `POST /orders`. */
export const BAD_REQUESTS: BadRequest[] = [
  { name: 'malformed JSON', body: '{"orderId": "o-1", ', status: 400, fields: ['body'] },
  { name: 'a JSON array instead of an object', body: '[1,2]', status: 400, fields: ['body'] },
  { name: 'JSON null', body: 'null', status: 400, fields: ['body'] },
  { name: 'an empty body', body: '', status: 400, fields: ['body'] },
  {
    name: 'a wrong content type',
    body: json(valid()),
    contentType: 'text/plain',
    status: 415,
    fields: ['content-type'],
  },
  {
    name: 'every field missing',
    body: '{}',
    status: 400,
    fields: ['orderId', 'customerId', 'email', 'currency', 'paymentToken', 'items'],
  },
  {
    name: 'an extra unknown field',
    body: json({ ...valid(), discountCents: 500 }),
    status: 400,
    fields: ['discountCents'],
  },
  {
    name: 'wrong types',
    body: json({ ...valid(), orderId: 42, email: ['a@b.co'], items: { sku: 'SKU-MOUSE' } }),
    status: 400,
    fields: ['orderId', 'email', 'items'],
  },
  { name: 'a negative quantity', body: withItem({ sku: 'SKU-MOUSE', qty: -1 }), status: 400, fields: ['items[0].qty'] },
  { name: 'a zero quantity', body: withItem({ sku: 'SKU-MOUSE', qty: 0 }), status: 400, fields: ['items[0].qty'] },
  {
    name: 'a fractional quantity',
    body: withItem({ sku: 'SKU-MOUSE', qty: 1.5 }),
    status: 400,
    fields: ['items[0].qty'],
  },
  { name: 'a huge quantity', body: withItem({ sku: 'SKU-MOUSE', qty: 1e12 }), status: 400, fields: ['items[0].qty'] },
  {
    name: 'a quantity given as a string',
    body: withItem({ sku: 'SKU-MOUSE', qty: '2' }),
    status: 400,
    fields: ['items[0].qty'],
  },
  { name: 'an unknown SKU', body: withItem({ sku: 'SKU-UNICORN', qty: 1 }), status: 400, fields: ['items[0].sku'] },
  {
    name: 'an extra field in an item',
    body: withItem({ sku: 'SKU-MOUSE', qty: 1, priceCents: 1 }),
    status: 400,
    fields: ['items[0].priceCents'],
  },
  { name: 'an unsupported currency', body: json({ ...valid(), currency: 'BTC' }), status: 400, fields: ['currency'] },
  { name: 'a malformed email', body: json({ ...valid(), email: 'not-an-email' }), status: 400, fields: ['email'] },
  {
    name: '300 items',
    body: json({ ...valid(), items: Array.from({ length: 300 }, () => ({ sku: 'SKU-MOUSE', qty: 1 })) }),
    status: 400,
    fields: ['items'],
  },
  {
    name: 'a body over 256 KB',
    body: json({ ...valid(), customerId: 'x'.repeat(300 * 1024) }),
    status: 413,
    fields: ['body'],
  },
  {
    name: 'control characters in a string',
    body: json({ ...valid(), customerId: 'cust\u0000\u0007-1' }),
    status: 400,
    fields: ['customerId'],
  },
  {
    name: 'unicode in the orderId',
    body: json({ ...valid(), orderId: 'ordre-été-🚀' }),
    status: 400,
    fields: ['orderId'],
  },
  {
    name: 'an orderId too long for an execution name',
    body: json({ ...valid(), orderId: 'o'.repeat(65) }),
    status: 400,
    fields: ['orderId'],
  },
  { name: 'an empty items list', body: json({ ...valid(), items: [] }), status: 400, fields: ['items'] },
];

export interface BadReview extends BadRequest {
  /** The path's order id, when it is what is wrong (else an order of the test's own). */
  orderId?: string;
}

/** The same bad requests for every variant's `POST /orders/{orderId}/review`. */
export const BAD_REVIEWS: BadReview[] = [
  { name: 'malformed JSON', body: '{"decision": ', status: 400, fields: ['body'] },
  { name: 'a JSON array', body: '[]', status: 400, fields: ['body'] },
  {
    name: 'a decision that is neither approve nor reject',
    body: json({ decision: 'ok', reviewer: 'a' }),
    status: 400,
    fields: ['decision'],
  },
  {
    name: 'the timeout posted as a decision',
    body: json({ decision: 'timeout', reviewer: 'a' }),
    status: 400,
    fields: ['decision'],
  },
  { name: 'no reviewer', body: json({ decision: 'approve' }), status: 400, fields: ['reviewer'] },
  {
    name: 'a reviewer over 128 characters',
    body: json({ decision: 'approve', reviewer: 'r'.repeat(129) }),
    status: 400,
    fields: ['reviewer'],
  },
  {
    name: 'an unknown field',
    body: json({ decision: 'approve', reviewer: 'a', note: 'x' }),
    status: 400,
    fields: ['note'],
  },
  {
    name: 'a wrong content type',
    body: json({ decision: 'approve', reviewer: 'a' }),
    contentType: 'text/plain',
    status: 415,
    fields: ['content-type'],
  },
  {
    name: 'an order id outside the contract',
    body: json({ decision: 'approve', reviewer: 'a' }),
    orderId: 'bad%20id',
    status: 400,
    fields: ['orderId'],
  },
];
