import { createCatalog } from '#domain/catalog';
import { ValidationError, type FieldIssue } from '#domain/errors';
import { parsePlaceOrderCommand } from '#domain/parse-order';
import { anOrder } from '#test/helpers/order-factory';

const catalog = createCatalog();

/** The issues a client would read in the 400 answer for this body. */
function issuesOf(body: unknown): FieldIssue[] {
  try {
    parsePlaceOrderCommand(body, catalog);
  } catch (error) {
    if (error instanceof ValidationError) return error.issues;
    throw error;
  }
  throw new Error('expected the order to be refused');
}

function withItems(items: unknown): unknown {
  return { ...anOrder(), items };
}

describe('parsePlaceOrderCommand', () => {
  it('accepts a valid order and returns exactly the contract fields', () => {
    const order = anOrder();
    expect(parsePlaceOrderCommand(JSON.parse(JSON.stringify(order)), catalog)).toEqual(order);
  });

  it('accepts every supported currency and an email with plus addressing', () => {
    for (const currency of ['USD', 'EUR', 'GBP'] as const) {
      expect(
        parsePlaceOrderCommand(anOrder({ currency, email: 'ada+orders@mail.example.co.uk' }), catalog).currency,
      ).toBe(currency);
    }
  });

  it('names every missing field', () => {
    expect(issuesOf({})).toEqual([
      { field: 'orderId', reason: 'is required' },
      { field: 'customerId', reason: 'is required' },
      { field: 'email', reason: 'is required' },
      { field: 'paymentToken', reason: 'is required' },
      { field: 'currency', reason: 'is required' },
      { field: 'items', reason: 'is required' },
    ]);
  });

  it('names fields of the wrong type with the type it got', () => {
    const issues = issuesOf({
      ...anOrder(),
      orderId: 42,
      customerId: true,
      email: ['a@b.co'],
      paymentToken: null,
      items: 'SKU-MOUSE',
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        { field: 'orderId', reason: 'must be a string, got number' },
        { field: 'customerId', reason: 'must be a string, got boolean' },
        { field: 'email', reason: 'must be a string, got array' },
        { field: 'paymentToken', reason: 'is required' },
        { field: 'items', reason: 'must be an array, got string' },
      ]),
    );
    expect(issues).toHaveLength(5);
  });

  it('refuses blank strings', () => {
    expect(issuesOf({ ...anOrder(), customerId: '   ' })).toEqual([
      { field: 'customerId', reason: 'must not be empty' },
    ]);
  });

  it('refuses an order without items', () => {
    expect(issuesOf(withItems([]))).toEqual([{ field: 'items', reason: 'must contain at least one item' }]);
  });

  it('refuses a zero, negative, fractional or huge quantity, naming each line', () => {
    const issues = issuesOf(
      withItems([
        { sku: 'SKU-KEYBOARD', qty: 0 },
        { sku: 'SKU-MOUSE', qty: -3 },
        { sku: 'SKU-CABLE', qty: 1.5 },
        { sku: 'SKU-DOCK', qty: 1001 },
        { sku: 'SKU-WEBCAM', qty: '2' },
      ]),
    );
    expect(issues).toEqual([
      { field: 'items[0].qty', reason: 'must be at least 1' },
      { field: 'items[1].qty', reason: 'must be at least 1' },
      { field: 'items[2].qty', reason: 'must be a whole number' },
      { field: 'items[3].qty', reason: 'must be at most 1000' },
      { field: 'items[4].qty', reason: 'must be a number, got string' },
    ]);
  });

  it('accepts the largest quantity the contract allows', () => {
    expect(parsePlaceOrderCommand(withItems([{ sku: 'SKU-CABLE', qty: 1000 }]), catalog).items).toEqual([
      { sku: 'SKU-CABLE', qty: 1000 },
    ]);
  });

  it('refuses an unknown SKU, quoting it', () => {
    expect(issuesOf(withItems([{ sku: 'SKU-TOASTER', qty: 1 }]))).toEqual([
      { field: 'items[0].sku', reason: 'unknown SKU "SKU-TOASTER"' },
    ]);
  });

  it('refuses the same SKU on two lines and asks for one line', () => {
    const issues = issuesOf(
      withItems([
        { sku: 'SKU-MOUSE', qty: 1 },
        { sku: 'SKU-MOUSE', qty: 2 },
      ]),
    );
    expect(issues).toEqual([
      { field: 'items[1].sku', reason: 'SKU SKU-MOUSE appears more than once; put the total in one line' },
    ]);
  });

  it('refuses an unsupported currency and lists the supported ones', () => {
    expect(issuesOf({ ...anOrder(), currency: 'JPY' })).toEqual([
      { field: 'currency', reason: 'must be one of USD, EUR, GBP' },
    ]);
    expect(issuesOf({ ...anOrder(), currency: 'eur' })).toEqual([
      { field: 'currency', reason: 'must be one of USD, EUR, GBP' },
    ]);
  });

  it.each(['ada', 'ada@example', 'ada @example.com', '@example.com', 'ada@@example.com'])(
    'refuses the malformed email %p',
    (email) => {
      expect(issuesOf({ ...anOrder(), email })).toEqual([{ field: 'email', reason: 'must be an email address' }]);
    },
  );

  it('refuses an order of more than 50 items', () => {
    const items = Array.from({ length: 51 }, () => ({ sku: 'SKU-MOUSE', qty: 1 }));
    expect(issuesOf(withItems(items))).toEqual([{ field: 'items', reason: 'must contain at most 50 items, got 51' }]);
  });

  it('refuses unknown fields at the top level and in items', () => {
    const issues = issuesOf({
      ...anOrder(),
      priceCents: 1,
      coupon: 'FREE',
      items: [{ sku: 'SKU-MOUSE', qty: 1, unitPriceCents: 0 }],
    });
    expect(issues).toEqual([
      { field: 'priceCents', reason: 'unknown field' },
      { field: 'coupon', reason: 'unknown field' },
      { field: 'items[0].unitPriceCents', reason: 'unknown field' },
    ]);
  });

  it('refuses control characters and does not echo them back', () => {
    const issues = issuesOf({
      ...anOrder(),
      customerId: 'eve\u0000',
      email: 'eve\n@example.com',
      items: [{ sku: 'SKU-\u001bEVIL', qty: 1 }],
    });
    expect(issues).toEqual([
      { field: 'customerId', reason: 'must not contain control characters' },
      { field: 'email', reason: 'must not contain control characters' },
      { field: 'items[0].sku', reason: 'unknown SKU "SKU-?EVIL"' },
    ]);
  });

  it.each([
    ['null', null],
    ['an array', [anOrder()]],
    ['a string', 'order'],
    ['a number', 7],
  ])('refuses a body that is %s as a whole', (_label, body) => {
    expect(issuesOf(body)).toEqual([{ field: 'body', reason: 'must be a JSON object' }]);
  });

  it.each(['order 1', 'order/1', 'order.1', 'ordér-1'])(
    'refuses the orderId %p outside the letters, digits, - and _ charset',
    (orderId) => {
      expect(issuesOf({ ...anOrder(), orderId })).toEqual([
        { field: 'orderId', reason: 'may contain only letters, digits, "-" and "_"' },
      ]);
    },
  );

  it('refuses an orderId longer than 64 characters', () => {
    expect(issuesOf({ ...anOrder(), orderId: 'a'.repeat(65) })).toEqual([
      { field: 'orderId', reason: 'must be at most 64 characters' },
    ]);
  });

  it('refuses a payment token that does not look like a token', () => {
    expect(issuesOf({ ...anOrder(), paymentToken: '4111111111111111' })).toEqual([
      { field: 'paymentToken', reason: 'must look like tok_<letters, digits, _>' },
    ]);
  });

  it('refuses a line that is not an object and a line without sku or qty', () => {
    expect(issuesOf(withItems(['SKU-MOUSE', {}]))).toEqual([
      { field: 'items[0]', reason: 'must be an object with sku and qty' },
      { field: 'items[1].sku', reason: 'is required' },
      { field: 'items[1].qty', reason: 'is required' },
    ]);
  });

  it('reports all issues of a bad order at once, each with its field and reason', () => {
    const body = {
      orderId: 'bad id!',
      customerId: '',
      email: 'not-an-email',
      currency: 'XYZ',
      paymentToken: 'card',
      items: [
        { sku: 'SKU-NOPE', qty: 0 },
        { sku: 'SKU-MOUSE', qty: 2.5, colour: 'red' },
      ],
      giftWrap: true,
    };
    let caught: unknown;
    try {
      parsePlaceOrderCommand(body, catalog);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    const error = caught as ValidationError;
    expect(error.issues).toEqual([
      { field: 'giftWrap', reason: 'unknown field' },
      { field: 'orderId', reason: 'may contain only letters, digits, "-" and "_"' },
      { field: 'customerId', reason: 'must not be empty' },
      { field: 'email', reason: 'must be an email address' },
      { field: 'paymentToken', reason: 'must look like tok_<letters, digits, _>' },
      { field: 'currency', reason: 'must be one of USD, EUR, GBP' },
      { field: 'items[0].sku', reason: 'unknown SKU "SKU-NOPE"' },
      { field: 'items[0].qty', reason: 'must be at least 1' },
      { field: 'items[1].colour', reason: 'unknown field' },
      { field: 'items[1].qty', reason: 'must be a whole number' },
    ]);
    // The message a log line shows carries every issue too.
    for (const issue of error.issues) expect(error.message).toContain(`${issue.field}: ${issue.reason}`);
  });
});
