import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { callAws, isConditionFailure } from '#adapters/aws-errors';
import { createDynamoDocumentClient } from '#adapters/clients';

/**
 * What a step's flag records once the step has an outcome:
 *  - `succeeded`: the step did its work; its successor may run;
 *  - `noop`: the domain found the step already past or the order ended (nothing to hand on);
 *  - `failed:<ErrorName>`: a business failure; only compensation follows;
 *  - `awaiting-review`: the step is done but its order waits for a manual review (validate-order
 *    parked it AWAITING_REVIEW): settled, so a repeated delivery does nothing, yet it hands nothing
 *    on and its successor may not run. The decision resolves it (`resolve`) to `succeeded`
 *    (approved) or `failed:ReviewRejected` / `failed:ReviewTimedOut`, and only then is its event put.
 */
export type FlagOutcome = 'succeeded' | 'noop' | 'awaiting-review' | `failed:${string}`;

/** The outcome of a step whose order now waits for a review (see FlagOutcome). */
export const AWAITING_REVIEW_OUTCOME = 'awaiting-review' satisfies FlagOutcome;

/** Outcomes after which the successor may run. */
const PROCEED: readonly FlagOutcome[] = ['succeeded', 'noop'];

export interface ClaimRequest {
  orderId: string;
  /** The step this delivery wants to run (a flag name, e.g. `charge-payment`). */
  step: string;
  /** The step whose flag must be set first; absent for the first step and for compensation. */
  after?: string;
  /**
   * The id of the event being handled. Attempts are counted per (order, step, event): a redriven
   * event is put again with a new id and so gets a fresh budget, while both copies of a duplicated
   * delivery (same id) share one.
   */
  eventId: string;
  /** Runs allowed per (order, step, event); a claim beyond it is `exhausted`. */
  maxAttempts: number;
  /** How long the claim holds if its holder never settles or releases it (a crashed invocation). */
  leaseMs: number;
}

/** What a delivery may do with a step, decided by one conditional write. */
export type Claim =
  /** Run the step: this is attempt `attempt` of this event. */
  | { kind: 'claimed'; attempt: number; token: string }
  /** The predecessor's flag is not set yet; the attempt was counted and the claim released. */
  | { kind: 'early'; attempt: number }
  /**
   * The step already has an outcome (a duplicate or late delivery). `emitted` false: its event was
   * never put and nobody holds the claim (a failed put, a dead holder): put it now.
   */
  | { kind: 'settled'; outcome: FlagOutcome; emitted: boolean }
  /** Another delivery holds a live claim on the step and is running it right now (a duplicate copy). */
  | { kind: 'busy' }
  /**
   * The step has its outcome and the delivery that settled it still holds the claim: it is putting
   * the outcome's event, or has put it and the successor has not acknowledged it yet. Nothing to
   * do: if that put fails, its holder gives the claim back and its own retry puts the event.
   */
  | { kind: 'handing-on'; outcome: FlagOutcome }
  /** This event has used all its attempts: the order has been (or is being) parked FAILED. */
  | { kind: 'exhausted'; attempts: number };

/** The flags item of one order, as stored (attribute names carry the step). */
export type OrderFlagsItem = Record<string, unknown> & { orderId: string };

export interface DynamoOrderFlagsOptions {
  tableName: string;
  client?: DynamoDBDocumentClient;
  /** For tests: the clock that stamps leases. */
  now?: () => number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Attribute names of one step's flags in the order's item. */
function names(step: string) {
  return { done: `done:${step}`, emitted: `emitted:${step}`, claim: `claim:${step}`, claimBy: `claimBy:${step}` };
}

/**
 * Per-order flags in the `flags` table (key `orderId`), one item per order: for each step a `done`
 * flag (its outcome), an `emitted` flag (its outgoing event was put), a claim with a lease, and
 * attempt counters. Every write is conditional, so a handler acts only when its predecessor's
 * flag is set and its own is not: a duplicate delivery finds its own flag set and does nothing; an
 * out-of-order delivery finds its predecessor's flag missing and is retried later; two copies of
 * the same delivery never run a step at the same time.
 *
 * The step's own effects are idempotent in the domain too (conditional status moves, provider
 * idempotency keys): the flags add the fast path (no domain call for a duplicate) and the claim
 * (no concurrent double run, attempt counting per order and step).
 *
 * @example
 * const flags = new DynamoOrderFlags({ tableName: 'eventbridge-flags-dev-flags' });
 * const claim = await flags.claim({ orderId, step: 'charge-payment', after: 'validate-order', eventId, maxAttempts: 3,
 * leaseMs: 10_000 });
 * if (claim.kind === 'claimed') {
 *   await chargePayment({ orderId, attempt: claim.attempt });
 *   await flags.settle(orderId, 'charge-payment', 'succeeded', { keepClaim: true });
 *   await putPaymentCharged();
 *   await flags.markEmitted(orderId, 'charge-payment');
 * }
 */
export class DynamoOrderFlags {
  private readonly tableName: string;
  private readonly client: DynamoDBDocumentClient;
  private readonly now: () => number;

