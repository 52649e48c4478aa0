import type { HttpClient } from './http-client.ts';
import type { RequestSigner } from './sigv4.ts';

/**
 * One `POST /orders` as a load-test client sends it, retried the way an AWS SDK retries. Plain
 * TypeScript only (no parameter properties, no enums): the open model's sender thread loads it
 * without a TypeScript loader.
 */

export interface PostedOrder {
  orderId: string;
  httpStatus: number;
  /** When the client sent the POST (client clock). */
  sentAtMs: number;
  /** When the API answered it. */
  acceptedAtMs: number;
}

/** A throttled POST (429) is retried for this long at most; other failures five times. */
const THROTTLE_RETRY_FOR_MS = 30 * 60_000;
const MAX_FAILED_ATTEMPTS = 5;

/**
 * Posts one order (its JSON body prepared by the caller) until the API accepts it, refuses it, or
 * the retries run out (status 0 when no answer came at all).
 *
 * @example
 * const posted = await postOrder(client, api, 'o-1', JSON.stringify(command));
 */
export async function postOrder(
  client: HttpClient,
  apiUrl: string,
  orderId: string,
  body: string,
  sign?: RequestSigner,
): Promise<PostedOrder> {
  const sentAtMs = Date.now();
  const url = `${apiUrl}/orders`;
  const answered = (httpStatus: number): PostedOrder => ({ orderId, httpStatus, sentAtMs, acceptedAtMs: Date.now() });
  for (let attempt = 1, failures = 0; ; attempt++) {
    // Capped exponential backoff with full jitter, as the AWS SDKs retry: many throttled
    // clients spread out instead of coming back together.
    const backoff = () => sleep(Math.random() * Math.min(1000, 50 * 2 ** Math.min(attempt, 10)));
    try {
      const plain = { 'content-type': 'application/json' };
      const headers = sign ? await sign({ method: 'POST', url, headers: plain, body }) : plain;
      const response = await client.request('POST', url, headers, body);
      // Throttling and 5xx are retried with the same body: the orderId makes that safe. A
      // throttle is the API's back-pressure under overload, so it is retried until accepted.
      if (response.status === 429 && Date.now() - sentAtMs < THROTTLE_RETRY_FOR_MS) {
        await backoff();
        continue;
      }
      // Accepted means the API answered with the order: serverless-offline answers a handler that
      // timed out with a 200 and a LambdaTimeoutError body (API Gateway would say 5xx).
      // 408: the server gave up waiting for the request (a busy machine), nothing was done: send it again.
      const failed =
        response.status >= 500 ||
        response.status === 408 ||
        (response.status < 300 && !answersWithOrder(response.body, orderId));
      if (failed && ++failures < MAX_FAILED_ATTEMPTS) {
        await backoff();
        continue;
      }
      return answered(failed && response.status < 300 ? 502 : response.status);
    } catch {
      if (++failures >= MAX_FAILED_ATTEMPTS) return answered(0);
      await backoff();
    }
  }
}

/** Whether a 2xx body is the API's answer for this order (`{ orderId, status, ... }`). */
function answersWithOrder(text: string, orderId: string): boolean {
  try {
    const body = JSON.parse(text) as { orderId?: unknown; status?: unknown };
    return body.orderId === orderId && typeof body.status === 'string';
  } catch {
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
