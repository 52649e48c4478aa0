import { jest } from '@jest/globals';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { OrderRecord } from '#domain/order';
import { createGetOrderHandler, createPlaceOrderHandler, createReviewOrderHandler } from '#api/order-api';
import { MAX_BODY_BYTES, type HttpResult } from '#api/http';
import { logger } from '#observability/logger';
import { createTestDeps, type TestDeps } from '../helpers/in-memory-ports.ts';
import { anOrder } from '../helpers/order-factory.ts';

let requestSeq = 0;

/** An API Gateway HTTP API (payload v2) event, as the variants' `POST /orders` receive it. */
function anHttpEvent(
  overrides: {
    method?: string;
    path?: string;
    body?: string;
    headers?: Record<string, string>;
    pathParameters?: Record<string, string>;
    isBase64Encoded?: boolean;
  } = {},
): APIGatewayProxyEventV2 {
  const method = overrides.method ?? 'POST';
  const path = overrides.path ?? '/orders';
  requestSeq += 1;
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: overrides.headers ?? { 'content-type': 'application/json' },
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
      requestId: `req-${requestSeq}`,
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: '01/May/2024:12:00:00 +0000',
      timeEpoch: 1714564800000,
    },
    isBase64Encoded: overrides.isBase64Encoded ?? false,
    ...(overrides.body !== undefined ? { body: overrides.body } : {}),
    ...(overrides.pathParameters ? { pathParameters: overrides.pathParameters } : {}),
  };
}

const post = (body: unknown, headers?: Record<string, string>) =>
  anHttpEvent({ body: typeof body === 'string' ? body : JSON.stringify(body), ...(headers ? { headers } : {}) });

interface ErrorBody {
  error: string;
  message: string;
  issues?: Array<{ field: string; reason: string }>;
}

function bodyOf<T = Record<string, unknown>>(result: HttpResult): T {
  return JSON.parse(result.body ?? '') as T;
}

/** The POST and GET handlers over in-memory ports, with a start callback that records what it started. */
function anApi(t: TestDeps = createTestDeps()) {
  const started: OrderRecord[] = [];
  const start = jest.fn(async (order: OrderRecord) => {
    started.push(order);
  });
  const deps = { orders: t.orders, catalog: t.catalog, clock: t.deps.clock, variant: 'test' };
  return { t, started, start, placeOrder: createPlaceOrderHandler(deps, start), getOrder: createGetOrderHandler(deps) };
}

