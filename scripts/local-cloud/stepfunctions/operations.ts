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
  DescribeStateMachineForExecutionInput,
  DescribeStateMachineForExecutionOutput,
  DescribeStateMachineInput,
  DescribeStateMachineOutput,
  ListTagsForResourceInput,
  ListTagsForResourceOutput,
  RedriveExecutionInput,
  RedriveExecutionOutput,
  SendTaskFailureInput,
  SendTaskHeartbeatInput,
  SendTaskSuccessInput,
  TagResourceInput,
  TestStateInput,
  TestStateOutput,
  UntagResourceInput,
  UpdateStateMachineInput,
  UpdateStateMachineOutput,
  ValidateStateMachineDefinitionInput,
  ValidateStateMachineDefinitionOutput,
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
import { diagnoseDefinition } from './definition.ts';
import { doesNotExist, SfnApiError } from './errors.ts';
import type { Execution, Executions } from './executions.ts';
import type { StateMachineRecord, StateMachines } from './machines.ts';
import type { TaskTokens } from './task-tokens.ts';
import { testState } from './test-state.ts';

export type Operation = (input: Record<string, unknown>) => object | Promise<object>;

/** The API's page sizes: 100 by default, at most 1000. */
const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;

export function createOperations(
  machines: StateMachines,
  executions: Executions,
  tokens: TaskTokens,
): Record<string, Operation> {
  const api = new StepFunctionsApi(machines, executions, tokens);
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
    RedriveExecution: (input: RedriveExecutionInput) => api.redriveExecution(input),
    SendTaskSuccess: (input: SendTaskSuccessInput) => api.sendTaskSuccess(input),
    SendTaskFailure: (input: SendTaskFailureInput) => api.sendTaskFailure(input),
    SendTaskHeartbeat: (input: SendTaskHeartbeatInput) => api.sendTaskHeartbeat(input),
    ValidateStateMachineDefinition: (input: ValidateStateMachineDefinitionInput) => api.validateDefinition(input),
    TestState: (input: TestStateInput) => api.testState(input),
    DescribeStateMachineForExecution: (input: DescribeStateMachineForExecutionInput) =>
      api.describeStateMachineForExecution(input),
    UpdateStateMachine: (input: UpdateStateMachineInput) => api.updateStateMachine(input),
    TagResource: (input: TagResourceInput) => api.tagResource(input),
    UntagResource: (input: UntagResourceInput) => api.untagResource(input),
    ListTagsForResource: (input: ListTagsForResourceInput) => api.listTagsForResource(input),
  };
  return operations as Record<string, Operation>;
}

