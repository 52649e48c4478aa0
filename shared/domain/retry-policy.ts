import { isRetryable } from './errors.ts';

/**
 * The retry policy every variant applies to a step, whichever mechanism runs it (SQS redelivery,
 * Lambda's async retry, a Step Functions `Retry`, a loop in code): 3 attempts, backoff capped at
 * 1 s then 2 s, full jitter (each delay drawn uniformly below its cap, so the retries of many
 * orders spread out), and business errors never retried.
 */
export const RETRY_POLICY = { maxAttempts: 3, baseDelayMs: 1000, backoffRate: 2 } as const;

export interface RetryOptions {
  maxAttempts?: number;
  baseDelayMs?: number;
  backoffRate?: number;
  /** Uniform draw in [0, 1); `Math.random` by default. */
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** The delay before attempt `attempt + 1`, after attempt `attempt` failed: full jitter below the cap. */
export function backoffDelayMs(attempt: number, options: RetryOptions = {}): number {
  const base = options.baseDelayMs ?? RETRY_POLICY.baseDelayMs;
  const rate = options.backoffRate ?? RETRY_POLICY.backoffRate;
  const cap = base * rate ** (attempt - 1);
  return Math.floor((options.random ?? Math.random)() * cap);
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt(n)` for n = 1, 2, ... until it succeeds, a non-retryable (business) error is
 * thrown, or the attempts run out; then the last error is rethrown.
 *
 * @example
 * await retryInCode((attempt) => steps.chargePayment({ orderId, attempt }));
 */
export async function retryInCode<T>(attempt: (n: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const maxAttempts = options.maxAttempts ?? RETRY_POLICY.maxAttempts;
  const sleep = options.sleep ?? defaultSleep;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (!isRetryable(error) || n >= maxAttempts) throw error;
      await sleep(backoffDelayMs(n, options));
    }
  }
}
