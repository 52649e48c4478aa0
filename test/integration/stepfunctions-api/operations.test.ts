/**
 * The Step Functions operations of issue 16 on the local Step Functions, through the real SDK
 * client (and the AWS CLI for the ones the issue names): redrive, task tokens, validation,
 * TestState, updates and tags. The Lambda runtime is replaced at its seam by in-test functions.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  DescribeStateMachineForExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListTagsForResourceCommand,
  RedriveExecutionCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  TagResourceCommand,
  TestStateCommand,
  UntagResourceCommand,
  UpdateStateMachineCommand,
  ValidateStateMachineDefinitionCommand,
  type DescribeExecutionOutput,
} from '@aws-sdk/client-sfn';
import { LambdaInvocationError, type LambdaInvoker } from '#cloud/types';
import { startStepFunctions, type StepFunctionsServer } from '#cloud/stepfunctions/server';

const run = promisify(execFile);
const ROLE_ARN = 'arn:aws:iam::000000000000:role/order-saga';
const fn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

type TestFunction = (event: unknown) => unknown;
const functions: Record<string, TestFunction> = {};
const calls: string[] = [];

const invoker: LambdaInvoker = {
  async invoke(functionRef, event, options) {
    const name = functionRef.includes(':function:') ? (functionRef.split(':')[6] ?? '') : functionRef;
    calls.push(name);
    const handler = functions[name];
    if (!handler) throw new Error(`Function not found: ${name}`);
    options?.onStart?.();
    try {
      return await handler(event);
    } catch (error) {
      throw new LambdaInvocationError({ errorType: (error as Error).name, errorMessage: (error as Error).message });
    }
  },
  async invokeAsync() {},
};

let server: StepFunctionsServer;
let sfn: SFNClient;

beforeAll(async () => {
  server = await startStepFunctions({ port: 0, invoker, retryIntervalScale: 0.01 });
  sfn = new SFNClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    disableHostPrefix: true,
  });
});

afterAll(async () => {
  sfn.destroy();
  await server.stop();
});

/** `aws stepfunctions <command> ...` against the local endpoint, its JSON output parsed. */
async function awsCli(...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run('aws', ['stepfunctions', ...args, '--endpoint-url', server.url, '--output', 'json'], {
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'x',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_PAGER: '',
      // TestState and StartSyncExecution go to the `sync-` host on AWS; locally there is one host.
      AWS_DISABLE_HOST_PREFIX_INJECTION: 'true',
    },
  });
  return stdout.trim() === '' ? {} : (JSON.parse(stdout) as Record<string, unknown>);
}

let machines = 0;
async function createMachine(definition: object, type: 'STANDARD' | 'EXPRESS' = 'STANDARD'): Promise<string> {
  machines += 1;
  const { stateMachineArn } = await sfn.send(
    new CreateStateMachineCommand({
      name: `api-test-${machines}`,
      definition: JSON.stringify(definition),
      roleArn: ROLE_ARN,
      type,
    }),
  );
  return stateMachineArn ?? '';
}

async function ended(executionArn: string): Promise<DescribeExecutionOutput> {
  await server.idle();
  return sfn.send(new DescribeExecutionCommand({ executionArn }));
}

async function historyTypes(executionArn: string): Promise<string[]> {
  const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
  return (events ?? []).map((event) => event.type ?? '');
}

function named(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** Waits for a condition the test cannot await directly (a token handed to a consumer). */
async function until<T>(probe: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const ORDER_SAGA = {
  StartAt: 'ValidateOrder',
  States: {
    ValidateOrder: { Type: 'Task', Resource: fn('validate'), ResultPath: '$.validated', Next: 'ChargePayment' },
    ChargePayment: { Type: 'Task', Resource: fn('charge'), ResultPath: '$.charge', Next: 'SendConfirmation' },
    SendConfirmation: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'confirm', 'Payload.$': '$' },
      OutputPath: '$.Payload',
      End: true,
    },
  },
};

