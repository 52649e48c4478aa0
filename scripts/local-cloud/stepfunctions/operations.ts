/**
 * The Step Functions API operations, typed with the AWS SDK's own input and output shapes so the
 * responses stay what `@aws-sdk/client-sfn` and the AWS CLI expect.
 */
import type {
  CreateStateMachineInput,
  CreateStateMachineOutput,
  DeleteStateMachineInput,
  DescribeExecutionInput,
  DescribeExecutionOutput,
  DescribeStateMachineInput,
  DescribeStateMachineOutput,
  GetExecutionHistoryInput,
  GetExecutionHistoryOutput,
  ListExecutionsInput,
  ListExecutionsOutput,
  ListStateMachinesInput,
  ListStateMachinesOutput,
  StartExecutionInput,
  StartExecutionOutput,
  StartSyncExecutionInput,
  StartSyncExecutionOutput,
  StopExecutionInput,
  StopExecutionOutput,
  SyncExecutionStatus,
} from '@aws-sdk/client-sfn';
import { doesNotExist, SfnApiError } from './errors.ts';
import type { Execution, Executions } from './executions.ts';
import type { StateMachineRecord, StateMachines } from './machines.ts';

export type Operation = (input: Record<string, unknown>) => object | Promise<object>;

/** The API's page sizes: 100 by default, at most 1000. */
const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;

export function createOperations(machines: StateMachines, executions: Executions): Record<string, Operation> {
  const api = new StepFunctionsApi(machines, executions);
  // Each operation gets the request body as the SDK sends it; required fields are checked inside.
  const operations: Record<string, (input: never) => object | Promise<object>> = {
    CreateStateMachine: (input: CreateStateMachineInput) => api.createStateMachine(input),
    ListStateMachines: (input: ListStateMachinesInput) => api.listStateMachines(input),
    DescribeStateMachine: (input: DescribeStateMachineInput) => api.describeStateMachine(input),
    DeleteStateMachine: (input: DeleteStateMachineInput) => api.deleteStateMachine(input),
    StartExecution: (input: StartExecutionInput) => api.startExecution(input),
    StartSyncExecution: (input: StartSyncExecutionInput) => api.startSyncExecution(input),
    DescribeExecution: (input: DescribeExecutionInput) => api.describeExecution(input),
    GetExecutionHistory: (input: GetExecutionHistoryInput) => api.getExecutionHistory(input),
    ListExecutions: (input: ListExecutionsInput) => api.listExecutions(input),
    StopExecution: (input: StopExecutionInput) => api.stopExecution(input),
  };
  return operations as Record<string, Operation>;
}

class StepFunctionsApi {
  constructor(
    private readonly machines: StateMachines,
    private readonly executions: Executions,
  ) {}

  createStateMachine(input: CreateStateMachineInput): CreateStateMachineOutput {
    const type = input.type ?? 'STANDARD';
    if (type !== 'STANDARD' && type !== 'EXPRESS') throw validation(`Unknown state machine type '${type}'`);
    const machine = this.machines.create(
      {
        name: required(input.name, 'name'),
        definition: required(input.definition, 'definition'),
        type,
        roleArn: input.roleArn,
      },
      'reject',
    );
    return { stateMachineArn: machine.arn, creationDate: machine.creationDate };
  }

  listStateMachines(input: ListStateMachinesInput): ListStateMachinesOutput {
    const { page, nextToken } = paginate(this.machines.list(), input.maxResults, input.nextToken);
    return {
      stateMachines: page.map(({ arn, name, type, creationDate }) => ({
        stateMachineArn: arn,
        name,
        type,
        creationDate,
      })),
      nextToken,
    };
  }

  describeStateMachine(input: DescribeStateMachineInput): DescribeStateMachineOutput {
    const machine = this.machines.get(required(input.stateMachineArn, 'stateMachineArn'));
    return {
      stateMachineArn: machine.arn,
      name: machine.name,
      status: 'ACTIVE',
      definition: machine.definition,
      roleArn: machine.roleArn,
      type: machine.type,
      creationDate: machine.creationDate,
      loggingConfiguration: { level: 'OFF', includeExecutionData: false },
      tracingConfiguration: { enabled: false },
    };
  }

  deleteStateMachine(input: DeleteStateMachineInput): object {
    this.machines.delete(required(input.stateMachineArn, 'stateMachineArn'));
    return {};
  }

  startExecution(input: StartExecutionInput): StartExecutionOutput {
    const machine = this.machines.get(required(input.stateMachineArn, 'stateMachineArn'));
    const execution = this.executions.start(machine, input.name, input.input);
    return { executionArn: execution.arn, startDate: execution.startDate };
  }

