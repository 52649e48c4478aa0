/** HTTP status of each Lambda API error this emulation answers (from the Lambda API model). */
const STATUS: Record<string, number> = {
  InvalidParameterValueException: 400,
  InvalidRequestContentException: 400,
  ResourceNotFoundException: 404,
  ResourceConflictException: 409,
  CallbackTimeoutException: 400,
  DurableExecutionAlreadyStartedException: 409,
  RequestTooLargeException: 413,
  UnsupportedMediaTypeException: 415,
  TooManyRequestsException: 429,
  ServiceException: 500,
};

/** A Lambda API error: its name travels in `x-amzn-ErrorType`, as AWS sends it, and in the body. */
export class LambdaApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = code;
    this.status = STATUS[code] ?? 400;
  }
}