describe('RedriveExecution', () => {
  const ledger: string[] = [];
  let mailerDown = true;
  beforeAll(() => {
    functions.validate = () => ({ ok: true });
    functions.charge = (event) => {
      ledger.push(`charge:${(event as { orderId: string }).orderId}`);
      return { chargeId: 'ch_1' };
    };
    functions.confirm = (event) => {
      if (mailerDown) throw named('MailerUnavailableError', 'the mailer is down');
      return { ...(event as object), confirmed: true };
    };
  });

  it('resumes a FAILED execution at the state that failed, without running the states that succeeded', async () => {
    const stateMachineArn = await createMachine(ORDER_SAGA);
    const { executionArn = '' } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, name: 'order-1', input: JSON.stringify({ orderId: 'o-1' }) }),
    );
    const failed = await ended(executionArn);
    expect(failed).toMatchObject({ status: 'FAILED', error: 'MailerUnavailableError', redriveCount: 0 });
    expect(failed).toMatchObject({ redriveStatus: 'REDRIVABLE' });
    expect(ledger).toEqual(['charge:o-1']);

    mailerDown = false;
    const { redriveDate } = await sfn.send(new RedriveExecutionCommand({ executionArn }));
    expect(redriveDate).toBeInstanceOf(Date);
    const redriven = await ended(executionArn);
    expect(redriven).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1, redriveStatus: 'NOT_REDRIVABLE' });
    expect(redriven.redriveStatusReason).toBe('Execution is SUCCEEDED and cannot be redriven.');
    expect(redriven.redriveDate).toEqual(redriveDate);
    expect(redriven.error).toBeUndefined();
    expect(JSON.parse(redriven.output ?? '{}')).toMatchObject({ orderId: 'o-1', charge: { chargeId: 'ch_1' } });
    // Charged once: the redrive started at SendConfirmation with the input it had.
    expect(ledger).toEqual(['charge:o-1']);

    const types = await historyTypes(executionArn);
    const redrive = types.indexOf('ExecutionRedriven');
    expect(types[redrive - 1]).toBe('ExecutionFailed');
    // SendConfirmation goes on where it stopped: scheduled again, no second TaskStateEntered.
    expect(types.slice(redrive)).toEqual([
      'ExecutionRedriven',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    expect(types.filter((type) => type === 'TaskStateEntered')).toHaveLength(3);
    expect(types.filter((type) => type === 'LambdaFunctionScheduled')).toHaveLength(2);
    expect(types.filter((type) => type === 'TaskScheduled')).toHaveLength(2);
    const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
    expect(events?.[redrive]?.executionRedrivenEventDetails).toEqual({ redriveCount: 1 });
    expect(events?.map((event) => event.id)).toEqual(events?.map((_event, index) => index + 1));

    const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn, redriveFilter: 'REDRIVEN' }));
    expect(listed.executions?.map((e) => [e.name, e.redriveCount])).toEqual([['order-1', 1]]);
    const notRedriven = await sfn.send(new ListExecutionsCommand({ stateMachineArn, redriveFilter: 'NOT_REDRIVEN' }));
    expect(notRedriven.executions).toEqual([]);

    await expect(sfn.send(new RedriveExecutionCommand({ executionArn }))).rejects.toMatchObject({
      name: 'ExecutionNotRedrivable',
    });
  });

  it('answers ExecutionDoesNotExist for an unknown execution', async () => {
    const executionArn = 'arn:aws:states:us-east-1:000000000000:execution:nope:nope';
    await expect(sfn.send(new RedriveExecutionCommand({ executionArn }))).rejects.toMatchObject({
      name: 'ExecutionDoesNotExist',
    });
  });

  it('redrives through the AWS CLI: redrive-execution ends the execution SUCCEEDED, charged once', async () => {
    mailerDown = true;
    const stateMachineArn = await createMachine(ORDER_SAGA);
    const { executionArn = '' } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, input: JSON.stringify({ orderId: 'o-cli' }) }),
    );
    expect((await ended(executionArn)).status).toBe('FAILED');
    mailerDown = false;
    expect(await awsCli('redrive-execution', '--execution-arn', executionArn)).toHaveProperty('redriveDate');
    await server.idle();
    expect(await awsCli('describe-execution', '--execution-arn', executionArn)).toMatchObject({
      status: 'SUCCEEDED',
      redriveCount: 1,
    });
    expect(ledger.filter((entry) => entry === 'charge:o-cli')).toHaveLength(1);
  });
});

