import type { Catalog } from './catalog.ts';
import { ValidationError, type FieldIssue } from './errors.ts';
import { SUPPORTED_CURRENCIES, type Currency, type OrderItem, type PlaceOrderCommand } from './order.ts';

/** Limits of the request contract (HTTP 400 beyond them). */
export const ORDER_LIMITS = {
  maxLines: 50,
  maxQtyPerLine: 1000,
  maxIdLength: 64,
  maxEmailLength: 254,
} as const;

const COMMAND_FIELDS = ['orderId', 'customerId', 'email', 'currency', 'paymentToken', 'items'] as const;
const ITEM_FIELDS = ['sku', 'qty'] as const;
/** orderId names a Step Functions execution too: its charset and 80-char cap apply. */
const ORDER_ID = /^[A-Za-z0-9_-]+$/;
const PAYMENT_TOKEN = /^tok_[a-z0-9_]{1,59}$/;
/** Deliberately plain: one @, a dot in the domain, no spaces. Deliverability is the mailer's job. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this rejects
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * Checks a request body against the order contract and returns the typed command. Every
 * rejected field is named with its reason, all at once, so a client fixes its request in one go.
 *
 * @example
 * const command = parsePlaceOrderCommand(JSON.parse(body), catalog); // throws ValidationError
 */
export function parsePlaceOrderCommand(input: unknown, catalog: Catalog): PlaceOrderCommand {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ValidationError([{ field: 'body', reason: 'must be a JSON object' }]);
  }
  const body = input as Record<string, unknown>;
  const issues: FieldIssue[] = [];
  for (const key of Object.keys(body)) {
    if (!(COMMAND_FIELDS as readonly string[]).includes(key)) issues.push({ field: key, reason: 'unknown field' });
  }
  checkString(body, 'orderId', issues, {
    max: ORDER_LIMITS.maxIdLength,
    pattern: ORDER_ID,
    patternReason: 'may contain only letters, digits, "-" and "_"',
  });
  checkString(body, 'customerId', issues, { max: ORDER_LIMITS.maxIdLength });
  checkString(body, 'email', issues, {
    max: ORDER_LIMITS.maxEmailLength,
    pattern: EMAIL,
    patternReason: 'must be an email address',
  });
  checkString(body, 'paymentToken', issues, {
    max: 64,
    pattern: PAYMENT_TOKEN,
    patternReason: 'must look like tok_<letters, digits, _>',
  });
  if (body.currency === undefined) issues.push({ field: 'currency', reason: 'is required' });
  else if (!(SUPPORTED_CURRENCIES as readonly unknown[]).includes(body.currency)) {
    issues.push({ field: 'currency', reason: `must be one of ${SUPPORTED_CURRENCIES.join(', ')}` });
  }
  checkItems(body.items, catalog, issues);
  if (issues.length > 0) throw new ValidationError(issues);
  return {
    orderId: body.orderId as string,
    customerId: body.customerId as string,
    email: body.email as string,
    currency: body.currency as Currency,
    paymentToken: body.paymentToken as string,
    items: (body.items as OrderItem[]).map(({ sku, qty }) => ({ sku, qty })),
  };
}

/** The decisions a reviewer may post; the timeout is the system's, never a client's. */
export const REVIEW_DECISIONS = ['approve', 'reject'] as const;
const REVIEW_FIELDS = ['decision', 'reviewer'] as const;
export const MAX_REVIEWER_LENGTH = 128;

/**
 * Checks a `POST /orders/{orderId}/review` body: `decision` "approve" or "reject", `reviewer`
 * 1-128 characters. Every bad field is named with its reason, all at once.
 *
 * @example
 * const { decision, reviewer } = parseReviewCommand(JSON.parse(body)); // throws ValidationError
 */
