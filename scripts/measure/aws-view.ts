/**
 * What the AWS model says for a chosen monthly volume and step duration: monthly cost (free
 * tiers applied), modelled p50 latency, the share of it that is orchestration, and each
 * variant's scale ceiling with the quota that binds. One pure, self-contained function: the
 * report computes its curves with it, and report.html embeds its source (`computeAwsView.toString()`)
 * to recompute the same numbers in the page when a reader moves a control. It must therefore
 * reference nothing outside its own body.
 */

/** One priced unit (prices.json), reduced to what the view needs. */
export interface ViewPrice {
  label: string;
  counter: string;
  usdPerUnit: number;
  freePerMonth: number;
}

export interface ViewQuota {
  key: string;
  name: string;
  /** null: no published ceiling (SQS standard). */
  limit: number | null;
  /** The per-order use it is divided by: a counter name, or lambdaSecondsPerOrder / sfnStandardExecutions. */
  per: string;
  kind: 'rate' | 'concurrency' | 'ramp' | 'per-key';
  raise: string;
  source: string;
}

/** One variant (or a what-if sibling, e.g. Step Functions Express beside Standard) as the view sees it. */
export interface ViewVariant {
  name: string;
  /** Units per order of the pipeline (fan-out consumers apart), GB-seconds at light-load durations. */
  unitsPerOrder: Record<string, number>;
  /** Step invocations of a typical CONFIRMED order. */
  stepsPerOrder: number;
  /** Their own compute at light load, per step (ms): the default step duration. */
  measuredStepMs: number;
  /** Modelled p50 of a typical order that is not step compute: hops and retry waits (ms). */
  orchestrationMs: number;
  /**
   * No published hop delay, so no modelled latency (durable-functions, single-lambda): the view
   * gives its scale ceiling only; latency and where it starts to grow are NaN ("not modelled").
   */
  latencyNotModelled?: boolean;
  /** Lambda seconds per order at the measured step duration (all invocations). */
  lambdaSecondsPerOrder: number;
  /** Average memory of the step functions, GB. */
  memoryGb: number;
  /** Bills Express duration: GB-seconds of each execution (64 MB chunks, 100 ms rounding). */
  expressBilledGb?: number;
  /** Retried attempts per order in the run, and what one more costs (an invocation and its mechanism's calls). */
  retriesPerOrder: number;
  unitsPerRetry: Record<string, number>;
}

export interface AwsViewModel {
  prices: ViewPrice[];
  quotas: ViewQuota[];
  variants: ViewVariant[];
}

export interface AwsViewVariant {
  name: string;
  monthlyUsd: number;
  usdPerMillionOrders: number;
  latencyP50Ms: number;
  overheadShare: number;
  /** Step duration (ms) from which orchestration is under 10% of end-to-end latency. */
  stepMsForTenPercent: number;
  maxOrdersPerSec: number;
  bindingQuota: string;
  /** Load at which the queueing approximation adds 10% to the p50 (orders/s); NaN: latency not modelled. */
  latencyGrowsFromOrdersPerSec: number;
  quotas: {
    name: string;
    limit: number | null;
    perOrder: number;
    ordersPerSec: number;
    latencyGrowsFromOrdersPerSec: number;
    source: string;
    raise: string;
  }[];
}

/**
 * @example
 * computeAwsView(model, { monthlyOrders: 1e6, stepMs: 50 }).variants[0].monthlyUsd
 */
