import { readFileSync } from 'node:fs';
import { DEFAULT_RETRY_BASE_SECONDS, redeliveryBackoffSeconds } from '#services/sqs-chain/lib/sqs-step';
import { mulberry32 } from '../local-cloud/eventbridge/prng.ts';
import type { HopType, RetryRecord } from '../local-cloud/types.ts';
import { type HopLatencyTable, inverseCdf, quantileKnots } from './latency-model.ts';

/**
 * The per-order AWS model: an order's recorded journey (its hops by type, its invocations with
 * their DynamoDB calls and cold starts, its retries with the mechanism that ran each) priced in
 * time with published AWS figures and AWS's own retry timings. Nothing of the local machine's
 * speed goes in except each function's own compute, measured at light load (calibration), so the
 * modelled figure does not move when the machine is loaded.
 */

export interface JourneyInvocation {
  functionName: string;
  startedAtMs: number;
  endedAtMs: number;
  /** Ran Init (a fresh local environment): counted, not priced (see `lambdaColdStart`). */
  cold: boolean;
  dynamoCalls: number;
}

export interface JourneyHop {
  type: HopType;
  atMs: number;
}

export type JourneyRetry = Omit<RetryRecord, 'payload'> & { atMs: number };

/** What happened to one order between its acceptance and its terminal state. */
export interface OrderJourney {
  invocations: JourneyInvocation[];
  hops: JourneyHop[];
  retries: JourneyRetry[];
}

interface Figure {
  modelled: boolean;
  source: string;
  published?: string;
  why?: string;
  how?: string;
}

/** `shared/data/aws-model.json`. */
export interface AwsModelFigures {
  asOf: string;
  lambdaInvokeOverhead: Figure;
  lambdaColdStart: Figure & { runtime: string };
  lambdaAsyncRetry: Figure & { delaysMs: number[] };
  dynamodbItemLatency: Figure & { boundMs: number };
  sqsRedelivery: Figure;
  stepFunctionsRetry: Figure;
  eventBridgeTargetRetry: Figure;
}

export const DEFAULT_AWS_MODEL_FILE = new URL('../../shared/data/aws-model.json', import.meta.url);