describe('.waitForTaskToken tasks', () => {
  const received: { token: string; orderId: string }[] = [];
  beforeAll(() => {
    functions.review = (event) => {
      received.push(event as { token: string; orderId: string });
      return { accepted: true };
    };
  });

  const reviewMachine = (extra: object = {}) =>
    createMachine({
      StartAt: 'ManualReview',
      States: {
        ManualReview: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Parameters: { FunctionName: 'review', Payload: { 'token.$': '$$.Task.Token', 'orderId.$': '$.orderId' } },
          ResultPath: '$.review',
          End: true,
          ...extra,
        },
      },
    });

  async function startReview(stateMachineArn: string, orderId: string): Promise<{ arn: string; token: string }> {
    const { executionArn = '' } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, input: JSON.stringify({ orderId }) }),
    );
    const token = await until(() => received.find((entry) => entry.orderId === orderId)?.token, 'the task token');
    return { arn: executionArn, token };
  }

  it('resumes the task with the output sent by the AWS CLI send-task-success', async () => {
    const { arn, token } = await startReview(await reviewMachine(), 'o-review');
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn: arn }))).status).toBe('RUNNING');
    await awsCli('send-task-success', '--task-token', token, '--task-output', '{"approved":true}');
    const done = await ended(arn);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? '{}')).toEqual({ orderId: 'o-review', review: { approved: true } });
    const types = await historyTypes(arn);
    expect(types).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    // The task has ended: its token is no longer good.
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))).rejects.toMatchObject({
      name: 'TaskDoesNotExist',
    });
  });

  it('fails the task with the error and cause sent by SendTaskFailure', async () => {
    const { arn, token } = await startReview(await reviewMachine(), 'o-rejected');
    await sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    await sfn.send(new SendTaskFailureCommand({ taskToken: token, error: 'ReviewRejected', cause: 'too big' }));
    expect(await ended(arn)).toMatchObject({ status: 'FAILED', error: 'ReviewRejected', cause: 'too big' });
  });

  it('times the task out with States.HeartbeatTimeout when no heartbeat comes within HeartbeatSeconds', async () => {
    const { arn, token } = await startReview(await reviewMachine({ HeartbeatSeconds: 1 }), 'o-silent');
    expect(await ended(arn)).toMatchObject({ status: 'FAILED', error: 'States.HeartbeatTimeout' });
    expect(await historyTypes(arn)).toContain('TaskTimedOut');
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))).rejects.toMatchObject({
      name: 'TaskTimedOut',
    });
  });

  it('times the task out with States.Timeout after TimeoutSeconds', async () => {
    const { arn } = await startReview(await reviewMachine({ TimeoutSeconds: 1 }), 'o-slow');
    expect(await ended(arn)).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
  });

  it('refuses a malformed token with InvalidToken and a bad output with InvalidOutput', async () => {
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken: 'garbage', output: '{}' }))).rejects.toMatchObject({
      name: 'InvalidToken',
    });
    const { arn, token } = await startReview(await reviewMachine(), 'o-bad-output');
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{oops' }))).rejects.toMatchObject({
      name: 'InvalidOutput',
    });
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '"fine"' }));
    expect((await ended(arn)).status).toBe('SUCCEEDED');
  });
});

describe('ValidateStateMachineDefinition', () => {
  it('reports a broken definition through the AWS CLI, with a diagnostic per problem', async () => {
    const broken = JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Missing' } } });
    const result = await awsCli('validate-state-machine-definition', '--definition', broken);
    expect(result.result).toBe('FAIL');
    expect(result.diagnostics).toEqual(
      expect.arrayContaining([expect.objectContaining({ severity: 'ERROR', code: 'MISSING_TRANSITION_TARGET' })]),
    );
  });

  it('answers OK for a valid definition, and INVALID_JSON_DESCRIPTION for text that is not JSON', async () => {
    const ok = await sfn.send(new ValidateStateMachineDefinitionCommand({ definition: JSON.stringify(ORDER_SAGA) }));
    expect(ok).toMatchObject({ result: 'OK', diagnostics: [], truncated: false });
    const notJson = await sfn.send(new ValidateStateMachineDefinitionCommand({ definition: '{"StartAt":' }));
    expect(notJson).toMatchObject({ result: 'FAIL', diagnostics: [{ code: 'INVALID_JSON_DESCRIPTION' }] });
  });
});