export function computeAwsView(
  model: AwsViewModel,
  controls: { monthlyOrders: number; stepMs?: number | null; retriesPerOrder?: number | null },
): { variants: AwsViewVariant[] } {
  const erlangWaitSeconds = (servers: number, arrivalsPerSec: number, serviceSec: number): number => {
    const offered = arrivalsPerSec * serviceSec;
    if (offered >= servers) return Number.POSITIVE_INFINITY;
    // Erlang B by recursion (stable for thousands of servers), then Erlang C from it.
    let b = 1;
    for (let k = 1; k <= servers; k++) b = (offered * b) / (k + offered * b);
    const rho = offered / servers;
    const c = b / (1 - rho + rho * b);
    return (c * serviceSec) / (servers - offered);
  };
  const variants = model.variants.map((v): AwsViewVariant => {
    const stepMs = controls.stepMs ?? v.measuredStepMs;
    const deltaMs = controls.stepMs == null ? 0 : (stepMs - v.measuredStepMs) * v.stepsPerOrder;
    const latencyP50Ms = v.orchestrationMs + v.stepsPerOrder * stepMs;
    const units: Record<string, number> = { ...v.unitsPerOrder };
    const measuredRetries = v.retriesPerOrder ?? 0;
    const extraRetries = (controls.retriesPerOrder ?? measuredRetries) - measuredRetries;
    for (const [counter, n] of Object.entries(v.unitsPerRetry ?? {})) {
      units[counter] = Math.max(0, (units[counter] ?? 0) + n * extraRetries);
    }
    units.lambdaGbSeconds = Math.max(0, (units.lambdaGbSeconds ?? 0) + (v.memoryGb * deltaMs) / 1000);
    if (v.expressBilledGb !== undefined) {
      // Express bills each execution's duration, rounded up to 100 ms.
      units.sfnExpressGbSeconds = (Math.ceil(latencyP50Ms / 100) / 10) * v.expressBilledGb;
    }
    let monthlyUsd = 0;
    let perOrderUsd = 0;
    for (const price of model.prices) {
      const perOrder = units[price.counter] ?? 0;
      perOrderUsd += perOrder * price.usdPerUnit;
      monthlyUsd += Math.max(0, perOrder * controls.monthlyOrders - price.freePerMonth) * price.usdPerUnit;
    }
    const lambdaSeconds = Math.max(0, v.lambdaSecondsPerOrder + deltaMs / 1000);
    const use = (per: string): number => {
      if (per === 'lambdaSecondsPerOrder') return lambdaSeconds;
      return units[per] ?? 0;
    };
    const rated = model.quotas
      .filter((q) => q.kind === 'rate' || q.kind === 'concurrency')
      .map((q) => {
        const perOrder = use(q.per);
        const ordersPerSec = q.limit === null || perOrder <= 0 ? Number.POSITIVE_INFINITY : q.limit / perOrder;
        return { ...q, perOrder, ordersPerSec };
      })
      .filter((q) => q.perOrder > 0);
    // Where waiting for a quota adds 10% to the p50: Erlang C for the concurrency pool, M/D/1 for
    // a rate (token bucket) quota. An approximation, labelled as such in the report.
    const allowedWaitSec = (0.1 * latencyP50Ms) / 1000;
    const growsFrom = (q: { ordersPerSec: number; limit: number | null; kind: string }): number => {
      if (!Number.isFinite(q.ordersPerSec)) return q.ordersPerSec;
      // The 10% is of a latency: without a modelled one, not modelled either.
      if (v.latencyNotModelled) return Number.NaN;
      if (q.kind === 'concurrency' && q.limit) {
        const invocations = Math.max(1, units.lambdaInvocations ?? 1);
        const serviceSec = lambdaSeconds / invocations;
        let lo = 0;
        let hi = q.ordersPerSec;
        for (let i = 0; i < 40; i++) {
          const mid = (lo + hi) / 2;
          if (erlangWaitSeconds(q.limit, mid * invocations, serviceSec) * invocations > allowedWaitSec) hi = mid;
          else lo = mid;
        }
        return lo;
      }
      const k = 2 * q.ordersPerSec * allowedWaitSec;
      return (q.ordersPerSec * k) / (1 + k);
    };
    const quotas = rated.map((q) => ({
      name: q.name,
      limit: q.limit,
      perOrder: q.perOrder,
      ordersPerSec: q.ordersPerSec,
      latencyGrowsFromOrdersPerSec: growsFrom(q),
      source: q.source,
      raise: q.raise,
    }));
    const binding = quotas.reduce(
      (best, q) => (q.ordersPerSec < best.ordersPerSec ? q : best),
      quotas[0] ?? {
        name: 'none',
        ordersPerSec: Number.POSITIVE_INFINITY,
        latencyGrowsFromOrdersPerSec: Number.POSITIVE_INFINITY,
        limit: null,
        perOrder: 0,
        source: '',
        raise: '',
      },
    );
    const grows = binding.latencyGrowsFromOrdersPerSec;
    const orchestration = v.orchestrationMs;
    return {
      name: v.name,
      monthlyUsd,
      usdPerMillionOrders: perOrderUsd * 1_000_000,
      latencyP50Ms,
      overheadShare: v.latencyNotModelled ? Number.NaN : latencyP50Ms > 0 ? orchestration / latencyP50Ms : 0,
      stepMsForTenPercent: v.stepsPerOrder > 0 ? (9 * orchestration) / v.stepsPerOrder : Number.POSITIVE_INFINITY,
      maxOrdersPerSec: binding.ordersPerSec,
      bindingQuota: binding.name,
      latencyGrowsFromOrdersPerSec: grows,
      quotas,
    };
  });
  return { variants };
}