  constructor(options: DynamoOrderFlagsOptions) {
    this.tableName = options.tableName;
    this.client = options.client ?? createDynamoDocumentClient();
    this.now = options.now ?? Date.now;
  }

  /**
   * Counts an attempt and takes the step's claim in ONE conditional UpdateItem, which also checks
   * the predecessor's flag and acknowledges the predecessor's event: a delivery of this step's
   * event proves the predecessor's put went out, so the same write sets the predecessor's
   * `emitted` flag and drops the claim it kept while putting (its holder makes no write after the
   * put; see `markEmitted` for events nobody acknowledges). On a failed condition, reads the item
   * to say why.
   */
  async claim(request: ClaimRequest): Promise<Claim> {
    const n = names(request.step);
    const attempts = `attempts:${request.step}:${request.eventId}`;
    const token = `${request.eventId}/${Math.random().toString(36).slice(2, 10)}`;
    const now = this.now();
    const after = request.after ? names(request.after) : undefined;
    for (let round = 0; round < 3; round++) {
      try {
        const { Attributes } = await callAws('flags-table', () =>
          this.client.send(new UpdateCommand(this.claimUpdate(request, { attempts, token, now }))),
        );
        return { kind: 'claimed', attempt: Number(Attributes?.[attempts] ?? 1), token };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      const item = (await this.get(request.orderId)) ?? { orderId: request.orderId };
      const outcome = item[n.done] as FlagOutcome | undefined;
      const held = Number(item[n.claim] ?? 0) >= now;
      const emitted = item[n.emitted] !== undefined;
      // Settled but its event not acknowledged while the holder still holds the claim: the holder
      // is putting it (or has, and the successor has not claimed yet): this copy does nothing.
      // Never a wait: the successor may be queued behind this very invocation for a slot.
      if (outcome) return held && !emitted ? { kind: 'handing-on', outcome } : { kind: 'settled', outcome, emitted };
      // A live claim first: the holder's run (maybe this event's last attempt) may still succeed.
      if (held) return { kind: 'busy' };
      const used = Number(item[attempts] ?? 0);
      if (used >= request.maxAttempts) return { kind: 'exhausted', attempts: used };
      if (after && !PROCEED.includes(item[after.done] as FlagOutcome)) {
        // Early: the predecessor has no outcome yet. The delivery is counted as a failed attempt
        // (so an event that stays early parks the order FAILED on its last one), no claim taken.
        const attempt = await this.countAttempt(request, attempts);
        if (attempt !== undefined) return { kind: 'early', attempt };
      }
      // The item changed between our write and our read (a claim released, a predecessor settled): try again.
    }
    return { kind: 'busy' };
  }

  /** The claim's UpdateItem: take the claim, count the attempt, acknowledge the predecessor's event. */
  private claimUpdate(request: ClaimRequest, at: { attempts: string; token: string; now: number }) {
    const n = names(request.step);
    const after = request.after ? names(request.after) : undefined;
    return {
      TableName: this.tableName,
      Key: { orderId: request.orderId },
      UpdateExpression: after
        ? 'SET #claim = :until, #claimBy = :token, #afterEmitted = if_not_exists(#afterEmitted, :at) ' +
          'ADD #n :one REMOVE #afterClaim, #afterClaimBy'
        : 'SET #claim = :until, #claimBy = :token ADD #n :one',
      // attribute_not_exists(#done): the step has no outcome yet, else this is a duplicate.
      // #claim < :now: no other delivery is running it (or its holder died and the lease ran out).
      // #n < :max: this event still has attempts left; past them the order is parked FAILED.
      // #afterDone IN (...): the predecessor has an outcome its successor may follow.
      ConditionExpression:
        'attribute_not_exists(#done) AND (attribute_not_exists(#claim) OR #claim < :now) ' +
        'AND (attribute_not_exists(#n) OR #n < :max)' +
        (after ? ' AND #afterDone IN (:succeeded, :noop)' : ''),
      ExpressionAttributeNames: {
        '#done': n.done,
        '#claim': n.claim,
        '#claimBy': n.claimBy,
        '#n': at.attempts,
        ...(after
          ? {
              '#afterDone': after.done,
              '#afterEmitted': after.emitted,
              '#afterClaim': after.claim,
              '#afterClaimBy': after.claimBy,
            }
          : {}),
      },
      ExpressionAttributeValues: {
        ':until': at.now + request.leaseMs,
        ':token': at.token,
        ':now': at.now,
        ':one': 1,
        ':max': request.maxAttempts,
        ...(after ? { ':at': new Date(at.now).toISOString(), ':succeeded': 'succeeded', ':noop': 'noop' } : {}),
      },
      ReturnValues: 'UPDATED_NEW' as const,
    };
  }

  /** Counts one attempt of an early delivery; undefined if the step moved on meanwhile. */
  private async countAttempt(request: ClaimRequest, attempts: string): Promise<number | undefined> {
    const n = names(request.step);
    try {
      const { Attributes } = await callAws('flags-table', () =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { orderId: request.orderId },
            UpdateExpression: 'ADD #n :one',
            ConditionExpression: 'attribute_not_exists(#done) AND (attribute_not_exists(#n) OR #n < :max)',
            ExpressionAttributeNames: { '#done': n.done, '#n': attempts },
            ExpressionAttributeValues: { ':one': 1, ':max': request.maxAttempts },
            ReturnValues: 'UPDATED_NEW',
          }),
        ),
      );
      return Number(Attributes?.[attempts] ?? 1);
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return undefined;
    }
  }

  /**
   * Waits while another delivery holds a live claim on an unsettled step, reading (never writing)
   * the item with a growing pause, until the step settles, the claim is released or lapses, or `deadline`
   * (epoch ms) passes. Returns whether the claim is still held. A duplicate copy of an event uses
   * it to wait for the copy that is running, instead of failing and being retried.
   */
  async waitWhileClaimed(
    orderId: string,
    step: string,
    deadline: number,
    sleep: (ms: number) => Promise<void> = defaultSleep,
  ): Promise<boolean> {
    const n = names(step);
    for (let pause = 20; ; pause = Math.min(pause * 2, 250)) {
      const item = await this.get(orderId);
      // Only a run in progress is waited for; a settled step's claim waits on its successor.
      const held = item?.[n.done] === undefined && Number(item?.[n.claim] ?? 0) >= this.now();
      if (!held) return false;
      if (this.now() + pause > deadline) return true;
      await sleep(pause);
    }
  }

  /** Gives a claim back after a failed run, so a retry may take it; only the holder's token can. */
  async release(orderId: string, step: string, token: string): Promise<void> {
    const n = names(step);
    try {
      await callAws('flags-table', () =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { orderId },
            UpdateExpression: 'REMOVE #claim, #claimBy',
            // Never release a claim another delivery took after ours lapsed.
            ConditionExpression: '#claimBy = :token',
            ExpressionAttributeNames: { '#claim': n.claim, '#claimBy': n.claimBy },
            ExpressionAttributeValues: { ':token': token },
          }),
        ),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /**
   * Records the step's outcome. The first outcome wins: a second run (after a lapsed lease) finds
   * it set and gets the recorded one back. With `keepClaim` (an event is still to be put) the
   * claim stays until `markEmitted`, so copies keep waiting instead of putting the event too.
   */
  async settle(
    orderId: string,
    step: string,
    outcome: FlagOutcome,
    options: { keepClaim?: boolean } = {},
  ): Promise<FlagOutcome> {
    const n = names(step);
    try {
      await callAws('flags-table', () =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { orderId },
            UpdateExpression: `SET #done = :outcome, #at = :at${options.keepClaim ? '' : ' REMOVE #claim, #claimBy'}`,
            // attribute_not_exists(#done): an outcome is written once and never changed.
            ConditionExpression: 'attribute_not_exists(#done)',
            ExpressionAttributeNames: {
              '#done': n.done,
              '#at': `doneAt:${step}`,
              ...(options.keepClaim ? {} : { '#claim': n.claim, '#claimBy': n.claimBy }),
            },
            ExpressionAttributeValues: { ':outcome': outcome, ':at': new Date(this.now()).toISOString() },
          }),
        ),
      );
      return outcome;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const item = await this.get(orderId);
      return (item?.[n.done] as FlagOutcome | undefined) ?? outcome;
    }
  }

  /**
   * Marks the step's outgoing event as put and drops the claim. Set only after PutEvents
   * succeeded, so a delivery that finds the outcome without this flag (and no live claim) puts
   * the event again: the first put failed, or its holder died before it. Needed only for events
   * no flagged successor acknowledges in its claim (`OrderStepFailed`): the others are marked by
   * the claim of the step they start.
   */
  async markEmitted(orderId: string, step: string): Promise<void> {
    const n = names(step);
    await callAws('flags-table', () =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { orderId },
          UpdateExpression: 'SET #emitted = :at REMOVE #claim, #claimBy',
          // Only after an outcome: never flag an event for a step that has not settled.
          ConditionExpression: 'attribute_exists(#done)',
          ExpressionAttributeNames: {
            '#emitted': n.emitted,
            '#done': n.done,
            '#claim': n.claim,
            '#claimBy': n.claimBy,
          },
          ExpressionAttributeValues: { ':at': new Date(this.now()).toISOString() },
        }),
      ),
    ).catch((error: unknown) => {
      if (!isConditionFailure(error)) throw error;
    });
  }

  /**
   * Resolves a step that waits for a review (`awaiting-review`) to the decision's outcome, in one
   * conditional write that also takes a step with no outcome yet (its handler parked the order and
   * has not settled: its own settle then finds this outcome and hands it on). The first
   * resolution wins; every resolver derives its outcome from the one decision the orders table
   * recorded, so they agree. Returns the outcome the flag holds and whether its event is out.
   */
  async resolve(
    orderId: string,
    step: string,
    outcome: FlagOutcome,
  ): Promise<{ outcome: FlagOutcome; emitted: boolean }> {
    const n = names(step);
    try {
      await callAws('flags-table', () =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { orderId },
            UpdateExpression: 'SET #done = :outcome, #at = :at',
            // Only a waiting (or not yet settled) step: any other outcome is final.
            ConditionExpression: 'attribute_not_exists(#done) OR #done = :awaiting',
            ExpressionAttributeNames: { '#done': n.done, '#at': `resolvedAt:${step}` },
            ExpressionAttributeValues: {
              ':outcome': outcome,
              ':awaiting': AWAITING_REVIEW_OUTCOME,
              ':at': new Date(this.now()).toISOString(),
            },
          }),
        ),
      );
      return { outcome, emitted: false };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const item = await this.get(orderId);
      return {
        outcome: (item?.[n.done] as FlagOutcome | undefined) ?? outcome,
        emitted: item?.[n.emitted] !== undefined,
      };
    }
  }

  async get(orderId: string): Promise<OrderFlagsItem | undefined> {
    const { Item } = await callAws('flags-table', () =>
      this.client.send(new GetCommand({ TableName: this.tableName, Key: { orderId }, ConsistentRead: true })),
    );
    return Item as OrderFlagsItem | undefined;
  }
}

/** The outcome a step's flag shows, or undefined while it has none (for probes and tests). */
export function flagOutcome(item: OrderFlagsItem | undefined, step: string): FlagOutcome | undefined {
  return item?.[names(step).done] as FlagOutcome | undefined;
}
