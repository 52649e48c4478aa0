import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDynamoDocumentClient } from '#adapters/clients';
import { readLedger } from '#adapters/simulated-outside-world';
import type { LedgerEntry } from '#domain/invariants';
import { PROJECT_ROOT } from '#cloud/cloud';
import { spawnSlsOffline } from '#lib/sls-offline-process';
import { anOrder } from '#test/helpers/order-factory';
import { aReviewOrder, REVIEW_TEST_PARAMS } from './review-cases.ts';

export interface OfflineService {
  /** `http://127.0.0.1:<port>`: the service's HTTP API. */
  target: string;
  /** Its working directory, with the `endpoints.json` where the load test finds its CloudWatch. */
  cloudDir: string;
  /** The provider's ledger of an order, read from the local cloud's DynamoDB with the SDK. */
  ledger(orderId: string): Promise<LedgerEntry[]>;
  stop(): Promise<void>;
}

/**
 * `sls offline start` in a service folder, as a user runs it, with the local cloud behind it on
 * free ports; resolves once serverless-offline says it is ready.
 */
export async function startOffline(
  service: string,
  options: { params?: Record<string, string> } = {},
): Promise<OfflineService> {
  // A directory of its own (endpoints.json), so test files starting `sls offline` side by side never mix.
  const cloudDir = await mkdtemp(path.join(tmpdir(), `sls-offline-${service}-`));
  const offline = await spawnSlsOffline({
    serviceDir: path.join(PROJECT_ROOT, 'services', service),
    cloudDir,
    args: Object.entries(options.params ?? {}).map(([key, value]) => `--param=${key}=${value}`),
  });
  try {
    await offline.waitFor(/Server ready/, 90_000);
  } catch (error) {
    await offline.stop();
    await rm(cloudDir, { recursive: true, force: true });
    throw error;
  }
  const endpoints = JSON.parse(await readFile(path.join(cloudDir, 'endpoints.json'), 'utf8')) as Record<string, string>;
  const db = createDynamoDocumentClient({
    config: {
      region: endpoints.region ?? 'us-east-1',
      endpoints: { dynamodb: endpoints.dynamodb ?? '' },
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    },
    metered: false,
  });
  return {
    target: `http://127.0.0.1:${offline.httpPort}`,
    cloudDir,
    ledger: (orderId) => readLedger({ tableName: `${service}-local-ledger`, client: db, orderId }),
    async stop() {
      db.destroy();
      await offline.stop();
      await rm(cloudDir, { recursive: true, force: true });
    },
  };
}

/** Polls `GET /orders/{id}` until the order is terminal, or in one of `statuses` (a cap only for a hung run). */
export async function waitForTerminal(
  target: string,
  orderId: string,
  statuses = ['CONFIRMED', 'CANCELLED', 'REJECTED', 'FAILED'],
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const body = (await (await fetch(`${target}/orders/${orderId}`)).json()) as Record<string, unknown>;
    if (statuses.includes(String(body.status))) return body;
    if (Date.now() > deadline) throw new Error(`order ${orderId} still ${String(body.status)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Posts the usual three orders (ok, declined, `tok_flaky_2`) and returns them once terminal. */
export async function placeUsualThree(target: string): Promise<Array<Record<string, unknown>>> {
  const tokens = ['tok_ok', 'tok_decline', 'tok_flaky_2'];
  const ids = tokens.map((token) => `offline-${process.pid}-${token}`);
  for (const [i, paymentToken] of tokens.entries()) {
    const response = await fetch(`${target}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        orderId: ids[i],
        customerId: 'c-42',
        email: 'ada@example.com',
        currency: 'EUR',
        paymentToken,
        items: [{ sku: 'SKU-KEYBOARD', qty: 1 }],
      }),
    });
    if (response.status !== 202) throw new Error(`POST /orders answered ${response.status}: ${await response.text()}`);
  }
  return Promise.all(ids.map((id) => waitForTerminal(target, id)));
}

