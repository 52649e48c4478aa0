import { type AwsViewModel, computeAwsView } from '../measure/aws-view.ts';
import type { PriceTable } from '../measure/cost-model.ts';
import type { HopLatencyTable } from '../measure/latency-model.ts';
import type { Claim, VariantReport } from './types.ts';

const SOURCE = 'articles comparing AWS orchestration styles (the seeds of this project)';

const usd = (n: number): string => (n >= 0.01 ? `$${n.toFixed(2)}` : `$${Number(n.toPrecision(3))}`);
const ms = (n: number): string => `${Math.round(n).toLocaleString('en-US')} ms`;
const pct = (n: number): string => `${(n * 100).toFixed(n < 0.1 ? 1 : 0)}%`;

/**
 * Each quantitative claim of the articles, checked against this run's counts, the price table,
 * the published per-hop delays and the AWS model, with a verdict and the numbers behind it.
 * A claim the run cannot speak to (its variant was not run) is left out rather than guessed.
 */
export function checkClaims(input: {
  variants: Record<string, VariantReport>;
  prices: PriceTable;
  hops: HopLatencyTable;
  view: AwsViewModel | undefined;
}): Claim[] {
  const { variants, prices, hops, view } = input;
  const claims: Claim[] = [];
  const transitionPrice = prices.items.sfnStateTransitions;
  const sfn = Object.entries(variants).find(([, v]) => v.hopType === 'sfn-standard' || v.hopType === 'sfn-express');
  if (transitionPrice) {
    const perTransition = transitionPrice.usd / transitionPrice.perUnits;
    const five = 5 * perTransition;
    const measured = sfn ? (sfn[1].counts.stateTransitions ?? 0) / Math.max(1, sfn[1].orders) : undefined;
    const steps = sfn?.[1].modelledAws?.typical.steps;
    const holds = Math.abs(five - 0.000125) < 1e-9;
    const transitionsMatchSteps = measured !== undefined && steps !== undefined && measured <= steps * 1.25;
    claims.push({
      claim: 'Step Functions charges per state transition. Five steps = five transitions = ~$0.000125 per execution.',
      source: SOURCE,
      verdict:
        holds && (measured === undefined || transitionsMatchSteps) ? 'supported' : holds ? 'depends' : 'contradicted',
      evidence: `At ${usd(perTransition * 1000)} per 1,000 transitions (${transitionPrice.source}), 5 transitions cost ${usd(five)}.${
        measured !== undefined
          ? ` This run's state machine billed ${measured.toFixed(2)} transitions per order (${usd(measured * perTransition)} per execution) for ${steps ?? '?'} step invocations: retries and the compensation and end states count too.`
          : ''
      }`,
    });
  }
  const lambda = prices.items.lambdaRequests;
  if (lambda) {
    const perMillion = (lambda.usd / lambda.perUnits) * 1e6;
    const cheapest = Object.entries(variants)
      .map(([name, v]) => ({ name, v, line: v.costBreakdown.find((l) => l.counter === 'lambdaGbSeconds') }))
      .filter((x) => x.line);
    claims.push({
      claim: 'Compare to raw Lambda invocations at ~$0.20 per million requests.',
      source: SOURCE,
      verdict: Math.abs(perMillion - 0.2) < 1e-9 ? 'supported' : 'contradicted',
      evidence: `The price table has ${usd(perMillion)} per million requests (${lambda.source}). Duration is billed on top: ${cheapest
        .map(
          ({ name, v, line }) =>
            `${name} ${usd(line!.usdPerMillionOrders)} of GB-seconds per million orders (${(v.counts.lambdaInvocations ?? 0) / Math.max(1, v.orders) > 0 ? ((v.counts.lambdaInvocations ?? 0) / Math.max(1, v.orders)).toFixed(2) : '0'} invocations per order)`,
        )
        .join('; ')}.`,
    });
  }
  const hopList = Object.values(hops.hops);
  const worstP99 = Math.max(...hopList.map((h) => h.p99));
  const perStep = Object.entries(variants)
    .filter(([, v]) => v.modelledAws)
    .map(([name, v]) => `${name} ${ms(v.modelledAws!.typical.hopsMs / Math.max(1, v.modelledAws!.typical.steps))}`);
  claims.push({
    claim: "That's 500ms-2s of orchestration overhead per step.",
    source: SOURCE,
    verdict: worstP99 < 500 ? 'contradicted' : 'depends',
    evidence: `Published per-hop delays (${hops.source.title}, ${hops.source.region}): ${hopList
      .map((h) => `${h.name} p50 ${ms(h.p50)}, p99 ${ms(h.p99)}`)
      .join(
        '; ',
      )}; none reaches 500 ms even at p99. Modelled per step of a typical order: ${perStep.join(', ') || 'not modelled in this run'}. Retries are another matter: a Lambda async retry waits 1 then 2 minutes.`,
  });
  if (view && sfn) {
    const at = (stepMs: number) => computeAwsView(view, { monthlyOrders: 1e6, stepMs }).variants;
    const fast = at(50).find((v) => v.name === sfn[0]);
    const slow = at(30_000).find((v) => v.name === sfn[0]);
    const steps = view.variants.find((v) => v.name === sfn[0])?.stepsPerOrder ?? 0;
    if (fast && slow) {
      const factor = fast.latencyP50Ms / Math.max(1, steps * 50);
      const doubles = factor > 2;
      const vanishes = slow.overheadShare < 0.01;
      claims.push({
        claim:
          'If your functions run for 50ms, Step Functions more than doubles the end-to-end time. If they run for 30 seconds each, the overhead disappears into the noise.',
        source: SOURCE,
        verdict: doubles && vanishes ? 'supported' : doubles || vanishes ? 'depends' : 'contradicted',
        evidence: `Modelled ${sfn[0]} p50 with ${steps} steps of 50 ms: ${ms(fast.latencyP50Ms)}, ${factor.toFixed(1)}x the ${ms(steps * 50)} of the steps alone (orchestration ${pct(fast.overheadShare)}); with 30 s steps orchestration is ${pct(slow.overheadShare)} of ${ms(slow.latencyP50Ms)}. It falls under 10% from ${ms(fast.stepMsForTenPercent)} per step.`,
      });
    }
    const standard = computeAwsView(view, { monthlyOrders: 1e6 }).variants;
    const std = standard.find((v) => v.name === sfn[0]);
    const exp = standard.find((v) => v.name === `${sfn[0]} (Express)`);
    if (std && exp) {
      let crossover: number | undefined;
      for (let stepMs = 10; stepMs <= 300_000; stepMs *= 1.1) {
        const row = computeAwsView(view, { monthlyOrders: 1e6, stepMs }).variants;
        const s = row.find((v) => v.name === std.name)!;
        const e = row.find((v) => v.name === exp.name)!;
        if (e.usdPerMillionOrders >= s.usdPerMillionOrders) {
          crossover = stepMs;
          break;
        }
      }
      claims.push({
        claim: 'Express workflows are "cheaper per execution" and suit "high-volume, short-duration" work.',
        source: SOURCE,
        verdict:
          exp.usdPerMillionOrders < std.usdPerMillionOrders ? (crossover ? 'depends' : 'supported') : 'contradicted',
        evidence: `Per million orders at the measured step duration: Standard ${usd(std.usdPerMillionOrders)}, Express ${usd(exp.usdPerMillionOrders)} (${(std.usdPerMillionOrders / Math.max(1e-9, exp.usdPerMillionOrders)).toFixed(1)}x cheaper). ${
          crossover
            ? `Express bills duration, so it costs as much as Standard once each step takes about ${ms(crossover)} (an execution of ${ms(crossover * (view.variants.find((v) => v.name === std.name)?.stepsPerOrder ?? 1))}); Express also stops at 5 minutes.`
            : 'No crossover below 5-minute steps.'
        }`,
      });
    }
  }
  const flags = Object.entries(variants).find(([, v]) => v.hopType === 'eventbridge');
  const places = Object.entries(variants)
    .filter(([, v]) => v.placesToLook)
    .map(
      ([name, v]) =>
        `${name}: ${v.placesToLook!.logGroups} log groups, ${v.placesToLook!.dlqs} DLQs, ${v.placesToLook!.executionHistories} execution histories`,
    );
  if (flags || places.length > 0) {
    const writes = flags?.[1].costBreakdown.find((l) => l.counter === 'dynamoWriteUnits');
    const others = Object.entries(variants)
      .filter(([, v]) => v.hopType !== 'eventbridge')
      .map(([name, v]) => `${name} ${((v.counts.dynamoWriteUnits ?? 0) / Math.max(1, v.orders)).toFixed(1)}`);
    claims.push({
      claim:
        'Choreography through EventBridge means "building [sequencing] yourself with flags in DynamoDB", and an SQS chain is "invisible — did step 3 fail? You\'re grepping five CloudWatch log groups".',
      source: SOURCE,
      verdict: 'depends',
      evidence: `${
        flags && writes
          ? `${flags[0]} writes ${((flags[1].counts.dynamoWriteUnits ?? 0) / Math.max(1, flags[1].orders)).toFixed(1)} DynamoDB write units per order (others: ${others.join(', ')}), ${usd(writes.usdPerMillionOrders)} per million orders, ${pct(writes.usdPerMillionOrders / Math.max(1e-9, flags[1].costPerMillionUsd))} of its cost. `
          : ''
      }Places an operator may look when an order fails: ${places.join('; ')}. In every variant here the order's own timeline (GET /orders/{id}) names the failed step first, and every log line carries the orderId, so one Logs Insights query spans the log groups.`,
    });
  }
  return claims;
}