export function parseReviewCommand(input: unknown): { decision: 'approve' | 'reject'; reviewer: string } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ValidationError([{ field: 'body', reason: 'must be a JSON object' }]);
  }
  const body = input as Record<string, unknown>;
  const issues: FieldIssue[] = [];
  for (const key of Object.keys(body)) {
    if (!(REVIEW_FIELDS as readonly string[]).includes(key)) issues.push({ field: key, reason: 'unknown field' });
  }
  if (body.decision === undefined || body.decision === null) issues.push({ field: 'decision', reason: 'is required' });
  else if (!(REVIEW_DECISIONS as readonly unknown[]).includes(body.decision)) {
    issues.push({
      field: 'decision',
      reason: `must be one of ${REVIEW_DECISIONS.map((d) => `"${d}"`).join(', ')}, got ${
        typeof body.decision === 'string' ? `"${printable(body.decision)}"` : typeName(body.decision)
      }`,
    });
  }
  checkString(body, 'reviewer', issues, { max: MAX_REVIEWER_LENGTH });
  if (issues.length > 0) throw new ValidationError(issues);
  return { decision: body.decision as 'approve' | 'reject', reviewer: body.reviewer as string };
}

interface StringRule {
  max: number;
  pattern?: RegExp;
  patternReason?: string;
}

function checkString(body: Record<string, unknown>, field: string, issues: FieldIssue[], rule: StringRule): void {
  const value = body[field];
  if (value === undefined || value === null) return void issues.push({ field, reason: 'is required' });
  if (typeof value !== 'string') return void issues.push({ field, reason: `must be a string, got ${typeName(value)}` });
  if (value.trim().length === 0) return void issues.push({ field, reason: 'must not be empty' });
  if (value.length > rule.max) return void issues.push({ field, reason: `must be at most ${rule.max} characters` });
  if (CONTROL_CHARS.test(value)) return void issues.push({ field, reason: 'must not contain control characters' });
  if (rule.pattern && !rule.pattern.test(value))
    issues.push({ field, reason: rule.patternReason ?? 'has an invalid format' });
}

function checkItems(items: unknown, catalog: Catalog, issues: FieldIssue[]): void {
  if (items === undefined || items === null) return void issues.push({ field: 'items', reason: 'is required' });
  if (!Array.isArray(items))
    return void issues.push({ field: 'items', reason: `must be an array, got ${typeName(items)}` });
  if (items.length === 0) return void issues.push({ field: 'items', reason: 'must contain at least one item' });
  if (items.length > ORDER_LIMITS.maxLines) {
    return void issues.push({
      field: 'items',
      reason: `must contain at most ${ORDER_LIMITS.maxLines} items, got ${items.length}`,
    });
  }
  const seen = new Set<string>();
  items.forEach((item: unknown, index) => {
    const at = `items[${index}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      return void issues.push({ field: at, reason: 'must be an object with sku and qty' });
    }
    const line = item as Record<string, unknown>;
    for (const key of Object.keys(line)) {
      if (!(ITEM_FIELDS as readonly string[]).includes(key))
        issues.push({ field: `${at}.${key}`, reason: 'unknown field' });
    }
    checkSku(line.sku, `${at}.sku`, catalog, seen, issues);
    checkQty(line.qty, `${at}.qty`, issues);
  });
}

function checkSku(sku: unknown, field: string, catalog: Catalog, seen: Set<string>, issues: FieldIssue[]): void {
  if (sku === undefined || sku === null) return void issues.push({ field, reason: 'is required' });
  if (typeof sku !== 'string') return void issues.push({ field, reason: `must be a string, got ${typeName(sku)}` });
  if (!catalog.find(sku)) return void issues.push({ field, reason: `unknown SKU "${printable(sku)}"` });
  if (seen.has(sku))
    return void issues.push({ field, reason: `SKU ${sku} appears more than once; put the total in one line` });
  seen.add(sku);
}

function checkQty(qty: unknown, field: string, issues: FieldIssue[]): void {
  if (qty === undefined || qty === null) return void issues.push({ field, reason: 'is required' });
  if (typeof qty !== 'number' || !Number.isFinite(qty))
    return void issues.push({ field, reason: `must be a number, got ${typeName(qty)}` });
  if (!Number.isInteger(qty)) return void issues.push({ field, reason: 'must be a whole number' });
  if (qty <= 0) return void issues.push({ field, reason: 'must be at least 1' });
  if (qty > ORDER_LIMITS.maxQtyPerLine) issues.push({ field, reason: `must be at most ${ORDER_LIMITS.maxQtyPerLine}` });
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Echoes client text in an error safely: no control characters, bounded length. */
function printable(text: string): string {
  const clean = text.replace(new RegExp(CONTROL_CHARS.source, 'g'), '?');
  return clean.length > 40 ? `${clean.slice(0, 40)}...` : clean;
}
