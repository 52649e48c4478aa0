/**
 * When schedules fire, and what happens then. One timer wakes at the earliest due time (and at
 * least every few seconds); each wake fires everything that is due by the wall clock, so a timer
 * that comes late on a busy machine fires late, never not at all. A fired schedule invokes its
 * target with the schedule's RetryPolicy, then its DeadLetterConfig, reports the AWS/Scheduler
 * metrics, and applies ActionAfterCompletion. A one-time schedule counts as done only once its
 * invocation is over, so a local cloud stopped meanwhile fires it again when it starts.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { CloudInstruments } from '../types.ts';
import { mulberry32 } from '../eventbridge/prng.ts';
import { instantOf, nextCronTime, parseScheduleExpression, type ScheduleExpression } from './expressions.ts';
import { describeFailure, DEFAULT_INPUT, type InvocationFailure, type TargetInvoker } from './invoke.ts';
import { scheduleKey, type ScheduleRecord, type SchedulerStore } from './store.ts';
import { renderInput, targetKind } from './targets.ts';

export interface EngineOptions {
  store: SchedulerStore;
  invoker: TargetInvoker;
  instruments: CloudInstruments;
  /** Seeds where a FLEXIBLE window puts each invocation (and retry jitter). */
  seed: number;
}

interface Due {
  atMs: number;
  version: number;
  scheduledMs: number;
}

/** The longest the timer sleeps before looking at the wall clock again. */
const MAX_SLEEP_MS = 5_000;
/** Retries back off from ~100 ms, doubling up to 3 s: AWS backs off over minutes, a local run cannot. */
const BACKOFF_BASE_MS = 100;
const BACKOFF_CAP_MS = 3_000;

class InvocationCancelled extends Error {
  constructor() {
    super('invocation cancelled: the local Scheduler stopped');
    this.name = 'InvocationCancelled';
  }
}

export class SchedulerEngine {
  private readonly due = new Map<string, Due>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly sleeps = new Set<{ timer: NodeJS.Timeout; reject: (error: Error) => void }>();
  private readonly waiters = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private stopped = false;
  private readonly random: () => number;

  constructor(private readonly options: EngineOptions) {
    this.random = mulberry32(options.seed);
  }

  /**
   * Arms the stored schedules (after a restart, what fell due meanwhile fires at once): all of
   * them, or those of the groups `armed` admits (the scheduler holds a restarted stack's groups
   * back until the stack is deployed again).
   */
  start(armed: (group: string) => boolean = () => true): void {
    for (const record of this.options.store.schedules.values())
      if (armed(record.definition.GroupName)) this.arm(record);
  }

  /** (Re)computes when a schedule fires next; a disabled, completed or finished one is disarmed. */
  arm(record: ScheduleRecord): void {
    if (this.stopped) return;
    const key = keyOf(record);
    const next = this.nextOccurrence(record);
    if (next === undefined) {
      this.due.delete(key);
      this.finishIfOver(record);
    } else {
      const atMs = next + this.flexibleOffset(record, next);
      this.due.set(key, { atMs, version: record.version, scheduledMs: next });
      this.wakeAt(atMs);
    }
    this.notify();
  }

  disarm(record: ScheduleRecord): void {
    this.due.delete(keyOf(record));
    this.notify();
  }

  /**
   * Work the local cloud must wait for: one-time schedules still to fire (enabled, not yet
   * invoked) and invocations in progress. Recurring schedules never end, so they are not counted.
   */
  pending(): number {
    let oneTime = 0;
    for (const [key, due] of this.due) {
      const record = this.options.store.schedules.get(key);
      if (record && record.version === due.version && isOneTime(record)) oneTime++;
    }
    return oneTime + this.inFlight.size;
  }