describe('TestState', () => {
  it('runs one Task state through the AWS CLI and shows each processing step at DEBUG', async () => {
    functions.price = (event) => ({ total: (event as { qty: number }).qty * 5 });
    const state = {
      Type: 'Task',
      Resource: fn('price'),
      InputPath: '$.line',
      Parameters: { 'qty.$': '$.qty' },
      ResultSelector: { 'cents.$': '$.total' },
      ResultPath: '$.price',
      Next: 'ReserveInventory',
    };
    const result = await awsCli(
      'test-state',
      '--definition',
      JSON.stringify(state),
      '--role-arn',
      ROLE_ARN,
      '--input',
      JSON.stringify({ line: { qty: 3 } }),
      '--inspection-level',
      'DEBUG',
    );
    expect(result).toMatchObject({ status: 'SUCCEEDED', nextState: 'ReserveInventory' });
    expect(JSON.parse(String(result.output))).toEqual({ line: { qty: 3 }, price: { cents: 15 } });
    expect(result.inspectionData).toMatchObject({
      afterInputPath: '{"qty":3}',
      afterParameters: '{"qty":3}',
      result: '{"total":15}',
      afterResultSelector: '{"cents":15}',
    });
  });

  it('answers the chosen branch of a Choice, a caught error, and RETRIABLE when a retrier matches', async () => {
    const choice = {
      Type: 'Choice',
      Choices: [{ Variable: '$.total', NumericGreaterThan: 100, Next: 'ManualReview' }],
      Default: 'ChargePayment',
    };
    const chosen = await sfn.send(
      new TestStateCommand({ definition: JSON.stringify(choice), roleArn: ROLE_ARN, input: '{"total":500}' }),
    );
    expect(chosen).toMatchObject({ status: 'SUCCEEDED', nextState: 'ManualReview' });
    expect(chosen.inspectionData).toBeUndefined();

    functions.flaky = () => {
      throw named('TransientDependencyError', 'try again');
    };
    const task = { Type: 'Task', Resource: fn('flaky'), End: true };
    const retriable = await sfn.send(
      new TestStateCommand({
        definition: JSON.stringify({ ...task, Retry: [{ ErrorEquals: ['TransientDependencyError'] }] }),
        roleArn: ROLE_ARN,
      }),
    );
    expect(retriable).toMatchObject({ status: 'RETRIABLE', error: 'TransientDependencyError' });
    const caught = await sfn.send(
      new TestStateCommand({
        definition: JSON.stringify({ ...task, Catch: [{ ErrorEquals: ['States.ALL'], Next: 'FailOrder' }] }),
        roleArn: ROLE_ARN,
      }),
    );
    expect(caught).toMatchObject({ status: 'CAUGHT_ERROR', nextState: 'FailOrder', error: 'TransientDependencyError' });
  });
});

describe('UpdateStateMachine, DescribeStateMachineForExecution and tags', () => {
  it('runs new executions on the new revision while a running one keeps the one it started with', async () => {
    const received: string[] = [];
    functions.hold = (event) => {
      received.push((event as { token: string }).token);
      return {};
    };
    const first = {
      StartAt: 'Hold',
      States: {
        Hold: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Parameters: { FunctionName: 'hold', Payload: { 'token.$': '$$.Task.Token' } },
          End: true,
        },
      },
    };
    const stateMachineArn = await createMachine(first);
    const before = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn }));
    const { executionArn = '' } = await sfn.send(new StartExecutionCommand({ stateMachineArn }));
    const token = await until(() => received[0], 'the held task');

    const second = { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } };
    const updated = await sfn.send(
      new UpdateStateMachineCommand({ stateMachineArn, definition: JSON.stringify(second), publish: true }),
    );
    expect(updated.revisionId).not.toBe(before.revisionId);
    expect(updated.stateMachineVersionArn).toBe(`${stateMachineArn}:1`);
    expect((await sfn.send(new DescribeStateMachineCommand({ stateMachineArn }))).definition).toBe(
      JSON.stringify(second),
    );
    const forExecution = await sfn.send(new DescribeStateMachineForExecutionCommand({ executionArn }));
    expect(forExecution).toMatchObject({ stateMachineArn, definition: JSON.stringify(first) });
    expect(forExecution.revisionId).toBe(before.revisionId);
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }));
    expect((await ended(executionArn)).status).toBe('SUCCEEDED');

    await expect(sfn.send(new UpdateStateMachineCommand({ stateMachineArn }))).rejects.toMatchObject({
      name: 'MissingRequiredParameter',
    });
  });

  it('tags, lists and untags a state machine', async () => {
    const resourceArn = await createMachine({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } });
    await sfn.send(
      new TagResourceCommand({
        resourceArn,
        tags: [
          { key: 'team', value: 'orders' },
          { key: 'stage', value: 'local' },
        ],
      }),
    );
    await sfn.send(new UntagResourceCommand({ resourceArn, tagKeys: ['stage'] }));
    expect((await sfn.send(new ListTagsForResourceCommand({ resourceArn }))).tags).toEqual([
      { key: 'team', value: 'orders' },
    ]);
    await expect(
      sfn.send(new ListTagsForResourceCommand({ resourceArn: `${resourceArn}-missing` })),
    ).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
  });
});
