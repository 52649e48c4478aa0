/**
 * The open model's sender, on a thread of its own: it sends every order when it is due and
 * nothing else, so the main thread's work (polling the orders, parsing their records, the
 * progress) never delays a send, and the client lag it reports is the sender's own. It answers
 * with each order's POST outcome, in small batches. Plain TypeScript only (no parameter properties,
 * no enums): the thread loads it without a TypeScript loader.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { AwsCredentialIdentity } from '@smithy/types';
import { createHttpClient } from './http-client.ts';
import { type PostedOrder, postOrder } from './order-post.ts';
import { createRequestSigner } from './sigv4.ts';

export interface OpenModelJob {
  apiUrl: string;
  orderIds: string[];
  /** Each order's JSON body, serialized by the main thread. */
  bodies: string[];
  ratePerSec: number;
  /** SigV4 signing (a deployed stack with IAM authorization); absent: unsigned. */
  signing?: { region: string; credentials: AwsCredentialIdentity };
}

export type SenderMessage =
  | { type: 'sent'; outcomes: Array<PostedOrder & { index: number; dueAtMs: number; lagMs: number }> }
  | { type: 'done' };

/** How often the sender hands the outcomes it has to the main thread. */
const FLUSH_MS = 50;

async function send(job: OpenModelJob): Promise<void> {
  const client = createHttpClient();
  const sign = job.signing ? createRequestSigner(job.signing) : undefined;
  const interval = 1000 / job.ratePerSec;
  // The schedule starts once the thread is up and its client ready: order 0 is due now.
  const startedAtMs = Date.now();
  let pending: Extract<SenderMessage, { type: 'sent' }>['outcomes'] = [];
  const flush = () => {
    if (pending.length === 0) return;
    parentPort?.postMessage({ type: 'sent', outcomes: pending } satisfies SenderMessage);
    pending = [];
  };
  const flusher = setInterval(flush, FLUSH_MS);
  const inFlight: Promise<void>[] = [];
  try {
    for (let index = 0; index < job.orderIds.length; ) {
      const now = Date.now();
      const next = startedAtMs + index * interval;
      if (next > now) {
        await new Promise((resolve) => setTimeout(resolve, next - now));
        continue;
      }
      // Everything due by now goes out at once: a late tick catches up instead of drifting.
      for (; index < job.orderIds.length && startedAtMs + index * interval <= now; index++) {
        const at = index;
        const dueAtMs = startedAtMs + at * interval;
        inFlight.push(
          postOrder(client, job.apiUrl, job.orderIds[at]!, job.bodies[at]!, sign).then((posted) => {
            pending.push({ ...posted, index: at, dueAtMs, lagMs: Math.max(0, posted.sentAtMs - dueAtMs) });
          }),
        );
      }
    }
    await Promise.all(inFlight);
  } finally {
    clearInterval(flusher);
    flush();
    client.destroy();
  }
  parentPort?.postMessage({ type: 'done' } satisfies SenderMessage);
}

if (parentPort && (workerData as { openModel?: OpenModelJob } | undefined)?.openModel)
  void send((workerData as { openModel: OpenModelJob }).openModel);
