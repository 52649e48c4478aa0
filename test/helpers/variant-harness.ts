import { startLocalCloud, type LocalCloud, type LocalCloudOptions } from '#cloud/cloud';
import type { DeployedStack, DeployOptions } from '#cloud/deploy';
import { LocalStackProbe } from '#lib/local-probe';
import { serviceDir, specOf, type Variant } from '#lib/variants';
import { isTerminal, type OrderRecord, type PlaceOrderCommand } from '#domain/order';

export interface VariantHarness {
  cloud: LocalCloud;
  stack: DeployedStack;
  probe: LocalStackProbe;
  post(body: unknown, headers?: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }>;
  postRaw(body: string, headers?: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }>;
  get(orderId: string): Promise<{ status: number; body: Record<string, unknown> }>;
  /** `POST /orders/{orderId}/review` with a JSON body (a string is sent as it is). */
  review(
    orderId: string,
    body: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  /** Polls GET /orders/{id} until a terminal status (or one of `statuses`) shows, or throws. */
  waitFor(orderId: string, options?: { timeoutMs?: number; statuses?: string[] }): Promise<OrderRecord>;
  stop(): Promise<void>;
}

/** Boots a local cloud on free ports and deploys one variant into it, as `npm start` does. */
export async function startVariant(
  variant: Variant,
  options: { deploy?: DeployOptions; cloud?: LocalCloudOptions } = {},
): Promise<VariantHarness> {
  const cloud = await startLocalCloud({
    ports: { dynamodb: 0, sqs: 0, eventbridge: 0, stepfunctions: 0, lambda: 0 },
    asyncRetryDelaysMs: [300, 600],
    sfnTimeScale: 1,
    optional: [...specOf(variant).emulators],
    ...options.cloud,
  });
  try {
    const stack = await cloud.deploy(serviceDir(variant), {
      httpPort: 0,
      ...options.deploy,
      environment: { LOG_LEVEL: 'CRITICAL', ...options.deploy?.environment },
    });
    const probe = new LocalStackProbe(cloud, stack);
    const request = async (path: string, init?: RequestInit) => {
      const response = await fetch(`${stack.apiUrl}${path}`, init);
      const text = await response.text();
      return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    };
    const postRaw = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
      request('/orders', { method: 'POST', headers, body });
    const harness: VariantHarness = {
      cloud,
      stack,
      probe,
      postRaw,
      post: (body, headers) => postRaw(JSON.stringify(body), headers),
      get: (orderId) => request(`/orders/${encodeURIComponent(orderId)}`),
      review: (orderId, body, headers = { 'content-type': 'application/json' }) =>
        request(`/orders/${encodeURIComponent(orderId)}/review`, {
          method: 'POST',
          headers,
          body: typeof body === 'string' ? body : JSON.stringify(body),
        }),
      async waitFor(orderId, { timeoutMs = 30_000, statuses } = {}) {
        const deadline = Date.now() + timeoutMs;
        let last: OrderRecord | undefined;
        while (Date.now() < deadline) {
          last = await probe.order(orderId);
          if (last && (statuses ? statuses.includes(last.status) : isTerminal(last.status))) return last;
          await new Promise((r) => setTimeout(r, 100));
        }
        throw new Error(
          `order ${orderId} did not reach ${statuses?.join('/') ?? 'a terminal state'} within ${timeoutMs} ms; last: ` +
            `${last?.status ?? 'no record'}`,
        );
      },
      stop: () => cloud.stop(),
    };
    return harness;
  } catch (error) {
    await cloud.stop();
    throw error;
  }
}

let counter = 0;
/** A valid order with a fresh id. */
export function order(overrides: Partial<PlaceOrderCommand> = {}): PlaceOrderCommand {
  counter += 1;
  return {
    orderId: `it-${process.pid}-${Date.now().toString(36)}-${counter}`,
    customerId: 'cust-1',
    email: 'ada@example.com',
    currency: 'USD',
    paymentToken: 'tok_ok',
    items: [{ sku: 'SKU-MOUSE', qty: 2 }],
    ...overrides,
  };
}
