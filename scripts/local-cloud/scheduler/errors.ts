/**
 * An error the Scheduler API answers with. Scheduler speaks REST-JSON: the code travels in the
 * `x-amzn-ErrorType` header and the body is `{"Message": ...}`, with the status the service model
 * gives each error, so SDK clients and the AWS CLI raise the exception they would against AWS.
 */
export class SchedulerApiError extends Error {
  readonly statusCode: number;
  constructor(code: SchedulerErrorCode, message: string) {
    super(message);
    this.name = code;
    this.statusCode = STATUS[code];
  }
}

export type SchedulerErrorCode =
  | 'ValidationException'
  | 'ResourceNotFoundException'
  | 'ConflictException'
  | 'ServiceQuotaExceededException'
  | 'ThrottlingException'
  | 'InternalServerException'
  | 'UnknownOperationException';

const STATUS: Record<SchedulerErrorCode, number> = {
  ValidationException: 400,
  ResourceNotFoundException: 404,
  ConflictException: 409,
  ServiceQuotaExceededException: 402,
  ThrottlingException: 429,
  InternalServerException: 500,
  UnknownOperationException: 404,
};

export function validationError(message: string): SchedulerApiError {
  return new SchedulerApiError('ValidationException', message);
}

export function scheduleNotFound(name: string): SchedulerApiError {
  return new SchedulerApiError('ResourceNotFoundException', `Schedule ${name} does not exist.`);
}

export function groupNotFound(name: string): SchedulerApiError {
  return new SchedulerApiError('ResourceNotFoundException', `Schedule group ${name} does not exist.`);
}
