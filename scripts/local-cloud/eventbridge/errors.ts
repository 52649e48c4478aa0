/**
 * An error the EventBridge API answers with: `name` is the AWS error code, sent as `__type`, so
 * SDK clients raise the same exception class they would against AWS.
 */
export class EventBridgeApiError extends Error {
  readonly statusCode: number;
  constructor(code: string, message: string, statusCode = 400) {
    super(message);
    this.name = code;
    this.statusCode = statusCode;
  }
}

export function resourceNotFound(message: string): EventBridgeApiError {
  return new EventBridgeApiError('ResourceNotFoundException', message);
}

export function validationError(message: string): EventBridgeApiError {
  return new EventBridgeApiError('ValidationException', message);
}
