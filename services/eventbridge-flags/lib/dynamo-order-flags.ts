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
  /**
   * The Lambda request id of this delivery (`context.awsRequestId`). Lambda keeps it across the
   * retries of one async invocation, and a retry runs only once the attempt before it has ended:
   * a claim held under the same event and request id is this invocation's own, left by an attempt
   * that crashed or timed out, and is taken over at once instead of waiting for its lease. A
   * duplicate delivery is an invocation of its own, with another request id. Default: a new one.
   */
  invocationId?: string;
  /**
   * The claim token the predecessor's event carries (`handOff`): the predecessor puts its event
   * without first recording its outcome, and this claim records it (`succeeded`) on proof that the
   * event came from the predecessor's holder: its claim is still held under this token.
   */
  handOff?: string;
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
  /**
   * Another invocation of the same event holds a live claim (a duplicate delivery): it is running the
   * step, or has run it and put its event, which the successor has not claimed yet. Nothing to do:
   * that invocation, or its own retry (same request id), finishes the step.
   */
  | { kind: 'busy' }
  /**
   * A delivery of another event (a redrive, another copy put anew) while a live claim is held, or
   * the item kept changing under this claim: try again later (a retryable error).
   */
  | { kind: 'contended' }
  /**
   * The step has its outcome and the delivery that settled it still holds the claim: it is putting
   * the outcome's event, or has put it and the successor has not acknowledged it yet. Nothing to
   * do: if that put fails, its holder gives the claim back and its own retry puts the event.
   */
  | { kind: 'handing-on'; outcome: FlagOutcome }
  /** This event has used all its attempts: the order has been (or is being) parked FAILED. */
  | { kind: 'exhausted'; attempts: number };

/** What a claim's conditional write expects of the item (the read before it says what to expect). */
interface ClaimExpectation {
  /** The step's claim: none, one whose lease has lapsed, or one under this invocation's own token. */
  claim: 'absent' | 'lapsed' | 'own';
  /** This event's attempts so far: none yet, or exactly this many. */
  attempts: 'none' | number;
  /** The predecessor: its outcome recorded, or handed on to this event under the token it carries. */
  predecessor: 'done' | 'handed-on';
}

/**
 * Keeps only the expression attribute names and values the expressions use: DynamoDB rejects a
 * request that defines one it never uses.
 */
function withUsedPlaceholders<
  T extends {
    UpdateExpression: string;
    ConditionExpression: string;
    ExpressionAttributeNames: Record<string, string>;
    ExpressionAttributeValues: Record<string, unknown>;
  },