  async startSyncExecution(input: StartSyncExecutionInput): Promise<StartSyncExecutionOutput> {
    const machine = this.machines.get(required(input.stateMachineArn, 'stateMachineArn'));
    if (machine.type !== 'EXPRESS') throw typeNotSupported('StartSyncExecution', machine);
    const execution = this.executions.start(machine, input.name, input.input);
    await execution.done;
    const billedMs = (execution.stopDate ?? new Date()).getTime() - execution.startDate.getTime();
    return {
      ...executionSummary(execution),
      // A sync execution only ends in these; an abort here means the server is stopping.
      status: (execution.status === 'ABORTED' ? 'FAILED' : execution.status) as SyncExecutionStatus,
      ...executionData(execution),
      billingDetails: { billedMemoryUsedInMB: 64, billedDurationInMilliseconds: Math.ceil(billedMs / 100) * 100 },
    };
  }

  describeExecution(input: DescribeExecutionInput): DescribeExecutionOutput {
    const execution = this.findStandardExecution(required(input.executionArn, 'executionArn'));
    return { ...executionSummary(execution), ...executionData(execution) };
  }

  getExecutionHistory(input: GetExecutionHistoryInput): GetExecutionHistoryOutput {
    const execution = this.findStandardExecution(required(input.executionArn, 'executionArn'));
    const events = input.reverseOrder ? [...execution.history.events].reverse() : execution.history.events;
    const { page, nextToken } = paginate(events, input.maxResults, input.nextToken);
    return { events: page, nextToken };
  }

  listExecutions(input: ListExecutionsInput): ListExecutionsOutput {
    const machine = this.machines.get(required(input.stateMachineArn, 'stateMachineArn'));
    if (machine.type !== 'STANDARD') throw typeNotSupported('ListExecutions', machine);
    const matching = this.executions
      .list(machine.arn)
      .filter((execution) => input.statusFilter === undefined || execution.status === input.statusFilter);
    const { page, nextToken } = paginate(matching, input.maxResults, input.nextToken);
    return { executions: page.map(executionSummary), nextToken };
  }

  async stopExecution(input: StopExecutionInput): Promise<StopExecutionOutput> {
    const execution = this.findStandardExecution(required(input.executionArn, 'executionArn'));
    await execution.stop({ error: input.error, cause: input.cause });
    return { stopDate: execution.stopDate };
  }

  /** Express executions exist only in CloudWatch Logs on AWS, so the API does not find them. */
  private findStandardExecution(arn: string): Execution {
    const execution = this.executions.get(arn);
    if (!execution || execution.machine.type !== 'STANDARD') throw doesNotExist('ExecutionDoesNotExist', arn);
    return execution;
  }
}

function executionSummary(execution: Execution) {
  return {
    executionArn: execution.arn,
    stateMachineArn: execution.machine.arn,
    name: execution.name,
    status: execution.status,
    startDate: execution.startDate,
    stopDate: execution.stopDate,
  };
}

function executionData(execution: Execution) {
  const included = { included: true };
  return {
    input: execution.input,
    inputDetails: included,
    output: execution.output,
    outputDetails: execution.output === undefined ? undefined : included,
    error: execution.error,
    cause: execution.cause,
  };
}

/** Page tokens are opaque to callers; ours carry the offset of the next item. */
function paginate<T>(items: readonly T[], maxResults = 0, nextToken?: string): { page: T[]; nextToken?: string } {
  const start = nextToken === undefined ? 0 : decodeToken(nextToken);
  const size = maxResults > 0 ? Math.min(maxResults, MAX_PAGE_SIZE) : DEFAULT_PAGE_SIZE;
  const page = items.slice(start, start + size);
  const next = start + page.length;
  return { page, nextToken: next < items.length ? Buffer.from(String(next)).toString('base64url') : undefined };
}

function decodeToken(token: string): number {
  const offset = Number(Buffer.from(token, 'base64url').toString());
  if (!Number.isInteger(offset) || offset < 0) throw new SfnApiError('InvalidToken', `Invalid Token: '${token}'`);
  return offset;
}

function required<T>(value: T | undefined, field: string): T {
  if (value === undefined || value === null)
    throw validation(`Value null at '${field}' failed to satisfy constraint: Member must not be null`);
  return value;
}

function validation(message: string): SfnApiError {
  return new SfnApiError('ValidationException', `1 validation error detected: ${message}`);
}

function typeNotSupported(operation: string, machine: StateMachineRecord): SfnApiError {
  return new SfnApiError(
    'StateMachineTypeNotSupported',
    `This operation is not supported by this type of state machine: ${operation} on ${machine.type} '${machine.arn}'`,
  );
}