class StepFunctionsApi {
  constructor(
    private readonly machines: StateMachines,
    private readonly executions: Executions,
    private readonly tokens: TaskTokens,
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
    if (input.tags?.length) this.machines.tag(machine.arn, tagsOf(input.tags));
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
      revisionId: machine.revisionId,
    };
  }

  /** The machine as the execution runs it: the revision it started with, not a later update. */
  describeStateMachineForExecution(
    input: DescribeStateMachineForExecutionInput,
  ): DescribeStateMachineForExecutionOutput {
    const { machine } = this.findStandardExecution(required(input.executionArn, 'executionArn'));
    return {
      stateMachineArn: machine.arn,
      name: machine.name,
      definition: machine.definition,
      roleArn: machine.roleArn,
      updateDate: machine.updateDate ?? machine.creationDate,
      loggingConfiguration: { level: 'OFF', includeExecutionData: false },
      tracingConfiguration: { enabled: false },
      revisionId: machine.revisionId,
    };
  }

  updateStateMachine(input: UpdateStateMachineInput): UpdateStateMachineOutput {
    const arn = required(input.stateMachineArn, 'stateMachineArn');
    if (
      input.definition === undefined &&
      input.roleArn === undefined &&
      input.loggingConfiguration === undefined &&
      input.tracingConfiguration === undefined
    ) {
      throw new SfnApiError(
        'MissingRequiredParameter',
        'Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified',
      );
    }
    if (input.versionDescription !== undefined && !input.publish) {
      throw validation('versionDescription can only be set when publish is true');
    }
    const machine = this.machines.update(arn, {
      ...(input.definition !== undefined ? { definition: input.definition } : {}),
      ...(input.roleArn !== undefined ? { roleArn: input.roleArn } : {}),
      ...(input.publish ? { publish: true } : {}),
    });
    return {
      updateDate: machine.updateDate,
      revisionId: machine.revisionId,
      ...(machine.versionArn ? { stateMachineVersionArn: machine.versionArn } : {}),
    };
  }

  validateDefinition(input: ValidateStateMachineDefinitionInput): ValidateStateMachineDefinitionOutput {
    const definition = required(input.definition, 'definition');
    const type = input.type ?? 'STANDARD';
    if (type !== 'STANDARD' && type !== 'EXPRESS') throw validation(`Unknown state machine type '${type}'`);
    const severity = input.severity ?? 'ERROR';
    if (severity !== 'ERROR' && severity !== 'WARNING') throw validation(`Unknown severity '${severity}'`);
    const all = diagnoseDefinition(definition, type);
    const shown = all.filter((diagnostic) => severity === 'WARNING' || diagnostic.severity === 'ERROR');
    const maxResults = input.maxResults && input.maxResults > 0 ? input.maxResults : 100;
    return {
      result: all.some((diagnostic) => diagnostic.severity === 'ERROR') ? 'FAIL' : 'OK',
      diagnostics: shown.slice(0, maxResults),
      truncated: shown.length > maxResults,
    };
  }

  testState(input: TestStateInput): Promise<TestStateOutput> {
    return testState(input, this.executions);
  }

  tagResource(input: TagResourceInput): object {
    this.machines.tag(required(input.resourceArn, 'resourceArn'), tagsOf(required(input.tags, 'tags')));
    return {};
  }

  untagResource(input: UntagResourceInput): object {
    this.machines.untag(required(input.resourceArn, 'resourceArn'), required(input.tagKeys, 'tagKeys'));
    return {};
  }

  listTagsForResource(input: ListTagsForResourceInput): ListTagsForResourceOutput {
    return { tags: this.machines.tagsOf(required(input.resourceArn, 'resourceArn')) };
  }

  redriveExecution(input: RedriveExecutionInput): RedriveExecutionOutput {
    const arn = required(input.executionArn, 'executionArn');
    const execution = this.executions.get(arn);
    if (!execution) throw doesNotExist('ExecutionDoesNotExist', arn);
    return { redriveDate: this.executions.redrive(execution) };
  }

  sendTaskSuccess(input: SendTaskSuccessInput): object {
    const token = required(input.taskToken, 'taskToken');
    const output = required(input.output, 'output');
    let parsed: unknown;
    try {
      parsed = JSON.parse(output);
    } catch {
      throw new SfnApiError('InvalidOutput', `Invalid Output: '${output}'`);
    }
    this.tokens.succeed(token, parsed);
    return {};
  }

  sendTaskFailure(input: SendTaskFailureInput): object {
    this.tokens.fail(required(input.taskToken, 'taskToken'), input.error ?? '', input.cause ?? '');
    return {};
  }

  sendTaskHeartbeat(input: SendTaskHeartbeatInput): object {
    this.tokens.heartbeat(required(input.taskToken, 'taskToken'));
    return {};
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
    const reason = execution.notRedrivableReason;
    return {
      ...executionSummary(execution),
      ...executionData(execution),
      redriveStatus: reason ? 'NOT_REDRIVABLE' : 'REDRIVABLE',
      ...(reason ? { redriveStatusReason: reason } : {}),
    };
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
    const redriveFilter = input.redriveFilter;
    if (redriveFilter !== undefined && redriveFilter !== 'REDRIVEN' && redriveFilter !== 'NOT_REDRIVEN') {
      throw validation(`Value '${redriveFilter}' at 'redriveFilter' failed to satisfy constraint`);
    }
    const matching = this.executions
      .list(machine.arn)
      .filter((execution) => input.statusFilter === undefined || execution.status === input.statusFilter)
      .filter(
        (execution) => redriveFilter === undefined || execution.redriveCount > 0 === (redriveFilter === 'REDRIVEN'),
      );
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
    redriveCount: execution.redriveCount,
    redriveDate: execution.redriveDate,
  };
}

function tagsOf(tags: readonly { key?: string; value?: string }[]): { key: string; value: string }[] {
  return tags.map(({ key, value }) => ({ key: required(key, 'tags.member.key'), value: value ?? '' }));
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