describe('POST /orders', () => {
  it('answers 202 for a new order, stores it ACCEPTED and starts its pipeline', async () => {
    const api = anApi();
    const command = anOrder();
    const event = post(command);

    const result = await api.placeOrder(event);

    expect(result.statusCode).toBe(202);
    expect(bodyOf(result)).toEqual({
      orderId: command.orderId,
      status: 'ACCEPTED',
      correlationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(result.headers).toMatchObject({
      'content-type': 'application/json',
      location: `/orders/${command.orderId}`,
    });
    expect(api.started.map((o) => o.orderId)).toEqual([command.orderId]);
    expect((await api.t.orders.get(command.orderId))?.status).toBe('ACCEPTED');
  });

  it("keeps the caller's x-correlation-id and ignores one that is not a plain token", async () => {
    const api = anApi();
    const kept = await api.placeOrder(
      post(anOrder(), { 'content-type': 'application/json', 'X-Correlation-Id': 'trace-7:abc' }),
    );
    const ignored = await api.placeOrder(
      post(anOrder(), { 'content-type': 'application/json', 'x-correlation-id': 'bad id\n' }),
    );

    expect(bodyOf(kept).correlationId).toBe('trace-7:abc');
    expect(bodyOf(ignored).correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(api.started.map((o) => o.correlationId)).toEqual(['trace-7:abc', bodyOf(ignored).correlationId]);
  });

  it(
    'answers 200 with the current status when the same order is posted again, without starting it twice once under ' +
      'way',
    async () => {
      const api = anApi();
      const command = anOrder();
      await api.placeOrder(post(command));
      await api.t.steps.validateOrder({ orderId: command.orderId, attempt: 1 });

      const replay = await api.placeOrder(post(command));

      expect(replay.statusCode).toBe(200);
      expect(bodyOf(replay)).toMatchObject({ orderId: command.orderId, status: 'VALIDATED' });
      expect(api.start).toHaveBeenCalledTimes(1);
    },
  );

  it('restarts an order still ACCEPTED when it is posted again, so a client retry heals a lost start', async () => {
    const api = anApi();
    const command = anOrder();
    await api.placeOrder(post(command));

    const replay = await api.placeOrder(post(command));

    expect(replay.statusCode).toBe(200);
    expect(api.start).toHaveBeenCalledTimes(2);
  });

  it('treats the same order with its JSON keys in another order as the same body', async () => {
    const api = anApi();
    const command = anOrder();
    await api.placeOrder(post(command));
    const reordered =
      '{"items":[{"qty":1,"sku":"SKU-KEYBOARD"},{"qty":2,"sku":"SKU-MOUSE"}],"paymentToken":"tok_ok",' +
      `"currency":"EUR","email":"ada@example.com","customerId":"customer-42","orderId":"${command.orderId}"}`;

    expect((await api.placeOrder(post(reordered))).statusCode).toBe(200);
  });

  it('answers 409 when the orderId was used for another body, and starts nothing', async () => {
    const api = anApi();
    const command = anOrder();
    await api.placeOrder(post(command));

    const result = await api.placeOrder(post({ ...command, items: [{ sku: 'SKU-MONITOR', qty: 1 }] }));

    expect(result.statusCode).toBe(409);
    expect(bodyOf<ErrorBody>(result)).toMatchObject({
      error: 'OrderConflictError',
      issues: [{ field: 'orderId', reason: 'already used for an order with a different body' }],
    });
    expect(api.start).toHaveBeenCalledTimes(1);
    expect((await api.t.orders.get(command.orderId))?.command.items).toEqual(command.items);
  });

  it('answers 400 naming every bad field, stores nothing and starts nothing', async () => {
    const api = anApi();
    const command = anOrder();

    const result = await api.placeOrder(
      post({ ...command, email: 'nope', currency: 'JPY', items: [{ sku: 'SKU-MOUSE', qty: 0 }] }),
    );

    expect(result.statusCode).toBe(400);
    const body = bodyOf<ErrorBody>(result);
    expect(body.error).toBe('ValidationError');
    expect(body.issues).toEqual([
      { field: 'email', reason: 'must be an email address' },
      { field: 'currency', reason: 'must be one of USD, EUR, GBP' },
      { field: 'items[0].qty', reason: 'must be at least 1' },
    ]);
    expect(api.start).not.toHaveBeenCalled();
    expect(await api.t.orders.get(command.orderId)).toBeUndefined();
  });

  it.each([
    ['text/plain', { 'content-type': 'text/plain' }],
    ['form data', { 'Content-Type': 'application/x-www-form-urlencoded' }],
    ['no content type', {}],
  ])('answers 415 for %s', async (_label, headers) => {
    const api = anApi();
    const result = await api.placeOrder(post(anOrder(), headers));
    expect(result.statusCode).toBe(415);
    expect(bodyOf<ErrorBody>(result).issues).toEqual([expect.objectContaining({ field: 'content-type' })]);
    expect(api.start).not.toHaveBeenCalled();
  });

  it.each([
    ['a charset', 'application/json; charset=utf-8'],
    ['a +json media type', 'application/vnd.orders+json'],
    ['upper case header and value', 'APPLICATION/JSON'],
  ])('accepts a JSON content type with %s', async (_label, contentType) => {
    const api = anApi();
    expect((await api.placeOrder(post(anOrder(), { 'Content-Type': contentType }))).statusCode).toBe(202);
  });

  it('answers 413 for a body over 256 KB before parsing it', async () => {
    const api = anApi();
    const huge = JSON.stringify({ ...anOrder(), customerId: 'x'.repeat(MAX_BODY_BYTES) });

    const result = await api.placeOrder(post(huge));

    expect(MAX_BODY_BYTES).toBe(256 * 1024);
    expect(result.statusCode).toBe(413);
    expect(bodyOf<ErrorBody>(result)).toMatchObject({ error: 'PayloadTooLargeError', issues: [{ field: 'body' }] });
    expect(api.start).not.toHaveBeenCalled();
  });

  it.each([
    ['malformed JSON', '{"orderId": '],
    ['an empty body', ''],
    ['a blank body', '  \n '],
  ])('answers 400 on the body for %s', async (_label, body) => {
    const api = anApi();
    const result = await api.placeOrder(post(body));
    expect(result.statusCode).toBe(400);
    expect(bodyOf<ErrorBody>(result).issues).toEqual([expect.objectContaining({ field: 'body' })]);
    expect(api.start).not.toHaveBeenCalled();
  });

  it('answers 400 on the body as a whole for a JSON array', async () => {
    const api = anApi();
    const result = await api.placeOrder(post([anOrder()]));
    expect(result.statusCode).toBe(400);
    expect(bodyOf<ErrorBody>(result).issues).toEqual([{ field: 'body', reason: 'must be a JSON object' }]);
  });

  it('reads a base64-encoded body', async () => {
    const api = anApi();
    const event = anHttpEvent({
      body: Buffer.from(JSON.stringify(anOrder())).toString('base64'),
      isBase64Encoded: true,
    });
    expect((await api.placeOrder(event)).statusCode).toBe(202);
  });

  it('answers 500 without internals when the start fails, and a retry of the same order starts it', async () => {
    const t = createTestDeps();
    let failStart = true;
    const start = jest.fn(async () => {
      if (failStart) throw new Error('queue https://sqs.internal/secret unreachable');
    });
    const placeOrder = createPlaceOrderHandler(
      { orders: t.orders, catalog: t.catalog, clock: t.deps.clock, variant: 'test' },
      start,
    );
    const command = anOrder();
    const logged = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    try {
      const failed = await placeOrder(post(command));

      expect(failed.statusCode).toBe(500);
      expect(failed.body).not.toContain('secret');
      expect(bodyOf<ErrorBody>(failed).error).toBe('InternalError');
      expect(logged).toHaveBeenCalled();

      failStart = false;
      const retried = await placeOrder(post(command));
      expect(retried.statusCode).toBe(200);
      expect(start).toHaveBeenCalledTimes(2);
    } finally {
      logged.mockRestore();
    }
  });
});

describe('GET /orders/{orderId}', () => {
  const get = (orderId: string) =>
    anHttpEvent({ method: 'GET', path: `/orders/${orderId}`, pathParameters: { orderId }, headers: {} });

  it('answers 200 with status, total, lines and the timeline of a processed order', async () => {
    const api = anApi();
    const command = anOrder();
    await api.placeOrder(post(command));
    for (const step of [
      api.t.steps.validateOrder,
      api.t.steps.chargePayment,
      api.t.steps.reserveInventory,
      api.t.steps.sendConfirmation,
    ]) {
      await step({ orderId: command.orderId, attempt: 1 });
    }

    const result = await api.getOrder(get(command.orderId));

    expect(result.statusCode).toBe(200);
    const body = bodyOf<{
      status: string;
      totalCents: number;
      currency: string;
      items: unknown[];
      timeline: Array<{ step: string }>;
      terminalAt?: string;
      command?: unknown;
      requestHash?: unknown;
    }>(result);
    expect(body).toMatchObject({ orderId: command.orderId, status: 'CONFIRMED', totalCents: 14_700, currency: 'EUR' });
    expect(body.items).toEqual([
      { sku: 'SKU-KEYBOARD', qty: 1, unitPriceCents: 8_900, lineTotalCents: 8_900 },
      { sku: 'SKU-MOUSE', qty: 2, unitPriceCents: 2_900, lineTotalCents: 5_800 },
    ]);
    expect(body.timeline.map((e) => e.step)).toEqual([
      'accept-order',
      'validate-order',
      'charge-payment',
      'reserve-inventory',
      'send-confirmation',
    ]);
    expect(body.terminalAt).toBeDefined();
    // Internals of the record (payment token, request hash) are not part of the public view.
    expect(body.command).toBeUndefined();
    expect(body.requestHash).toBeUndefined();
    expect(result.body).not.toContain('tok_ok');
  });

  it('shows why a cancelled order was cancelled', async () => {
    const api = anApi();
    const command = anOrder({ paymentToken: 'tok_decline' });
    await api.placeOrder(post(command));
    await api.t.steps.validateOrder({ orderId: command.orderId, attempt: 1 });
    await api.t.steps.chargePayment({ orderId: command.orderId, attempt: 1 }).catch(() => undefined);
    await api.t.steps.compensateOrder({ orderId: command.orderId, attempt: 1, reason: 'PaymentDeclinedError' });

    expect(bodyOf(await api.getOrder(get(command.orderId)))).toMatchObject({
      status: 'CANCELLED',
      reason: 'PaymentDeclinedError',
    });
  });

  it('answers 404 for an order nobody placed', async () => {
    const api = anApi();
    const result = await api.getOrder(get('order-nobody-placed'));
    expect(result.statusCode).toBe(404);
    expect(bodyOf<ErrorBody>(result).error).toBe('OrderNotFoundError');
  });

  it('answers 400 for an order id outside the contract', async () => {
    const api = anApi();
    const result = await api.getOrder(get('../../etc/passwd'));
    expect(result.statusCode).toBe(400);
    expect(bodyOf<ErrorBody>(result).issues).toEqual([expect.objectContaining({ field: 'orderId' })]);
  });
});

describe('POST /orders/{orderId}/review', () => {
  /** A review API over in-memory ports with an order parked AWAITING_REVIEW (sixteen monitors). */
  async function aParkedOrder(options: { failFirstResume?: boolean } = {}) {
    const t = createTestDeps();
    const command = anOrder({ items: [{ sku: 'SKU-MONITOR', qty: 16 }] });
    await t.steps.acceptOrder(command);
    await t.steps.validateOrder({ orderId: command.orderId, attempt: 1 });
    await t.steps.awaitReview({ orderId: command.orderId, attempt: 1 });
    const resumed: Array<{ orderId: string; status: string; decision: string }> = [];
    let failures = options.failFirstResume ? 1 : 0;
    const resume = async (order: OrderRecord, decision: 'approve' | 'reject') => {
      if (failures-- > 0) throw new Error('the queue is unreachable');
      resumed.push({ orderId: order.orderId, status: order.status, decision });
    };
    const handler = createReviewOrderHandler({ orders: t.orders, clock: t.deps.clock, variant: 'test' }, resume);
    const review = (body: unknown, orderId = command.orderId, headers?: Record<string, string>) =>
      handler(
        anHttpEvent({
          path: `/orders/${orderId}/review`,
          pathParameters: { orderId },
          body: typeof body === 'string' ? body : JSON.stringify(body),
          ...(headers ? { headers } : {}),
        }),
      );
    return { t, orderId: command.orderId, review, resumed };
  }

  it('answers 202 to an approval and resumes the order from VALIDATED', async () => {
    const api = await aParkedOrder();
    const result = await api.review({ decision: 'approve', reviewer: 'ada' });
    expect(result.statusCode).toBe(202);
    expect(bodyOf(result)).toEqual({ orderId: api.orderId, decision: 'approve', reviewer: 'ada', status: 'VALIDATED' });
    expect(api.resumed).toEqual([{ orderId: api.orderId, status: 'VALIDATED', decision: 'approve' }]);
  });

  it('answers 202 to a rejection: the order is CANCELLED ReviewRejected and the variant told', async () => {
    const api = await aParkedOrder();
    const result = await api.review({ decision: 'reject', reviewer: 'bob' });
    expect(result.statusCode).toBe(202);
    expect(await api.t.orders.get(api.orderId)).toMatchObject({ status: 'CANCELLED', reason: 'ReviewRejected' });
    expect(api.resumed).toEqual([{ orderId: api.orderId, status: 'CANCELLED', decision: 'reject' }]);
  });

  it('answers 409 ReviewAlreadyDecided with the first decision to a second one', async () => {
    const api = await aParkedOrder();
    await api.review({ decision: 'reject', reviewer: 'bob' });
    await api.t.orders.appendTimeline(api.orderId, {
      step: 'cancel-order',
      outcome: 'duplicate',
      attempt: 1,
      at: new Date().toISOString(),
    });
    const second = await api.review({ decision: 'approve', reviewer: 'ada' });
    expect(second.statusCode).toBe(409);
    expect(bodyOf(second)).toEqual({
      error: 'ReviewAlreadyDecided',
      message: expect.stringContaining('reject by bob'),
      decision: { decision: 'reject', reviewer: 'bob', decidedAt: expect.any(String) },
    });
    // The variant moved on after the first resume: nothing is resumed twice.
    expect(api.resumed).toHaveLength(1);
  });

  it('heals a failed resume: the retry answers 409 with the decision and resumes the order again', async () => {
    const api = await aParkedOrder({ failFirstResume: true });
    const logged = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    let first: HttpResult;
    try {
      first = await api.review({ decision: 'approve', reviewer: 'ada' });
      expect(logged).toHaveBeenCalledTimes(1);
    } finally {
      logged.mockRestore();
    }
    expect(first.statusCode).toBe(500);
    expect(api.resumed).toEqual([]);
    const retry = await api.review({ decision: 'approve', reviewer: 'ada' });
    expect(retry.statusCode).toBe(409);
    expect(bodyOf(retry)).toMatchObject({ error: 'ReviewAlreadyDecided', decision: { decision: 'approve' } });
    expect(api.resumed).toEqual([{ orderId: api.orderId, status: 'VALIDATED', decision: 'approve' }]);
  });

  it('answers 409 OrderNotAwaitingReview with the status for an order that is not waiting', async () => {
    const api = await aParkedOrder();
    const other = anOrder();
    await api.t.steps.acceptOrder(other);
    const result = await api.review({ decision: 'approve', reviewer: 'ada' }, other.orderId);
    expect(result.statusCode).toBe(409);
    expect(bodyOf(result)).toEqual({
      error: 'OrderNotAwaitingReview',
      message: expect.any(String),
      status: 'ACCEPTED',
    });
    expect(api.resumed).toEqual([]);
  });

  it('answers 404 for an unknown order', async () => {
    const api = await aParkedOrder();
    const result = await api.review({ decision: 'approve', reviewer: 'ada' }, 'nobody-placed-this');
    expect(result.statusCode).toBe(404);
  });

  it.each([
    ['malformed JSON', '{"decision":', 400, ['body']],
    ['a bad decision', { decision: 'yes', reviewer: 'ada' }, 400, ['decision']],
    ['a missing reviewer', { decision: 'approve' }, 400, ['reviewer']],
    ['a reviewer over 128 characters', { decision: 'approve', reviewer: 'r'.repeat(129) }, 400, ['reviewer']],
  ])('answers %s with a 4xx naming the field and records nothing', async (_name, body, status, fields) => {
    const api = await aParkedOrder();
    const result = await api.review(body);
    expect(result.statusCode).toBe(status);
    expect(bodyOf<ErrorBody>(result).issues?.map((i) => i.field)).toEqual(fields);
    expect((await api.t.orders.get(api.orderId))?.status).toBe('AWAITING_REVIEW');
    expect(api.resumed).toEqual([]);
  });

  it('answers 400 naming orderId for an id outside the contract, and 415 for a wrong content type', async () => {
    const api = await aParkedOrder();
    const badId = await api.review({ decision: 'approve', reviewer: 'ada' }, 'not an id!');
    expect(badId.statusCode).toBe(400);
    expect(bodyOf<ErrorBody>(badId).issues?.map((i) => i.field)).toEqual(['orderId']);
    const text = await api.review({ decision: 'approve', reviewer: 'ada' }, api.orderId, {
      'content-type': 'text/plain',
    });
    expect(text.statusCode).toBe(415);
  });

  it('shows the review on GET, without the variant token', async () => {
    const api = await aParkedOrder();
    await api.t.steps.reviewOrder(api.orderId, { decision: 'approve', reviewer: 'ada' });
    const get = createGetOrderHandler({ orders: api.t.orders });
    const body = bodyOf(
      await get(
        anHttpEvent({ method: 'GET', path: `/orders/${api.orderId}`, pathParameters: { orderId: api.orderId } }),
      ),
    );
    expect(body.review).toEqual({
      requestedAt: expect.any(String),
      timeoutAt: expect.any(String),
      decision: 'approve',
      reviewer: 'ada',
      decidedAt: expect.any(String),
    });
  });
});