>(input: T): T {
  const text = `${input.UpdateExpression} ${input.ConditionExpression}`;
  const used = new Set(text.match(/[#:][A-Za-z0-9_]+/g));
  const keep = <V>(map: Record<string, V>) => Object.fromEntries(Object.entries(map).filter(([k]) => used.has(k)));
  return {
    ...input,
    ExpressionAttributeNames: keep(input.ExpressionAttributeNames),
    ExpressionAttributeValues: keep(input.ExpressionAttributeValues),
  };
}

/** The flags item of one order, as stored (attribute names carry the step). */
export type OrderFlagsItem = Record<string, unknown> & { orderId: string };

export interface DynamoOrderFlagsOptions {
  tableName: string;
  client?: DynamoDBDocumentClient;
  /** For tests: the clock that stamps leases. */
  now?: () => number;
}

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
 * A step that succeeds and puts its successor's event writes no flag of its own: the event carries
 * its claim token (`handOff`), and the successor's claim records the outcome, acknowledges the
 * event and drops the claim in its one write. Outcomes without such a successor (a business
 * failure, a no-op, a review) are written by `settle`.
 *
 * @example
 * const flags = new DynamoOrderFlags({ tableName: 'eventbridge-flags-dev-flags' });
 * const claim = await flags.claim({ orderId, step: 'charge-payment', after: 'validate-order', eventId, maxAttempts: 3,
 * leaseMs: 10_000, invocationId: context.awsRequestId, handOff: event.detail.handOff });
 * if (claim.kind === 'claimed') {
 *   await chargePayment({ orderId, attempt: claim.attempt });
 *   await putPaymentCharged({ orderId, handOff: claim.token }); // reserve-inventory's claim records it
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
   * the predecessor's flag and records the predecessor's hand-on: a delivery of this step's event
   * proves the predecessor ran and put it, so the same write sets the predecessor's outcome (if its
   * holder left it to us, see `handOff`) and `emitted` flag and drops the claim it kept while
   * putting (its holder makes no write after the put; see `markEmitted` for events nobody
   * acknowledges). On a failed condition, reads the item to say why, or to write again on what it
   * shows.
   *
   * Every condition is a plain conjunction that states the item as this delivery expects it
   * (first: a fresh step, its first attempt); the read picks the next one. The same rules as one
   * expression of ORs would need parentheses, which dynalite's expression parser takes
   * milliseconds over (2.5 ms for the nested form, 0.03 ms for a flat one: each claim would cost
   * the local cloud more than the step itself); DynamoDB decides either form alike.
   */
  async claim(request: ClaimRequest): Promise<Claim> {
    const n = names(request.step);
    const attempts = `attempts:${request.step}:${request.eventId}`;
    const token = `${request.eventId}/${request.invocationId ?? Math.random().toString(36).slice(2, 10)}`;
    const now = this.now();
    const after = request.after ? names(request.after) : undefined;
    // First guess: nobody has claimed the step, this is the event's first attempt, and the
    // predecessor handed on to this event (or has its outcome recorded, for an event with no token).
    let expect: ClaimExpectation = {
      claim: 'absent',
      attempts: 'none',
      predecessor: request.handOff !== undefined ? 'handed-on' : 'done',
    };
    for (let round = 0; round < 3; round++) {
      try {
        const { Attributes } = await callAws('flags-table', () =>
          this.client.send(new UpdateCommand(this.claimUpdate(request, { attempts, token, now, expect }))),
        );
        return { kind: 'claimed', attempt: Number(Attributes?.[attempts] ?? 1), token };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      const item = (await this.get(request.orderId)) ?? { orderId: request.orderId };
      const outcome = item[n.done] as FlagOutcome | undefined;
      const holder = item[n.claimBy] as string | undefined;
      // A claim under our own token is our own dead attempt's: never held against us.
      const held = Number(item[n.claim] ?? 0) >= now && holder !== token;
      const emitted = item[n.emitted] !== undefined;
      // Settled but its event not acknowledged while the holder still holds the claim: the holder
      // is putting it (or has, and the successor has not claimed yet): this copy does nothing.
      // Never a wait: the successor may be queued behind this very invocation for a slot.
      if (outcome) return held && !emitted ? { kind: 'handing-on', outcome } : { kind: 'settled', outcome, emitted };
      // A live claim first: the holder's run (maybe this event's last attempt) may still succeed.
      if (held) return holder?.startsWith(`${request.eventId}/`) ? { kind: 'busy' } : { kind: 'contended' };
      const used = Number(item[attempts] ?? 0);
      if (used >= request.maxAttempts) return { kind: 'exhausted', attempts: used };
      const handedOn =
        after !== undefined &&
        request.handOff !== undefined &&
        item[after.done] === undefined &&
        item[after.claimBy] === request.handOff;
      if (after && !handedOn && !PROCEED.includes(item[after.done] as FlagOutcome)) {
        // Early: the predecessor has no outcome yet. The delivery is counted as a failed attempt
        // (so an event that stays early parks the order FAILED on its last one), no claim taken.
        const attempt = await this.countAttempt(request, attempts, used);
        if (attempt !== undefined) return { kind: 'early', attempt };
        continue;
      }
      // The step is ours to take as the item stands now: write again, expecting exactly that.
      expect = {
        claim: item[n.claim] === undefined ? 'absent' : holder === token ? 'own' : 'lapsed',
        attempts: item[attempts] === undefined ? 'none' : used,
        predecessor: handedOn ? 'handed-on' : 'done',
      };
    }
    return { kind: 'contended' };
  }

  /**
   * The claim's UpdateItem: take the claim, count the attempt, and record the predecessor's hand-on:
   * its outcome (`succeeded`, if the event proves it and nothing is recorded yet), its event as put,
   * its claim dropped. The condition states the item as `expect` describes it.
   */
  private claimUpdate(
    request: ClaimRequest,
    at: { attempts: string; token: string; now: number; expect: ClaimExpectation },
  ) {
    const n = names(request.step);
    const after = request.after ? names(request.after) : undefined;
    const { expect } = at;
    const conditions = [
      // The step has no outcome yet, else this is a duplicate.
      'attribute_not_exists(#done)',
      // Nobody runs it: no claim, a lapsed one (its holder died), or our own invocation's (ended).
      { absent: 'attribute_not_exists(#claim)', lapsed: '#claim < :now', own: '#claimBy = :token' }[expect.claim],
      // This event has attempts left; past them the order is parked FAILED.
      expect.attempts === 'none' ? 'attribute_not_exists(#n)' : '#n = :used',
    ];
    if (after)
      conditions.push(
        expect.predecessor === 'done'
          ? // The predecessor has an outcome its successor may follow.
            '#afterDone IN (:succeeded, :noop)'
          : // Or none yet, and its claim is held under the token this event carries: its holder ran it
            // successfully and put this event (only then does a holder put it), and nobody took it over since.
            'attribute_not_exists(#afterDone) AND #afterClaimBy = :handOff',
      );
    return withUsedPlaceholders({
      TableName: this.tableName,
      Key: { orderId: request.orderId },
      UpdateExpression: after
        ? 'SET #claim = :until, #claimBy = :token, #afterEmitted = if_not_exists(#afterEmitted, :at), ' +
          '#afterDone = if_not_exists(#afterDone, :succeeded), #afterAt = if_not_exists(#afterAt, :at) ' +
          'ADD #n :one REMOVE #afterClaim, #afterClaimBy'
        : 'SET #claim = :until, #claimBy = :token ADD #n :one',
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeNames: {
        '#done': n.done,
        '#claim': n.claim,
        '#claimBy': n.claimBy,
        '#n': at.attempts,
        ...(after
          ? {
              '#afterDone': after.done,
              '#afterAt': `doneAt:${request.after}`,
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
        ':used': typeof expect.attempts === 'number' ? expect.attempts : 0,
        ':at': new Date(at.now).toISOString(),
        ':succeeded': 'succeeded',
        ':noop': 'noop',
        ':handOff': request.handOff ?? '',
      },
      ReturnValues: 'UPDATED_NEW' as const,
    });
  }

  /** Counts one attempt of an early delivery (`used` so far); undefined if the item moved meanwhile. */
  private async countAttempt(request: ClaimRequest, attempts: string, used: number): Promise<number | undefined> {
    const n = names(request.step);
    try {
      const { Attributes } = await callAws('flags-table', () =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { orderId: request.orderId },
            UpdateExpression: 'ADD #n :one',
            ConditionExpression: `attribute_not_exists(#done) AND ${used === 0 ? 'attribute_not_exists(#n)' : '#n = :used'}`,
            ExpressionAttributeNames: { '#done': n.done, '#n': attempts },
            ExpressionAttributeValues: { ':one': 1, ...(used === 0 ? {} : { ':used': used }) },
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