/**
 * `n` orders posted all at once; resolves with each order's id and the status `POST /orders`
 * answered (every request is sent before any answer is read).
 */
export async function postBurst(target: string, n: number): Promise<Array<{ orderId: string; status: number }>> {
  const orders = Array.from({ length: n }, () => anOrder({ items: [{ sku: 'SKU-KEYBOARD', qty: 1 }] }));
  return Promise.all(
    orders.map(async (order) => {
      const response = await fetch(`${target}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(order),
      });
      await response.arrayBuffer();
      return { orderId: order.orderId, status: response.status };
    }),
  );
}

/**
 * The `sls offline` acceptance of a service as a Jest suite: the usual three orders end CONFIRMED,
 * CANCELLED and CONFIRMED, the flaky one after three charge attempts.
 */
export function describeUsualThreeOffline(service: string): void {
  describeOffline(service, { usualThree: true });
}

/**
 * The `sls offline` acceptance suites of a service on one `sls offline start` (started with a
 * review timeout of a few seconds when the review suite runs, as a user would:
 * `npx sls offline start --stage local --param="reviewTimeoutSeconds=3"`): the usual three orders,
 * the manual review (`describeReviewOffline`), and a burst the moment the server is ready (the
 * load tier's: a busy machine means waiting, never a lost order).
 */
export function describeOffline(
  service: string,
  suites: { usualThree?: boolean; review?: boolean; burst?: boolean },
): void {
  let offline: OfflineService | undefined;
  beforeAll(async () => {
    offline = await startOffline(service, suites.review ? { params: REVIEW_TEST_PARAMS } : {});
  }, 120_000);
  afterAll(async () => {
    await offline?.stop();
  });
  if (suites.burst) burstSuite(service, () => offline!);
  if (suites.usualThree) usualThreeSuite(service, () => offline!);
  if (suites.review) describeReviewOffline(service, () => offline!);
}

/**
 * 32 orders posted at once the moment serverless-offline says it is ready, every function still
 * cold: each is accepted, and ends CONFIRMED, charged once.
 */
function burstSuite(service: string, offlineOf: () => OfflineService): void {
  describe(`${service} under sls offline, right after start`, () => {
    it('accepts 32 orders posted at once right after start, and ends each CONFIRMED, charged once', async () => {
      const offline = offlineOf();
      const target = offline.target;
      const answers = await postBurst(target, 32);
      expect(answers.filter((a) => a.status !== 202)).toEqual([]);
      // One order watched at a time: polling 32 at once would be a load of its own on the API.
      const orders: Array<Record<string, unknown>> = [];
      for (const { orderId } of answers) orders.push(await waitForTerminal(target, orderId));
      expect(orders.filter((o) => o.status !== 'CONFIRMED').map((o) => [o.orderId, o.status])).toEqual([]);
      const charges = await Promise.all(
        answers.map(async (a) => (await offline.ledger(a.orderId)).filter((e) => e.kind === 'charge').length),
      );
      expect(charges).toEqual(answers.map(() => 1));
    }, 120_000);
  });
}

function usualThreeSuite(service: string, offlineOf: () => OfflineService): void {
  describe(`${service} under sls offline`, () => {
    it('ends the usual three orders CONFIRMED, CANCELLED and CONFIRMED after three attempts', async () => {
      const orders = await placeUsualThree(offlineOf().target);
      expect(orders.map((o) => o.status)).toEqual(['CONFIRMED', 'CANCELLED', 'CONFIRMED']);
      const timeline = orders[2]?.timeline as Array<{ step: string; outcome: string; attempt: number }>;
      expect(timeline.filter((e) => e.step === 'charge-payment').map((e) => [e.outcome, e.attempt])).toEqual([
        ['failed', 1],
        ['failed', 2],
        ['succeeded', 3],
      ]);
    }, 120_000);
  });
}

/** `POST /orders/{orderId}/review` as a reviewer sends it. */
async function review(target: string, orderId: string, decision: 'approve' | 'reject', reviewer = 'ada') {
  const response = await fetch(`${target}/orders/${orderId}/review`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ decision, reviewer }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A review order placed through the API, once GET shows it AWAITING_REVIEW. */
async function placeAndPark(target: string): Promise<Record<string, unknown>> {
  const command = aReviewOrder();
  const response = await fetch(`${target}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(command),
  });
  if (response.status !== 202) throw new Error(`POST /orders answered ${response.status}: ${await response.text()}`);
  return waitForTerminal(target, command.orderId, ['AWAITING_REVIEW', 'CONFIRMED', 'CANCELLED', 'REJECTED', 'FAILED']);
}

/** The charges the payment provider's books (the ledger table) hold for an order. */
async function chargesOf(offline: OfflineService, orderId: string): Promise<number> {
  return (await offline.ledger(orderId)).filter((entry) => entry.kind === 'charge').length;
}

/**
 * The manual-review acceptance through `sls offline` (issue 13), on a service started with a
 * review timeout of a few seconds: GET shows a big order AWAITING_REVIEW; approve ends it
 * CONFIRMED, charged once; a second decision answers 409; reject ends it CANCELLED, never
 * charged; no decision ends it CANCELLED (ReviewTimedOut) once its timeout passed.
 */
export function describeReviewOffline(service: string, offlineOf: () => OfflineService): void {
  describe(`${service} under sls offline: manual review`, () => {
    it('parks a big order AWAITING_REVIEW; approve ends it CONFIRMED, charged once; a second decision answers 409', async () => {
      const offline = offlineOf();
      const parked = await placeAndPark(offline.target);
      const orderId = String(parked.orderId);
      expect(parked).toMatchObject({ status: 'AWAITING_REVIEW', review: { timeoutAt: expect.any(String) } });
      expect(await review(offline.target, orderId, 'approve')).toMatchObject({ status: 202 });
      expect((await waitForTerminal(offline.target, orderId)).status).toBe('CONFIRMED');
      expect(await chargesOf(offline, orderId)).toBe(1);
      const second = await review(offline.target, orderId, 'reject', 'bob');
      expect(second).toMatchObject({
        status: 409,
        body: { error: 'ReviewAlreadyDecided', decision: { decision: 'approve', reviewer: 'ada' } },
      });
    }, 120_000);

    it('reject ends a big order CANCELLED (ReviewRejected), never charged', async () => {
      const offline = offlineOf();
      const orderId = String((await placeAndPark(offline.target)).orderId);
      expect(await review(offline.target, orderId, 'reject')).toMatchObject({ status: 202 });
      expect(await waitForTerminal(offline.target, orderId)).toMatchObject({
        status: 'CANCELLED',
        reason: 'ReviewRejected',
      });
      expect(await chargesOf(offline, orderId)).toBe(0);
    }, 120_000);

    it('no decision ends a big order CANCELLED (ReviewTimedOut) once its timeout passed', async () => {
      const offline = offlineOf();
      const parked = await placeAndPark(offline.target);
      const review = parked.review as { requestedAt: string; timeoutAt: string };
      // The configured timeout, as the order shows it.
      expect(Date.parse(review.timeoutAt) - Date.parse(review.requestedAt)).toBe(
        Number(REVIEW_TEST_PARAMS.reviewTimeoutSeconds) * 1000,
      );
      const ended = await waitForTerminal(offline.target, String(parked.orderId));
      expect(ended).toMatchObject({ status: 'CANCELLED', reason: 'ReviewTimedOut', review: { decision: 'timeout' } });
      expect(Date.parse(String(ended.terminalAt))).toBeGreaterThanOrEqual(Date.parse(review.timeoutAt));
      expect(await chargesOf(offline, String(parked.orderId))).toBe(0);
    }, 120_000);
  });
}
