import { TransientDependencyError } from '../domain/errors.ts';

/** SDK errors that mean "try again later": throttling, capacity, timeouts, 5xx, sockets. */
const TRANSIENT_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'TransactionConflictException',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
]);

export function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string })?.name === 'ConditionalCheckFailedException';
}

/**
 * Maps an AWS SDK failure to the domain: transient failures become `TransientDependencyError`
 * (retried by the transport); anything else is rethrown as it is (a bug or a misconfiguration
 * that no retry will fix, and that must stay loud).
 */
export function toDomainError(dependency: string, error: unknown): unknown {
  const e = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  const status = e?.$metadata?.httpStatusCode ?? 0;
  if (TRANSIENT_NAMES.has(e?.name ?? '') || TRANSIENT_NAMES.has(e?.code ?? '') || status >= 500 || e?.$retryable) {
    return new TransientDependencyError(dependency, (error as Error).message ?? String(error), { cause: error });
  }
  return error;
}

/** Runs an SDK call, translating its transient failures for the domain. */
export async function callAws<T>(dependency: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toDomainError(dependency, error);
  }
}
