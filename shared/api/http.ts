import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  DomainError,
  OrderConflictError,
  OrderNotAwaitingReviewError,
  OrderNotFoundError,
  ReviewAlreadyDecidedError,
  ValidationError,
  type FieldIssue,
} from '../domain/errors.ts';
import { logger } from '../observability/logger.ts';

/** Orders are small; anything larger is refused before parsing (SQS and EventBridge cap at 256 KB). */
export const MAX_BODY_BYTES = 256 * 1024;

export type HttpResult = APIGatewayProxyStructuredResultV2;

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

export function errorResponse(statusCode: number, error: string, message: string, issues?: FieldIssue[]): HttpResult {
  return json(statusCode, { error, message, ...(issues ? { issues } : {}) });
}

/**
 * Reads a JSON request body: content type, size and syntax are checked here so that every bad
 * request becomes a 4xx naming what is wrong, never a crash.
 */
export function readJsonBody(event: APIGatewayProxyEventV2): unknown {
  const contentType = header(event, 'content-type');
  if (!contentType || !/^application\/([a-z.+-]*\+)?json\b/i.test(contentType)) {
    throw new ValidationError([
      {
        field: 'content-type',
        reason: `must be application/json, got ${contentType ? JSON.stringify(contentType.slice(0, 60)) : 'none'}`,
      },
    ]);
  }
  const raw = event.body ?? '';
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw new PayloadTooLargeError(Buffer.byteLength(text));
  if (text.trim() === '') throw new ValidationError([{ field: 'body', reason: 'is empty; send the order as JSON' }]);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ValidationError([{ field: 'body', reason: `is not valid JSON (${(error as Error).message})` }]);
  }
}

export class PayloadTooLargeError extends DomainError {
  override readonly name = 'PayloadTooLargeError' as const;
  readonly retryable = false;
  constructor(readonly bytes: number) {
    super(`body is ${bytes} bytes; the limit is ${MAX_BODY_BYTES}`);
  }
}

function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const headers = event.headers ?? {};
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key ? headers[key] : undefined;
}

/** Maps the domain's errors to HTTP; anything unexpected is a logged 500 without internals. */
export function toHttpError(error: unknown): HttpResult {
  if (error instanceof ValidationError) {
    const status = error.issues.some((i) => i.field === 'content-type') ? 415 : 400;
    return errorResponse(status, error.name, error.message, error.issues);
  }
  if (error instanceof PayloadTooLargeError)
    return errorResponse(413, error.name, error.message, [{ field: 'body', reason: error.message }]);
  if (error instanceof OrderConflictError)
    return errorResponse(409, error.name, error.message, [
      { field: 'orderId', reason: 'already used for an order with a different body' },
    ]);
  if (error instanceof OrderNotFoundError) return errorResponse(404, error.name, error.message);
  // The review contract's two conflicts: the first decision stands; an order that is not waiting.
  if (error instanceof ReviewAlreadyDecidedError)
    return json(409, { error: 'ReviewAlreadyDecided', message: error.message, decision: error.decision });
  if (error instanceof OrderNotAwaitingReviewError)
    return json(409, { error: 'OrderNotAwaitingReview', message: error.message, status: error.status });
  logger.error('unhandled error', { error: error as Error });
  return errorResponse(500, 'InternalError', 'the order service failed; retry with the same orderId, which is safe');
}
