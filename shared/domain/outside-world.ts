/**
 * The simulated outside world (payment provider, mail provider): deterministic, seeded fault
 * injection. A fault depends only on (seed, orderId, dependency, call number), so the same
 * workload and seed give the same outcomes in every variant, whatever the transport's timing.
 *
 * Test tokens force outcomes: `tok_ok` succeeds, `tok_decline` is declined,
 * `tok_flaky_N` fails transiently N times and then succeeds.
 */

export interface DependencyFaults {
  /** Probability that one call fails transiently, 0..1. */
  transientRate: number;
  /** Simulated call latency, uniform in [minMs, maxMs]. */
  latencyMs: { min: number; max: number };
  /**
   * When set, the failure rate holds only until this epoch ms: a storm or an outage "for a
   * while", after which the dependency recovers (and a redrive completes the parked orders).
   */
  untilMs?: number;
}

export interface OutsideWorldConfig {
  seed: number;
  payment: DependencyFaults;
  mailer: DependencyFaults;
}

export const DEFAULT_OUTSIDE_WORLD: OutsideWorldConfig = {
  seed: 1,
  payment: { transientRate: 0, latencyMs: { min: 2, max: 8 } },
  mailer: { transientRate: 0, latencyMs: { min: 1, max: 4 } },
};

export type CallOutcome = 'ok' | 'decline' | 'transient';

const FLAKY = /^tok_flaky_(\d+)$/;

/**
 * Decides a payment call. `callNumber` counts this order's charge calls (1-based), kept by the
 * provider itself, so retries through any transport see the same sequence.
 */
export function decideChargeOutcome(
  config: OutsideWorldConfig,
  paymentToken: string,
  orderId: string,
  callNumber: number,
  nowMs = Date.now(),
): CallOutcome {
  if (paymentToken === 'tok_decline') return 'decline';
  const flaky = FLAKY.exec(paymentToken);
  if (flaky) return callNumber <= Number(flaky[1]) ? 'transient' : 'ok';
  return chance(config.seed, `payment#${orderId}#${callNumber}`) < activeRate(config.payment, nowMs)
    ? 'transient'
    : 'ok';
}

/** Decides a mail call, with the mailer's own failure rate. */
export function decideMailOutcome(
  config: OutsideWorldConfig,
  orderId: string,
  callNumber: number,
  nowMs = Date.now(),
): CallOutcome {
  return chance(config.seed, `mailer#${orderId}#${callNumber}`) < activeRate(config.mailer, nowMs) ? 'transient' : 'ok';
}

function activeRate(faults: DependencyFaults, nowMs: number): number {
  return faults.untilMs !== undefined && nowMs >= faults.untilMs ? 0 : faults.transientRate;
}

/** Simulated latency of one call, deterministic for its key. */
export function simulatedLatencyMs(config: OutsideWorldConfig, dependency: 'payment' | 'mailer', key: string): number {
  const { min, max } = config[dependency].latencyMs;
  return min + Math.floor(chance(config.seed, `latency#${dependency}#${key}`) * (max - min + 1));
}

/** A uniform number in [0, 1) from a seed and a key (FNV-1a, then a mulberry32 round). */
export function chance(seed: number, key: string): number {
  let hash = 0x811c9dc5 ^ seed;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  let t = (hash + 0x6d2b79f5) | 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** Reads the outside-world config from env (all optional), as the Lambda functions do. */
export function outsideWorldFromEnv(env: Record<string, string | undefined>): OutsideWorldConfig {
  const rate = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0 || value > 1)
      throw new Error(`${name} must be a number from 0 to 1, got "${raw}"`);
    return value;
  };
  const range = (name: string, fallback: { min: number; max: number }): { min: number; max: number } => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const match = /^(\d+)(?:-(\d+))?$/.exec(raw);
    if (!match) throw new Error(`${name} must be "<ms>" or "<min>-<max>", got "${raw}"`);
    const min = Number(match[1]);
    const max = match[2] === undefined ? min : Number(match[2]);
    if (max < min) throw new Error(`${name}: max must not be below min, got "${raw}"`);
    return { min, max };
  };
  const seedRaw = env.FAULT_SEED;
  const seed = seedRaw === undefined || seedRaw === '' ? DEFAULT_OUTSIDE_WORLD.seed : Number(seedRaw);
  if (!Number.isInteger(seed)) throw new Error(`FAULT_SEED must be an integer, got "${seedRaw}"`);
  const until = (name: string): { untilMs?: number } => {
    const raw = env[name];
    if (raw === undefined || raw === '') return {};
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be an epoch time in ms, got "${raw}"`);
    return { untilMs: value };
  };
  return {
    seed,
    payment: {
      transientRate: rate('PAYMENT_TRANSIENT_RATE', DEFAULT_OUTSIDE_WORLD.payment.transientRate),
      latencyMs: range('PAYMENT_LATENCY_MS', DEFAULT_OUTSIDE_WORLD.payment.latencyMs),
      ...until('PAYMENT_TRANSIENT_UNTIL_MS'),
    },
    mailer: {
      transientRate: rate('MAILER_TRANSIENT_RATE', DEFAULT_OUTSIDE_WORLD.mailer.transientRate),
      latencyMs: range('MAILER_LATENCY_MS', DEFAULT_OUTSIDE_WORLD.mailer.latencyMs),
      ...until('MAILER_TRANSIENT_UNTIL_MS'),
    },
  };
}
