/**
 * The Step Functions API as the AWS Step Functions API Reference documents it: the operations the
 * local Step Functions answers, with their request and response shapes and error names. State
 * machines here call no Lambda (the runner deploys none): they use Pass, Choice and Fail states,
 * and the local cloud's SQS through `sqs:sendMessage` (with `.waitForTaskToken` where a case needs
 * a task that waits, fails or succeeds on demand). Each case makes its own machines and queues,
 * so cases run side by side. Waits poll DescribeExecution or the queue, never sleep.
 */
import { randomUUID } from 'node:crypto';
import {
  CreateStateMachineCommand,
  DeleteStateMachineCommand,
  DescribeExecutionCommand,
  type DescribeExecutionOutput,
  DescribeStateMachineCommand,
  DescribeStateMachineForExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  ListTagsForResourceCommand,
  RedriveExecutionCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  StopExecutionCommand,
  TagResourceCommand,
  TestStateCommand,
  UntagResourceCommand,
  UpdateStateMachineCommand,
  ValidateStateMachineDefinitionCommand,
} from '@aws-sdk/client-sfn';
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { ConformanceCase, ConformanceContext, ConformanceSuite } from '../types.ts';

const API = 'https://docs.aws.amazon.com/step-functions/latest/apireference';
const GUIDE = 'https://docs.aws.amazon.com/step-functions/latest/dg';
const ROLE_ARN = 'arn:aws:iam::000000000000:role/conformance';

/** Longest a case waits for an execution to end or a message to come; the timeouts it waits out are 1 s. */
const WAIT_CAP_MS = 20_000;

const sfnClients = new Map<string, SFNClient>();
const sqsClients = new Map<string, SQSClient>();
const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };

function sfn(ctx: ConformanceContext): SFNClient {
  const endpoint = ctx.endpoints.stepfunctions!;
  let client = sfnClients.get(endpoint);
  if (!client) {
    // StartSyncExecution and TestState go to the `sync-` host on AWS; locally there is one host.
    client = new SFNClient({ region: ctx.region, endpoint, credentials, disableHostPrefix: true });
    sfnClients.set(endpoint, client);
  }
  return client;
}

function sqs(ctx: ConformanceContext): SQSClient {
  const endpoint = ctx.endpoints.sqs!;
  let client = sqsClients.get(endpoint);
  if (!client) {
    client = new SQSClient({ region: ctx.region, endpoint, credentials });
    sqsClients.set(endpoint, client);
  }
  return client;
}

class Mismatch extends Error {
  override readonly name = 'Mismatch';
}

function expectEqual(actual: unknown, expected: unknown, what: string): void {
  const [a, e] = [JSON.stringify(actual), JSON.stringify(expected)];
  if (a !== e) throw new Mismatch(`${what}: expected ${e}, got ${a}`);
}

function expectThat(condition: boolean, what: string): void {
  if (!condition) throw new Mismatch(what);
}

async function expectError(promise: Promise<unknown>, name: string): Promise<void> {
  try {
    await promise;
  } catch (error) {
    expectEqual((error as Error).name, name, 'error name');
    return;
  }
  throw new Mismatch(`expected ${name}, but the call succeeded`);
}

const unique = (what: string) => `conformance-${what}-${randomUUID().slice(0, 8)}`;

async function createMachine(ctx: ConformanceContext, definition: object, type = 'STANDARD'): Promise<string> {
  const { stateMachineArn } = await sfn(ctx).send(
    new CreateStateMachineCommand({
      name: unique('machine'),
      definition: JSON.stringify(definition),
      roleArn: ROLE_ARN,
      type: type as 'STANDARD' | 'EXPRESS',
    }),
  );
  return stateMachineArn!;
}

async function start(ctx: ConformanceContext, stateMachineArn: string, input: object = {}): Promise<string> {
  const { executionArn } = await sfn(ctx).send(
    new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }),
  );
  return executionArn!;
}