  /** Resolves when nothing is pending. */
  idle(): Promise<void> {
    if (this.pending() === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (this.pending() > 0) return;
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
  }

  /** Stops firing and cancels retries; what had not completed fires again after a restart. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.due.clear();
    for (const sleep of this.sleeps) {
      clearTimeout(sleep.timer);
      sleep.reject(new InvocationCancelled());
    }
    this.sleeps.clear();
  }

  private nextOccurrence(record: ScheduleRecord): number | undefined {
    const { definition } = record;
    if (definition.State !== 'ENABLED' || record.completed) return undefined;
    const expression = parseScheduleExpression(definition.ScheduleExpression);
    if (!expression) return undefined;
    const timeZone = definition.ScheduleExpressionTimezone ?? 'UTC';
    // One-time schedules ignore StartDate and EndDate; a time already past fires at once.
    if (expression.kind === 'at') return instantOf(expression.wall, timeZone);
    const now = Date.now();
    const start = definition.StartDate ?? record.modifiedAt;
    let next = recurringAfter(expression, record, start, timeZone);
    // Occurrences missed while the local cloud was down are skipped, all but the first after a start.
    if (next !== undefined && record.lastScheduledAt !== undefined && next < now - MAX_SLEEP_MS)
      next = recurringAfter(expression, { ...record, lastScheduledAt: now }, start, timeZone);
    if (next === undefined || (definition.EndDate !== undefined && next > definition.EndDate)) return undefined;
    return next;
  }

  /** A FLEXIBLE window puts the invocation at a seeded point within it; OFF fires on time. */
  private flexibleOffset(record: ScheduleRecord, scheduledMs: number): number {
    const window = record.definition.FlexibleTimeWindow;
    if (window.Mode !== 'FLEXIBLE' || !window.MaximumWindowInMinutes) return 0;
    const digest = createHash('sha256').update(`${this.options.seed}:${record.arn}:${scheduledMs}`).digest();
    return Math.floor(mulberry32(digest.readUInt32BE(0))() * window.MaximumWindowInMinutes * 60_000);
  }

  private wakeAt(atMs: number): void {
    if (this.stopped || atMs >= this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = atMs;
    const delay = Math.min(Math.max(0, atMs - Date.now()), MAX_SLEEP_MS);
    this.timer = setTimeout(() => this.wake(), delay);
    this.timer.unref();
  }

  private wake(): void {
    this.timerAt = Number.POSITIVE_INFINITY;
    this.timer = undefined;
    if (this.stopped) return;
    const now = Date.now();
    let earliest = Number.POSITIVE_INFINITY;
    for (const [key, due] of [...this.due]) {
      if (due.atMs <= now) {
        this.due.delete(key);
        this.fire(key, due);
      } else earliest = Math.min(earliest, due.atMs);
    }
    if (earliest < Number.POSITIVE_INFINITY) this.wakeAt(earliest);
    this.notify();
  }

  private fire(key: string, due: Due): void {
    const record = this.options.store.schedules.get(key);
    if (!record || record.version !== due.version) return;
    if (!isOneTime(record)) {
      record.lastScheduledAt = due.scheduledMs;
      void this.options.store.persist();
      // The last occurrence before EndDate is finished (and deleted) once its invocation is over.
      if (this.nextOccurrence(record) !== undefined) this.arm(record);
    }
    // The invocation works on the definition as it fired: an update meanwhile changes later ones.
    const snapshot = structuredClone(record);
    const invocation = this.invoke(snapshot, due.scheduledMs)
      .then(() => this.completed(key, snapshot))
      .catch((error: unknown) => {
        if (!(error instanceof InvocationCancelled)) console.error('[scheduler] invocation crashed', error);
      })
      .finally(() => {
        this.inFlight.delete(invocation);
        this.notify();
      });
    this.inFlight.add(invocation);
  }

  /** A one-time schedule is done: kept as completed (NONE) or deleted (DELETE). */
  private completed(key: string, fired: ScheduleRecord): void {
    const record = this.options.store.schedules.get(key);
    // After stop() the next start owns the state: what completed meanwhile fires again (at least once).
    if (this.stopped || !record || record.version !== fired.version) return;
    if (isOneTime(record)) {
      record.completed = true;
      this.finishIfOver(record);
    } else if (!this.due.has(key)) this.finishIfOver(record);
    void this.options.store.persist();
  }

  /** ActionAfterCompletion DELETE: a schedule with no invocation left is deleted. */
  private finishIfOver(record: ScheduleRecord): void {
    if (record.definition.ActionAfterCompletion !== 'DELETE' || record.definition.State !== 'ENABLED') return;
    const over = isOneTime(record) ? record.completed : this.nextOccurrence(record) === undefined;
    if (!over) return;
    const key = keyOf(record);
    if (this.options.store.schedules.get(key) === record) {
      this.options.store.schedules.delete(key);
      void this.options.store.persist();
    }
  }

  private async invoke(record: ScheduleRecord, scheduledMs: number): Promise<void> {
    const { definition } = record;
    const target = definition.Target;
    const kind = targetKind(target.Arn);
    const executionId = randomUUID();
    const startedAt = Date.now();
    const maxRetries = target.RetryPolicy?.MaximumRetryAttempts ?? 185;
    const maxAgeMs = (target.RetryPolicy?.MaximumEventAgeInSeconds ?? 86_400) * 1000;
    for (let attempt = 1; ; attempt++) {
      if (this.stopped) throw new InvocationCancelled();
      const input = renderInput(target.Input, {
        scheduleArn: record.arn,
        scheduledTime: new Date(scheduledMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        executionId,
        attemptNumber: attempt,
      });
      this.metric(definition.GroupName, 'InvocationAttemptCount');
      this.options.instruments.count('schedulerInvocations');
      try {
        if (!kind) throw Object.assign(new Error(`unsupported target ${target.Arn}`), { name: 'ValidationException' });
        await this.options.invoker.invoke(target, kind, input, { executionId, scheduleArn: record.arn });
        if (kind.kind === 'sqs' || (kind.kind === 'universal' && kind.service === 'sqs'))
          this.options.instruments.count('sqsRequests');
        return;
      } catch (error) {
        if (this.stopped) throw new InvocationCancelled();
        const failure = describeFailure(error);
        this.metric(definition.GroupName, 'TargetErrorCount');
        if (failure.throttled) this.metric(definition.GroupName, 'TargetErrorThrottledCount');
        const exhausted = attempt - 1 >= maxRetries || Date.now() - startedAt >= maxAgeMs;
        if (!failure.retryable || exhausted) return this.deadLetter(record, input, failure, attempt, executionId);
        this.options.instruments.count('retries');
        this.options.instruments.retry?.({ mechanism: 'scheduler-retry', payload: input, attempt, target: target.Arn });
        await this.sleep(this.backoff(attempt));
      }
    }
  }

  /**
   * The dead-letter event carries the target's input as its body and what failed in its message
   * attributes (X-Amz-Scheduler-*); without a DLQ the invocation is dropped, which we say on stderr.
   */
  private async deadLetter(
    record: ScheduleRecord,
    input: string | undefined,
    failure: InvocationFailure,
    attempts: number,
    executionId: string,
  ): Promise<void> {
    const { definition } = record;
    const dlq = definition.Target.DeadLetterConfig?.Arn;
    const summary = `schedule ${record.arn} -> ${definition.Target.Arn} (${failure.code}: ${failure.message})`;
    if (!dlq) {
      this.metric(definition.GroupName, 'InvocationDroppedCount');
      console.warn(`[scheduler] dropped ${summary} after ${attempts} attempts: no dead-letter queue`);
      return;
    }
    try {
      await this.options.invoker.deadLetter(dlq, input ?? DEFAULT_INPUT, {
        'X-Amz-Scheduler-Attempt': String(attempts),
        'X-Amz-Scheduler-Schedule-Arn': record.arn,
        'X-Amz-Scheduler-Target-Arn': definition.Target.Arn,
        'X-Amz-Scheduler-Group': definition.GroupName,
        'X-Amz-Scheduler-Error-Code': failure.code,
        'X-Amz-Scheduler-Error-Message': failure.message.slice(0, 1024),
        'X-Amz-Scheduler-Execution-Id': executionId,
      });
      this.options.instruments.count('sqsRequests');
      this.metric(definition.GroupName, 'InvocationsSentToDeadLetterCount');
    } catch (error) {
      this.metric(definition.GroupName, 'InvocationsFailedToBeSentToDeadLetterCount');
      this.metric(definition.GroupName, 'InvocationDroppedCount');
      console.warn(`[scheduler] dropped ${summary}: dead-letter queue ${dlq} failed`, error);
    }
  }

  /** AWS/Scheduler reports each metric for the account and per schedule group. */
  private metric(group: string, metricName: string): void {
    const metric = this.options.instruments.metric;
    if (!metric) return;
    metric({ namespace: 'AWS/Scheduler', metricName, dimensions: {}, value: 1 });
    metric({ namespace: 'AWS/Scheduler', metricName, dimensions: { ScheduleGroup: group }, value: 1 });
  }

  private backoff(attempt: number): number {
    const step = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
    return step / 2 + (this.random() * step) / 2;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const sleep = {
        timer: setTimeout(() => {
          this.sleeps.delete(sleep);
          resolve();
        }, ms),
        reject,
      };
      this.sleeps.add(sleep);
    });
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

function keyOf(record: ScheduleRecord): string {
  return scheduleKey(record.definition.GroupName, record.definition.Name);
}

function isOneTime(record: ScheduleRecord): boolean {
  return record.definition.ScheduleExpression.startsWith('at(');
}

/** The first occurrence of a rate or cron schedule after its last one (or from its start). */
function recurringAfter(
  expression: Exclude<ScheduleExpression, { kind: 'at' }>,
  record: ScheduleRecord,
  startMs: number,
  timeZone: string,
): number | undefined {
  const last = record.lastScheduledAt;
  if (expression.kind === 'rate') {
    // Without a StartDate a rate schedule invokes its target at once, then every interval.
    if (last === undefined) return startMs;
    const steps = Math.floor((last - startMs) / expression.intervalMs) + 1;
    return startMs + Math.max(1, steps) * expression.intervalMs;
  }
  return nextCronTime(expression.cron, Math.max(last ?? startMs - 1, startMs - 1), timeZone);
}
