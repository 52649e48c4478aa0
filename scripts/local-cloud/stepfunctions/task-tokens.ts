/**
 * Task tokens of `.waitForTaskToken` tasks: issued when such a task starts, settled by
 * SendTaskSuccess / SendTaskFailure, kept alive by SendTaskHeartbeat. A token names its execution
 * and state (base64url JSON, opaque to callers as AWS's are), so a well-formed token of a task
 * that has ended is told apart from garbage: `TaskDoesNotExist` / `TaskTimedOut` vs `InvalidToken`.
 */
import { randomUUID } from 'node:crypto';
import { SfnApiError } from './errors.ts';

/** How a waiting task ends: the output sent, or the error and cause sent. */
export type TokenOutcome = { ok: true; output: unknown } | { ok: false; error: string; cause: string };

interface Waiter {
  settle(outcome: TokenOutcome): void;
  heartbeat(): void;
}

/** AWS accepts tokens of 1 to 2048 characters. */
const MAX_TOKEN_LENGTH = 2048;

export class TaskTokens {
  private readonly waiting = new Map<string, Waiter>();
  /** Tokens whose task ended, and whether it was by a timeout (what a late call is told). */
  private readonly ended = new Map<string, 'timed-out' | 'closed'>();

  /** A fresh token for one attempt of a Task state. */
  issue(executionArn: string, stateName: string): string {
    return Buffer.from(JSON.stringify({ executionArn, stateName, id: randomUUID() })).toString('base64url');
  }

  /** Registers the task waiting on `token`; `settle` is called at most once. */
  wait(token: string, waiter: Waiter): void {
    this.waiting.set(token, waiter);
  }

  /** The task stopped waiting (it timed out, or its execution ended): later calls are refused. */
  end(token: string, why: 'timed-out' | 'closed'): void {
    if (this.waiting.delete(token) || !this.ended.has(token)) this.ended.set(token, why);
  }

  succeed(token: string, output: unknown): void {
    this.take(token).settle({ ok: true, output });
  }

  fail(token: string, error: string, cause: string): void {
    this.take(token).settle({ ok: false, error, cause });
  }

  heartbeat(token: string): void {
    this.find(token).heartbeat();
  }

  private take(token: string): Waiter {
    const waiter = this.find(token);
    this.waiting.delete(token);
    this.ended.set(token, 'closed');
    return waiter;
  }

  private find(token: string): Waiter {
    const waiter = this.waiting.get(token);
    if (waiter) return waiter;
    if (this.ended.get(token) === 'timed-out') throw new SfnApiError('TaskTimedOut', `Task Timed Out: '${token}'`);
    if (!isWellFormed(token)) throw new SfnApiError('InvalidToken', `Invalid Token: '${token}'`);
    throw new SfnApiError('TaskDoesNotExist', `Task Does Not Exist: '${token}'`);
  }
}

function isWellFormed(token: string): boolean {
  if (token.length < 1 || token.length > MAX_TOKEN_LENGTH) return false;
  try {
    const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Record<string, unknown>;
    return typeof decoded.executionArn === 'string' && typeof decoded.id === 'string';
  } catch {
    return false;
  }
}