/** Polls DescribeExecution until the execution is no longer RUNNING. */
async function ended(ctx: ConformanceContext, executionArn: string): Promise<DescribeExecutionOutput> {
  const deadline = Date.now() + WAIT_CAP_MS;
  for (;;) {
    const described = await sfn(ctx).send(new DescribeExecutionCommand({ executionArn }));
    if (described.status !== 'RUNNING') return described;
    if (Date.now() > deadline) throw new Mismatch(`${executionArn} still RUNNING after ${WAIT_CAP_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function historyTypes(ctx: ConformanceContext, executionArn: string): Promise<string[]> {
  const { events } = await sfn(ctx).send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
  return (events ?? []).map((event) => event.type ?? '');
}

async function createQueue(ctx: ConformanceContext): Promise<string> {
  const { QueueUrl } = await sqs(ctx).send(new CreateQueueCommand({ QueueName: unique('queue') }));
  return QueueUrl!;
}

/** The next message of the queue (long polls until one comes), deleted once read. */
async function nextMessage(ctx: ConformanceContext, queueUrl: string): Promise<Record<string, string>> {
  const deadline = Date.now() + WAIT_CAP_MS;
  while (Date.now() < deadline) {
    const { Messages } = await sqs(ctx).send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 2, MaxNumberOfMessages: 1 }),
    );
    const message = Messages?.[0];
    if (message) {
      await sqs(ctx).send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle! }));
      return JSON.parse(message.Body ?? '{}') as Record<string, string>;
    }
  }
  throw new Mismatch(`no message on ${queueUrl} within ${WAIT_CAP_MS} ms`);
}

/** A machine whose one Task sends its token to the queue and waits for SendTask* with it. */
function waitingMachine(queueUrl: string, extra: object = {}): object {
  return {
    StartAt: 'AwaitApproval',
    States: {
      AwaitApproval: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
        Parameters: { QueueUrl: queueUrl, MessageBody: { 'token.$': '$$.Task.Token', 'orderId.$': '$.orderId' } },
        ResultPath: '$.approval',
        End: true,
        ...extra,
      },
    },
  };
}

const PASS_MACHINE = {
  StartAt: 'Price',
  States: { Price: { Type: 'Pass', Result: { cents: 1500 }, ResultPath: '$.price', End: true } },
};

const cases: ConformanceCase[] = [
  {
    name: 'CreateStateMachine, DescribeStateMachine, ListStateMachines and DeleteStateMachine',
    source: `${API}/API_CreateStateMachine.html`,
    async run(ctx) {
      const arn = await createMachine(ctx, PASS_MACHINE);
      const described = await sfn(ctx).send(new DescribeStateMachineCommand({ stateMachineArn: arn }));
      expectEqual([described.status, described.type, described.roleArn], ['ACTIVE', 'STANDARD', ROLE_ARN], 'machine');
      expectEqual(JSON.parse(described.definition ?? '{}'), PASS_MACHINE, 'definition');
      const listed = await sfn(ctx).send(new ListStateMachinesCommand({ maxResults: 1000 }));
      expectThat(listed.stateMachines?.some((m) => m.stateMachineArn === arn) ?? false, 'listed');
      await sfn(ctx).send(new DeleteStateMachineCommand({ stateMachineArn: arn }));
      await expectError(
        sfn(ctx).send(new DescribeStateMachineCommand({ stateMachineArn: arn })),
        'StateMachineDoesNotExist',
      );
    },
  },
  {
    name: 'CreateStateMachine refuses an invalid definition with InvalidDefinition',
    source: `${API}/API_CreateStateMachine.html#API_CreateStateMachine_Errors`,
    async run(ctx) {
      await expectError(
        createMachine(ctx, { StartAt: 'Missing', States: { A: { Type: 'Succeed' } } }),
        'InvalidDefinition',
      );
    },
  },
  {
    name: 'StartExecution runs to SUCCEEDED; DescribeExecution and GetExecutionHistory show it',
    source: `${API}/API_DescribeExecution.html`,
    async run(ctx) {
      const executionArn = await start(ctx, await createMachine(ctx, PASS_MACHINE), { orderId: 'o-1' });
      const done = await ended(ctx, executionArn);
      expectEqual(done.status, 'SUCCEEDED', 'status');
      expectEqual(JSON.parse(done.output ?? '{}'), { orderId: 'o-1', price: { cents: 1500 } }, 'output');
      expectEqual([done.redriveCount, done.redriveStatus], [0, 'NOT_REDRIVABLE'], 'redrive fields');
      expectEqual(
        await historyTypes(ctx, executionArn),
        ['ExecutionStarted', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded'],
        'history',
      );
    },
  },
  {
    name: 'StartExecution with a name taken by a closed execution is ExecutionAlreadyExists',
    source: `${API}/API_StartExecution.html#API_StartExecution_Errors`,
    async run(ctx) {
      const stateMachineArn = await createMachine(ctx, PASS_MACHINE);
      const name = unique('execution');
      const { executionArn } = await sfn(ctx).send(new StartExecutionCommand({ stateMachineArn, name }));
      await ended(ctx, executionArn!);
      await expectError(
        sfn(ctx).send(new StartExecutionCommand({ stateMachineArn, name, input: '{"other":1}' })),
        'ExecutionAlreadyExists',
      );
    },
  },
  {
    name: 'StartSyncExecution runs an EXPRESS machine; ListExecutions refuses EXPRESS machines',
    source: `${API}/API_StartSyncExecution.html`,
    async run(ctx) {
      const stateMachineArn = await createMachine(ctx, PASS_MACHINE, 'EXPRESS');
      const result = await sfn(ctx).send(new StartSyncExecutionCommand({ stateMachineArn, input: '{}' }));
      expectEqual([result.status, result.output], ['SUCCEEDED', '{"price":{"cents":1500}}'], 'sync result');
      await expectError(sfn(ctx).send(new ListExecutionsCommand({ stateMachineArn })), 'StateMachineTypeNotSupported');
    },
  },
  {
    name: 'CreateStateMachine refuses a .waitForTaskToken Task on an EXPRESS machine (Express: request-response only)',
    source: `${GUIDE}/connect-to-resource.html`,
    async run(ctx) {
      const definition = JSON.stringify(waitingMachine('https://sqs.local/000000000000/never-used'));
      await expectError(
        sfn(ctx).send(
          new CreateStateMachineCommand({ name: unique('express'), definition, roleArn: ROLE_ARN, type: 'EXPRESS' }),
        ),
        'InvalidDefinition',
      );
      const validated = await sfn(ctx).send(new ValidateStateMachineDefinitionCommand({ definition, type: 'EXPRESS' }));
      expectEqual(
        [validated.result, validated.diagnostics?.[0]?.location],
        ['FAIL', '/States/AwaitApproval/Resource'],
        'validation as EXPRESS',
      );
    },
  },
  {
    name: 'StopExecution ends a waiting execution ABORTED with the error and cause given',
    source: `${API}/API_StopExecution.html`,
    async run(ctx) {
      const queueUrl = await createQueue(ctx);
      const executionArn = await start(ctx, await createMachine(ctx, waitingMachine(queueUrl)), { orderId: 'o' });
      await nextMessage(ctx, queueUrl);
      await sfn(ctx).send(new StopExecutionCommand({ executionArn, error: 'Operator', cause: 'not needed' }));
      const stopped = await ended(ctx, executionArn);
      expectEqual([stopped.status, stopped.error, stopped.cause], ['ABORTED', 'Operator', 'not needed'], 'stopped');
      expectEqual(stopped.redriveStatus, 'REDRIVABLE', 'an ABORTED execution can be redriven');
    },
  },
  {
    name: 'ListExecutions filters by status and pages with nextToken',
    source: `${API}/API_ListExecutions.html`,
    async run(ctx) {
      const stateMachineArn = await createMachine(ctx, PASS_MACHINE);
      for (let i = 0; i < 3; i++) await ended(ctx, await start(ctx, stateMachineArn));
      const first = await sfn(ctx).send(
        new ListExecutionsCommand({ stateMachineArn, statusFilter: 'SUCCEEDED', maxResults: 2 }),
      );
      expectEqual(first.executions?.length, 2, 'first page');
      const second = await sfn(ctx).send(
        new ListExecutionsCommand({ stateMachineArn, statusFilter: 'SUCCEEDED', nextToken: first.nextToken }),
      );
      expectEqual([second.executions?.length, second.nextToken], [1, undefined], 'second page');
      const failed = await sfn(ctx).send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'FAILED' }));
      expectEqual(failed.executions, [], 'no FAILED executions');
    },
  },
  {
    name: 'RedriveExecution resumes at the failed state without re-running the states that succeeded',
    source: `${GUIDE}/redrive-executions.html`,
    async run(ctx) {
      const ledger = await createQueue(ctx);
      const approvals = await createQueue(ctx);
      const approval = waitingMachine(approvals) as { States: Record<string, object> };
      const definition = {
        StartAt: 'ChargePayment',
        States: {
          ChargePayment: {
            Type: 'Task',
            Resource: 'arn:aws:states:::sqs:sendMessage',
            Parameters: { QueueUrl: ledger, 'MessageBody.$': '$.orderId' },
            ResultPath: null,
            Next: 'AwaitApproval',
          },
          AwaitApproval: approval.States.AwaitApproval,
        },
      };
      const stateMachineArn = await createMachine(ctx, definition);
      const executionArn = await start(ctx, stateMachineArn, { orderId: 'o-redrive' });
      const first = await nextMessage(ctx, approvals);
      await sfn(ctx).send(new SendTaskFailureCommand({ taskToken: first.token, error: 'Rejected', cause: 'busy' }));
      const failed = await ended(ctx, executionArn);
      expectEqual([failed.status, failed.error, failed.redriveStatus], ['FAILED', 'Rejected', 'REDRIVABLE'], 'failed');

      const { redriveDate } = await sfn(ctx).send(new RedriveExecutionCommand({ executionArn }));
      expectThat(redriveDate instanceof Date, 'RedriveExecution returns redriveDate');
      const second = await nextMessage(ctx, approvals);
      expectEqual(second.orderId, 'o-redrive', 'the failed state runs again with its input');
      await sfn(ctx).send(new SendTaskSuccessCommand({ taskToken: second.token, output: '{"ok":true}' }));
      const done = await ended(ctx, executionArn);
      expectEqual([done.status, done.redriveCount], ['SUCCEEDED', 1], 'redriven');
      expectThat(done.redriveDate instanceof Date, 'DescribeExecution shows redriveDate');
      // ChargePayment sent one message: it did not run again.
      const { Messages } = await sqs(ctx).send(
        new ReceiveMessageCommand({ QueueUrl: ledger, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      expectEqual(Messages?.length, 1, 'ChargePayment messages');
      const types = await historyTypes(ctx, executionArn);
      expectEqual(types.filter((type) => type === 'ExecutionRedriven').length, 1, 'ExecutionRedriven events');
      expectEqual(types.filter((type) => type === 'TaskStateEntered').length, 2, 'states entered (no re-entry)');
      const redriven = await sfn(ctx).send(new ListExecutionsCommand({ stateMachineArn, redriveFilter: 'REDRIVEN' }));
      expectEqual(
        redriven.executions?.map((e) => [e.executionArn, e.redriveCount]),
        [[executionArn, 1]],
        'REDRIVEN filter',
      );
    },
  },
  {
    name: 'RedriveExecution refuses a SUCCEEDED execution (ExecutionNotRedrivable) and an unknown one',
    source: `${API}/API_RedriveExecution.html#API_RedriveExecution_Errors`,
    async run(ctx) {
      const executionArn = await start(ctx, await createMachine(ctx, PASS_MACHINE));
      const done = await ended(ctx, executionArn);
      expectEqual(done.redriveStatusReason, 'Execution is SUCCEEDED and cannot be redriven.', 'reason');
      await expectError(sfn(ctx).send(new RedriveExecutionCommand({ executionArn })), 'ExecutionNotRedrivable');
      await expectError(
        sfn(ctx).send(new RedriveExecutionCommand({ executionArn: `${executionArn}-missing` })),
        'ExecutionDoesNotExist',
      );
    },
  },
  {
    name: 'SendTaskSuccess resumes a .waitForTaskToken task with its output; the token then is TaskDoesNotExist',
    source: `${API}/API_SendTaskSuccess.html`,
    async run(ctx) {
      const queueUrl = await createQueue(ctx);
      const executionArn = await start(ctx, await createMachine(ctx, waitingMachine(queueUrl)), { orderId: 'o-2' });
      const { token } = await nextMessage(ctx, queueUrl);
      await sfn(ctx).send(new SendTaskHeartbeatCommand({ taskToken: token }));
      await sfn(ctx).send(new SendTaskSuccessCommand({ taskToken: token, output: '{"approved":true}' }));
      const done = await ended(ctx, executionArn);
      expectEqual(JSON.parse(done.output ?? '{}'), { orderId: 'o-2', approval: { approved: true } }, 'output');
      const types = await historyTypes(ctx, executionArn);
      expectEqual(types.slice(2, 6), ['TaskScheduled', 'TaskStarted', 'TaskSubmitted', 'TaskSucceeded'], 'events');
      await expectError(
        sfn(ctx).send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
        'TaskDoesNotExist',
      );
    },
  },
  {
    name: 'SendTaskFailure fails the task with the error and cause given',
    source: `${API}/API_SendTaskFailure.html`,
    async run(ctx) {
      const queueUrl = await createQueue(ctx);
      const executionArn = await start(ctx, await createMachine(ctx, waitingMachine(queueUrl)), { orderId: 'o-3' });
      const { token } = await nextMessage(ctx, queueUrl);
      await sfn(ctx).send(new SendTaskFailureCommand({ taskToken: token, error: 'Declined', cause: 'too big' }));
      const done = await ended(ctx, executionArn);
      expectEqual([done.status, done.error, done.cause], ['FAILED', 'Declined', 'too big'], 'failed');
    },
  },
  {
    name: 'HeartbeatSeconds without SendTaskHeartbeat times the task out: States.HeartbeatTimeout, then TaskTimedOut',
    source: `${API}/API_SendTaskHeartbeat.html`,
    async run(ctx) {
      const queueUrl = await createQueue(ctx);
      const machine = await createMachine(ctx, waitingMachine(queueUrl, { HeartbeatSeconds: 1 }));
      const executionArn = await start(ctx, machine, { orderId: 'o-4' });
      const { token } = await nextMessage(ctx, queueUrl);
      const done = await ended(ctx, executionArn);
      expectEqual([done.status, done.error], ['FAILED', 'States.HeartbeatTimeout'], 'timed out');
      await expectError(sfn(ctx).send(new SendTaskHeartbeatCommand({ taskToken: token })), 'TaskTimedOut');
    },
  },
  {
    name: 'SendTaskSuccess refuses a malformed token (InvalidToken) and output that is not JSON (InvalidOutput)',
    source: `${API}/API_SendTaskSuccess.html#API_SendTaskSuccess_Errors`,
    async run(ctx) {
      await expectError(
        sfn(ctx).send(new SendTaskSuccessCommand({ taskToken: 'not-a-token', output: '{}' })),
        'InvalidToken',
      );
      const queueUrl = await createQueue(ctx);
      const executionArn = await start(ctx, await createMachine(ctx, waitingMachine(queueUrl)), { orderId: 'o-5' });
      const { token } = await nextMessage(ctx, queueUrl);
      await expectError(
        sfn(ctx).send(new SendTaskSuccessCommand({ taskToken: token, output: '{not json' })),
        'InvalidOutput',
      );
      await sfn(ctx).send(new StopExecutionCommand({ executionArn }));
    },
  },
  {
    name: 'ValidateStateMachineDefinition answers FAIL with diagnostics for a broken definition, OK otherwise',
    source: `${API}/API_ValidateStateMachineDefinition.html`,
    async run(ctx) {
      const broken = await sfn(ctx).send(
        new ValidateStateMachineDefinitionCommand({
          definition: JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Nowhere' } } }),
        }),
      );
      expectEqual(broken.result, 'FAIL', 'result');
      expectThat(
        broken.diagnostics?.some((d) => d.severity === 'ERROR' && d.code === 'MISSING_TRANSITION_TARGET') ?? false,
        `a MISSING_TRANSITION_TARGET error among ${JSON.stringify(broken.diagnostics)}`,
      );
      const ok = await sfn(ctx).send(
        new ValidateStateMachineDefinitionCommand({ definition: JSON.stringify(PASS_MACHINE) }),
      );
      expectEqual([ok.result, ok.diagnostics, ok.truncated], ['OK', [], false], 'valid');
    },
  },
  {
    name: 'TestState runs one state: output, nextState and the DEBUG inspection data',
    source: `${API}/API_TestState.html`,
    async run(ctx) {
      const state = {
        Type: 'Pass',
        InputPath: '$.order',
        Parameters: { 'total.$': '$.total' },
        ResultPath: '$.priced',
        Next: 'ChargePayment',
      };
      const result = await sfn(ctx).send(
        new TestStateCommand({
          definition: JSON.stringify(state),
          roleArn: ROLE_ARN,
          input: JSON.stringify({ order: { total: 42 } }),
          inspectionLevel: 'DEBUG',
        }),
      );
      expectEqual([result.status, result.nextState], ['SUCCEEDED', 'ChargePayment'], 'status');
      expectEqual(JSON.parse(result.output ?? '{}'), { order: { total: 42 }, priced: { total: 42 } }, 'output');
      expectEqual(
        [result.inspectionData?.afterInputPath, result.inspectionData?.afterParameters],
        ['{"total":42}', '{"total":42}'],
        'inspection data',
      );
      const choice = await sfn(ctx).send(
        new TestStateCommand({
          definition: JSON.stringify({
            Type: 'Choice',
            Choices: [{ Variable: '$.total', NumericGreaterThan: 100, Next: 'ManualReview' }],
            Default: 'ChargePayment',
          }),
          roleArn: ROLE_ARN,
          input: '{"total":500}',
        }),
      );
      expectEqual([choice.nextState, choice.inspectionData], ['ManualReview', undefined], 'choice at INFO');
      const failed = await sfn(ctx).send(
        new TestStateCommand({
          definition: JSON.stringify({ Type: 'Fail', Error: 'OrderRejected', Cause: 'invalid' }),
          roleArn: ROLE_ARN,
        }),
      );
      expectEqual([failed.status, failed.error, failed.cause], ['FAILED', 'OrderRejected', 'invalid'], 'fail state');
    },
  },
  {
    name: 'UpdateStateMachine makes a new revision; DescribeStateMachineForExecution shows the one an execution runs',
    source: `${API}/API_DescribeStateMachineForExecution.html`,
    async run(ctx) {
      const queueUrl = await createQueue(ctx);
      const original = waitingMachine(queueUrl);
      const stateMachineArn = await createMachine(ctx, original);
      const before = await sfn(ctx).send(new DescribeStateMachineCommand({ stateMachineArn }));
      const executionArn = await start(ctx, stateMachineArn, { orderId: 'o-6' });
      const { token } = await nextMessage(ctx, queueUrl);
      const updated = await sfn(ctx).send(
        new UpdateStateMachineCommand({ stateMachineArn, definition: JSON.stringify(PASS_MACHINE) }),
      );
      expectThat(updated.updateDate instanceof Date, 'UpdateStateMachine returns updateDate');
      expectThat(Boolean(updated.revisionId) && updated.revisionId !== before.revisionId, 'a new revisionId');
      const forExecution = await sfn(ctx).send(new DescribeStateMachineForExecutionCommand({ executionArn }));
      expectEqual(JSON.parse(forExecution.definition ?? '{}'), original, 'the running execution keeps its definition');
      expectEqual(forExecution.revisionId, before.revisionId, 'its revision');
      await sfn(ctx).send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }));
      expectEqual((await ended(ctx, executionArn)).status, 'SUCCEEDED', 'old revision ran to the end');
      await expectError(sfn(ctx).send(new UpdateStateMachineCommand({ stateMachineArn })), 'MissingRequiredParameter');
    },
  },
  {
    name: 'TagResource, UntagResource and ListTagsForResource',
    source: `${API}/API_TagResource.html`,
    async run(ctx) {
      const resourceArn = await createMachine(ctx, PASS_MACHINE);
      await sfn(ctx).send(
        new TagResourceCommand({
          resourceArn,
          tags: [
            { key: 'team', value: 'orders' },
            { key: 'stage', value: 'local' },
          ],
        }),
      );
      await sfn(ctx).send(new UntagResourceCommand({ resourceArn, tagKeys: ['stage'] }));
      const { tags } = await sfn(ctx).send(new ListTagsForResourceCommand({ resourceArn }));
      expectEqual(tags, [{ key: 'team', value: 'orders' }], 'tags');
      await expectError(
        sfn(ctx).send(new ListTagsForResourceCommand({ resourceArn: `${resourceArn}-missing` })),
        'StateMachineDoesNotExist',
      );
    },
  },
];

export const suite: ConformanceSuite = {
  name: 'stepfunctions-api',
  services: ['stepfunctions', 'sqs'],
  cases,
};