export function loadAwsModelFigures(file: string | URL = DEFAULT_AWS_MODEL_FILE): AwsModelFigures {
  const figures = JSON.parse(readFileSync(file, 'utf8')) as AwsModelFigures;
  for (const [key, value] of Object.entries(figures)) {
    if (key === 'asOf' || key === 'description') continue;
    const figure = value as Figure;
    if (typeof figure.modelled !== 'boolean') throw new Error(`aws model figures: ${key}.modelled must be a boolean`);
    if (!/^https:\/\//.test(figure.source ?? ''))
      throw new Error(`aws model figures: ${key}.source must be an https URL`);
  }
  if (!Array.isArray(figures.lambdaAsyncRetry?.delaysMs))
    throw new Error('aws model figures: lambdaAsyncRetry.delaysMs must be a list of ms');
  return figures;
}

/** Each function's own compute (duration minus time in AWS calls), ms, measured at light load. */
export type ComputeCalibration = Record<string, number>;

export interface ModelledOrder {
  ms: number;
  hopsMs: number;
  computeMs: number;
  retryWaitMs: number;
  dynamoCalls: number;
  coldStarts: number;
  /** Parts of this order the model could not price, by key (see {@link NOT_MODELLED}). */
  notModelled: string[];
}

export interface ModelOrderOptions {
  seed: number;
  orderId: string;
  hops: HopLatencyTable;
  figures: AwsModelFigures;
  compute: ComputeCalibration;
}

/**
 * One order's modelled AWS latency: every hop drawn from its published distribution, every
 * invocation's own compute at light load, every retry's wait at AWS's timing for the mechanism
 * that ran it. The draws come from a stream seeded by the run's seed and the order id, so the same
 * journey always gets the same figure, whatever else ran beside it.
 *
 * @example
 * modelOrder(journey, { seed: 42, orderId: 'o-1', hops, figures, compute: { 'validate': 4.1 } }).ms
 */
export function modelOrder(journey: OrderJourney, options: ModelOrderOptions): ModelledOrder {
  const random = mulberry32(hashSeed(options.seed, options.orderId));
  const notModelled = new Set<string>();
  let hopsMs = 0;
  for (const hop of [...journey.hops].sort((a, b) => a.atMs - b.atMs)) {
    const quantiles = options.hops.hops[hop.type];
    if (!quantiles) {
      notModelled.add(`hop:${hop.type}`);
      continue;
    }
    hopsMs += inverseCdf(quantileKnots(quantiles), random());
  }
  let computeMs = 0;
  for (const invocation of journey.invocations) {
    const ms = options.compute[invocation.functionName];
    if (ms === undefined) notModelled.add(`compute:${invocation.functionName}`);
    else computeMs += ms;
  }
  let retryWaitMs = 0;
  for (const retry of journey.retries) {
    const wait = retryWaitAtAws(retry, options.figures, random);
    if (wait === undefined) notModelled.add(`retry:${retry.mechanism}`);
    else retryWaitMs += wait;
  }
  const dynamoCalls = journey.invocations.reduce((sum, i) => sum + i.dynamoCalls, 0);
  const coldStarts = journey.invocations.filter((i) => i.cold).length;
  if (dynamoCalls > 0) notModelled.add('dynamodb-latency');
  if (coldStarts > 0 && !options.figures.lambdaColdStart.modelled) notModelled.add('cold-start');
  return {
    ms: hopsMs + computeMs + retryWaitMs,
    hopsMs,
    computeMs,
    retryWaitMs,
    dynamoCalls,
    coldStarts,
    notModelled: [...notModelled].sort(),
  };
}

/** The wait before the next attempt on AWS, ms; undefined when no published timing exists. */
export function retryWaitAtAws(
  retry: Omit<JourneyRetry, 'atMs'>,
  figures: AwsModelFigures,
  random: () => number,
): number | undefined {
  switch (retry.mechanism) {
    case 'lambda-async': {
      const delays = figures.lambdaAsyncRetry.delaysMs;
      return delays[Math.min(retry.attempt - 1, delays.length - 1)];
    }
    case 'sqs-visibility':
      return redeliveryBackoffSeconds(DEFAULT_RETRY_BASE_SECONDS, retry.attempt) * 1000;
    case 'sfn-retry': {
      const r = retry.retrier ?? {};
      // The States language defaults: IntervalSeconds 1, BackoffRate 2.0, no cap, no jitter.
      const interval = (r.IntervalSeconds ?? 1) * (r.BackoffRate ?? 2) ** (retry.attempt - 1);
      const capped = r.MaxDelaySeconds !== undefined ? Math.min(interval, r.MaxDelaySeconds) : interval;
      return (r.JitterStrategy === 'FULL' ? random() * capped : capped) * 1000;
    }
    default:
      return undefined;
  }
}

/** What each "not modelled" key means, for the report. */
export function describeNotModelled(
  key: string,
  figures: AwsModelFigures,
): { what: string; why: string; source?: string } {
  if (key === 'dynamodb-latency')
    return {
      what: 'DynamoDB call latency',
      why: `${figures.dynamodbItemLatency.why} (AWS: "${figures.dynamodbItemLatency.published}")`,
      source: figures.dynamodbItemLatency.source,
    };
  if (key === 'cold-start')
    return {
      what: `Lambda cold starts (${figures.lambdaColdStart.runtime})`,
      why: `${figures.lambdaColdStart.why} (AWS: "${figures.lambdaColdStart.published}")`,
      source: figures.lambdaColdStart.source,
    };
  if (key === 'retry:eventbridge-target')
    return {
      what: 'EventBridge target retry waits',
      why: `${figures.eventBridgeTargetRetry.why} (AWS: "${figures.eventBridgeTargetRetry.published}")`,
      source: figures.eventBridgeTargetRetry.source,
    };
  if (key.startsWith('retry:'))
    return { what: `${key.slice(6)} retry waits`, why: 'no published timing is known to the model' };
  if (key.startsWith('compute:'))
    return { what: `compute of ${key.slice(8)}`, why: 'the function did not run during the light-load calibration' };
  if (key.startsWith('hop:'))
    return { what: `${key.slice(4)} hops`, why: 'no published per-hop delay for this hop type' };
  return { what: key, why: 'not modelled' };
}

function hashSeed(seed: number, orderId: string): number {
  let h = (seed ^ 0x811c9dc5) >>> 0;
  for (let i = 0; i < orderId.length; i++) h = Math.imul(h ^ orderId.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
