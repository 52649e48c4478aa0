/**
 * Errors of the Step Functions API as AWS returns them: the JSON 1.0 protocol sends
 * `{"__type": "<ExceptionName>", "message": "..."}` with status 400, and the AWS SDK v3 and the
 * AWS CLI turn `__type` into their exception classes (`ExecutionDoesNotExist`, ...).
 */
export class SfnApiError extends Error {
  readonly type: string;
  readonly statusCode: number;
  constructor(type: string, message: string, statusCode = 400) {
    super(message);
    this.name = 'SfnApiError';
    this.type = type;
    this.statusCode = statusCode;
  }
}

/** Same message shape AWS uses, e.g. `Execution Does Not Exist: 'arn:...'`. */
export function doesNotExist(type: 'StateMachineDoesNotExist' | 'ExecutionDoesNotExist', arn: string): SfnApiError {
  const what = type === 'StateMachineDoesNotExist' ? 'State Machine' : 'Execution';
  return new SfnApiError(type, `${what} Does Not Exist: '${arn}'`);
}
