import {
  BUSINESS_ERROR_NAMES,
  DomainError,
  isBusinessError,
  isRetryable,
  OrderConflictError,
  OrderNotFoundError,
  OutOfStockError,
  PaymentDeclinedError,
  TransientDependencyError,
  ValidationError,
} from '#domain/errors';
import { StepOutOfOrderError } from '#domain/step-runner';

/** Every domain error, with the name each variant matches on and whether a transport retries it. */
const cases: Array<{ error: DomainError; name: string; retryable: boolean; business: boolean }> = [
  {
    error: new TransientDependencyError('payment-gateway', 'timeout'),
    name: 'TransientDependencyError',
    retryable: true,
    business: false,
  },
  {
    error: new ValidationError([{ field: 'items', reason: 'is required' }]),
    name: 'ValidationError',
    retryable: false,
    business: true,
  },
  {
    error: new PaymentDeclinedError('o-1', 'card_declined'),
    name: 'PaymentDeclinedError',
    retryable: false,
    business: true,
  },
  { error: new OutOfStockError('o-1', 'SKU-LIMITED', 3), name: 'OutOfStockError', retryable: false, business: true },
  { error: new OrderConflictError('o-1'), name: 'OrderConflictError', retryable: false, business: false },
  { error: new OrderNotFoundError('o-1'), name: 'OrderNotFoundError', retryable: false, business: false },
  {
    error: new StepOutOfOrderError('o-1', 'charge-payment', 'ACCEPTED'),
    name: 'StepOutOfOrderError',
    retryable: true,
    business: false,
  },
];

describe('domain errors', () => {
  it.each(cases.map((c) => [c.name, c] as const))(
    '%s carries its literal name, which survives class renaming',
    (_name, { error, name }) => {
      expect(error.name).toBe(name);
      expect(error).toBeInstanceOf(Error);
      expect(error).toBeInstanceOf(DomainError);
      // An own literal value, not derived from the constructor a bundler may rename.
      expect(Object.getOwnPropertyDescriptor(error, 'name')?.value).toBe(name);
      expect(JSON.parse(JSON.stringify(error)) as unknown).toMatchObject({ name });
    },
  );

  it.each(cases.map((c) => [c.name, c] as const))('%s says whether a retry can help', (_name, { error, retryable }) => {
    expect(error.retryable).toBe(retryable);
    expect(isRetryable(error)).toBe(retryable);
  });

  it.each(cases.map((c) => [c.name, c] as const))(
    '%s is a business outcome only if it routes to compensation',
    (_name, { error, business }) => {
      expect(isBusinessError(error)).toBe(business);
    },
  );

  it('lists exactly the three business errors that end an order', () => {
    expect([...BUSINESS_ERROR_NAMES].sort()).toEqual(['OutOfStockError', 'PaymentDeclinedError', 'ValidationError']);
  });

  it('recognises errors by name after they crossed a process boundary as plain objects', () => {
    // A Step Functions error or a failure event arrives as { name, message }, not as a class instance.
    expect(isRetryable({ name: 'TransientDependencyError', message: 'x' })).toBe(true);
    expect(isBusinessError({ name: 'OutOfStockError', message: 'x' })).toBe(true);
    expect(isBusinessError({ name: 'PaymentDeclinedError' })).toBe(true);
  });

  it('treats unknown failures as neither retryable nor business, so they surface loudly', () => {
    for (const value of [new Error('boom'), new TypeError('x is undefined'), 'a string', null, undefined, 42]) {
      expect(isRetryable(value)).toBe(false);
      expect(isBusinessError(value)).toBe(false);
    }
  });

  it('names the dependency and keeps the cause of a transient failure', () => {
    const cause = new Error('socket hang up');
    const error = new TransientDependencyError('orders-table', 'request failed', { cause });
    expect(error.message).toBe('orders-table: request failed');
    expect(error.dependency).toBe('orders-table');
    expect(error.cause).toBe(cause);
  });

  it('puts every field issue into the message of a validation error', () => {
    const error = new ValidationError([
      { field: 'email', reason: 'must be an email address' },
      { field: 'items[0].qty', reason: 'must be at least 1' },
    ]);
    expect(error.message).toBe('email: must be an email address; items[0].qty: must be at least 1');
    expect(error.issues).toHaveLength(2);
  });

  it('says which order, SKU and quantity ran out', () => {
    const error = new OutOfStockError('o-9', 'SKU-LIMITED', 3);
    expect(error).toMatchObject({ orderId: 'o-9', sku: 'SKU-LIMITED', requested: 3 });
    expect(error.message).toBe('order o-9: not enough stock of SKU-LIMITED for 3');
  });

  it('keeps the decline code of a declined payment', () => {
    expect(new PaymentDeclinedError('o-2', 'insufficient_funds')).toMatchObject({
      orderId: 'o-2',
      declineCode: 'insufficient_funds',
    });
  });
});
