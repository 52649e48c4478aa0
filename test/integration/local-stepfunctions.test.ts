/**
 * The local Step Functions through the real AWS SDK client. The Lambda runtime is replaced at its
 * seam (LambdaInvoker) by a map of small in-test functions.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  CreateStateMachineCommand,
  DeleteStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  StopExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import {
  LambdaInvocationError,
  type CloudInstruments,
  type CounterName,
  type HopType,
  type LambdaInvoker,
  type WaitCounterName,
} from '#cloud/types';
import { startStepFunctions, type StepFunctionsServer } from '#cloud/stepfunctions/server';

type TestFunction = (event: unknown) => unknown;

const ROLE_ARN = 'arn:aws:iam::000000000000:role/order-saga';
const functionArn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

/** Invokes `functions[name]` for a function name or ARN, turning a thrown error into Lambda's shape. */
function createTestInvoker(functions: Record<string, TestFunction>): LambdaInvoker & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async invoke(functionRef, event, options) {
      const name = functionRef.includes(':function:') ? functionRef.split(':')[6]! : functionRef;
      calls.push(name);
      const fn = functions[name];
      if (!fn) throw new Error(`Function not found: ${name}`);
      options?.onStart?.();
      try {
        return await fn(event);
      } catch (error) {
        throw new LambdaInvocationError({ errorType: (error as Error).name, errorMessage: (error as Error).message });
      }
    },
    async invokeAsync() {},
  };
}

function domainError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** Fails with `TransientDependencyError` `failures` times, then returns `result`. */
function flaky(failures: number, result: unknown): TestFunction {
  let calls = 0;
  return () => {
    calls += 1;
    if (calls <= failures) throw domainError('TransientDependencyError', `gateway timeout #${calls}`);
    return result;
  };
}

function createGate(): { opened: Promise<void>; open: () => void } {
  let open = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

function recordingInstruments(): CloudInstruments & {
  counts: Partial<Record<CounterName | WaitCounterName, number>>;
  hops: HopType[];
} {
  const counts: Partial<Record<CounterName | WaitCounterName, number>> = {};
  const hops: HopType[] = [];
  return {
    counts,
    hops,
    count: (name, n = 1) => void (counts[name] = (counts[name] ?? 0) + n),
    hopDelay: (hop) => {
      hops.push(hop);
      return 0;
    },
  };
}

function lambdaInvokeTask(functionName: string, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke',
    Parameters: { FunctionName: functionArn(functionName), 'Payload.$': '$' },
    ResultSelector: { 'result.$': '$.Payload' },
    ...extra,
  };
}

const TRANSIENT_RETRY = {
  ErrorEquals: ['TransientDependencyError'],
  IntervalSeconds: 1,
  BackoffRate: 2,
  MaxAttempts: 3,
};

describe('local Step Functions', () => {
  let functions: Record<string, TestFunction>;
  let invoker: ReturnType<typeof createTestInvoker>;
  let instruments: ReturnType<typeof recordingInstruments>;
  let sfn: StepFunctionsServer;
  let client: SFNClient;

  beforeEach(async () => {
    functions = {};
    invoker = createTestInvoker(functions);
    instruments = recordingInstruments();
    // 0.1: a Retry IntervalSeconds of 1 waits 100 ms.
    sfn = await startStepFunctions({ port: 0, invoker, instruments, retryIntervalScale: 0.1 });
    client = new SFNClient({
      endpoint: sfn.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      // StartSyncExecution targets the `sync-` host prefix on AWS, which 127.0.0.1 cannot take.
      disableHostPrefix: true,
    });
  });

  afterEach(async () => {
    client.destroy();
    await sfn.stop();
  });

  async function createMachine(
    name: string,
    definition: object,
    type: 'STANDARD' | 'EXPRESS' = 'STANDARD',
  ): Promise<string> {
    const created = await client.send(
      new CreateStateMachineCommand({ name, definition: JSON.stringify(definition), roleArn: ROLE_ARN, type }),
    );
    return created.stateMachineArn!;
  }

  async function runToEnd(stateMachineArn: string, input: object, name?: string) {
    const { executionArn } = await client.send(
      new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input), name }),
    );
    await sfn.idle();
    return client.send(new DescribeExecutionCommand({ executionArn }));
  }

  async function historyOf(executionArn: string): Promise<HistoryEvent[]> {
    const { events } = await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
    return events!;
  }

  const ofType = (events: HistoryEvent[], type: string) => events.filter((event) => event.type === type);

  it('retries a transient error with exponential backoff until the task succeeds', async () => {
    functions['charge-payment'] = flaky(2, { chargeId: 'ch_1' });
    const arn = await createMachine('charge', {
      StartAt: 'ChargePayment',
      States: { ChargePayment: lambdaInvokeTask('charge-payment', { Retry: [TRANSIENT_RETRY], End: true }) },
    });

    const execution = await runToEnd(arn, { orderId: 'o-1' });

    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!)).toEqual({ result: { chargeId: 'ch_1' } });
    const events = await historyOf(execution.executionArn!);
    expect(ofType(events, 'TaskScheduled')).toHaveLength(3);
    const failures = ofType(events, 'TaskFailed').map((event) => event.taskFailedEventDetails!);
    expect(failures).toHaveLength(2);
    expect(failures[0]).toMatchObject({
      resourceType: 'lambda',
      resource: 'invoke',
      error: 'TransientDependencyError',
    });
    expect(JSON.parse(failures[0]!.cause!)).toEqual({
      errorType: 'TransientDependencyError',
      errorMessage: 'gateway timeout #1',
    });
    // Waits of 1 s and 2 s (IntervalSeconds * BackoffRate^n), scaled by 0.1.
    const gaps = ofType(events, 'TaskFailed').map((failed) => {
      const next = events.find((event) => event.id! > failed.id! && event.type === 'TaskScheduled')!;
      return next.timestamp!.getTime() - failed.timestamp!.getTime();
    });
    expect(gaps[0]).toBeGreaterThanOrEqual(90);
    expect(gaps[1]).toBeGreaterThanOrEqual(190);
    expect(events.map((event) => event.id)).toEqual(events.map((_, index) => index + 1));
    expect(events[0]!.type).toBe('ExecutionStarted');
    expect(events.at(-1)!.type).toBe('ExecutionSucceeded');
  });

  it('caps retry delays at MaxDelaySeconds with full jitter and fails once MaxAttempts are used up', async () => {
    functions['charge-payment'] = flaky(10, {});
    // Uncapped, the waits would be 0.1 s, 100 s and 28 hours: the execution can only end within
    // the test's time if every wait is capped (at 0.2 s, jittered below that). The test waits
    // for the execution to end; a missing cap shows as a test that never gets there.
    const retry = { ...TRANSIENT_RETRY, BackoffRate: 1000, MaxAttempts: 3, MaxDelaySeconds: 2, JitterStrategy: 'FULL' };
    const arn = await createMachine('charge-capped', {
      StartAt: 'ChargePayment',
      States: { ChargePayment: lambdaInvokeTask('charge-payment', { Retry: [retry], End: true }) },
    });

    const execution = await runToEnd(arn, {});

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('TransientDependencyError');
    expect(JSON.parse(execution.cause!)).toMatchObject({ errorType: 'TransientDependencyError' });
    expect(invoker.calls).toHaveLength(4);
    const events = await historyOf(execution.executionArn!);
    expect(events.at(-1)).toMatchObject({
      type: 'ExecutionFailed',
      executionFailedEventDetails: { error: 'TransientDependencyError' },
    });
  });

  describe('a business error caught into a compensation', () => {
    const sagaDefinition = (catchOn: string, afterRefund: object) => ({
      StartAt: 'ReserveInventory',
      States: {
        ReserveInventory: lambdaInvokeTask('reserve-inventory', {
          Retry: [TRANSIENT_RETRY],
          Catch: [{ ErrorEquals: [catchOn], ResultPath: '$.error', Next: 'RefundPayment' }],
          Next: 'Confirmed',
        }),
        RefundPayment: lambdaInvokeTask('refund-payment', { ResultPath: '$.refund', Next: 'AfterRefund' }),
        AfterRefund: afterRefund,
        Confirmed: { Type: 'Succeed' },
      },
    });

    beforeEach(() => {
      functions['reserve-inventory'] = () => {
        throw domainError('OutOfStockError', 'sku-1 is out of stock');
      };
      functions['refund-payment'] = () => ({ refunded: true });
    });

    it.each(['OutOfStockError', 'States.TaskFailed', 'States.ALL'])(
      'routes the error to the compensation when Catch names %s, never retrying it',
      async (catchOn) => {
        const arn = await createMachine('saga', sagaDefinition(catchOn, { Type: 'Succeed' }));

        const execution = await runToEnd(arn, { orderId: 'o-2' });

        expect(execution.status).toBe('SUCCEEDED');
        const output = JSON.parse(execution.output!);
        expect(output).toMatchObject({ orderId: 'o-2', refund: { result: { refunded: true } } });
        expect(output.error.Error).toBe('OutOfStockError');
        expect(JSON.parse(output.error.Cause)).toEqual({
          errorType: 'OutOfStockError',
          errorMessage: 'sku-1 is out of stock',
        });
        expect(invoker.calls).toEqual(['reserve-inventory', 'refund-payment']);
        const types = (await historyOf(execution.executionArn!)).map((event) => event.type);
        expect(types).toEqual([
          'ExecutionStarted',
          'TaskStateEntered',
          'TaskScheduled',
          'TaskStarted',
          'TaskFailed',
          'TaskStateExited',
          'TaskStateEntered',
          'TaskScheduled',
          'TaskStarted',
          'TaskSucceeded',
          'TaskStateExited',
          'SucceedStateEntered',
          'SucceedStateExited',
          'ExecutionSucceeded',
        ]);
      },
    );

    it('ends FAILED when the definition fails after compensating', async () => {
      const fail = { Type: 'Fail', Error: 'OrderCancelled', Cause: 'OutOfStock' };
      const arn = await createMachine('saga-fails', sagaDefinition('OutOfStockError', fail));

      const execution = await runToEnd(arn, {});

      expect(execution).toMatchObject({ status: 'FAILED', error: 'OrderCancelled', cause: 'OutOfStock' });
      expect(invoker.calls).toEqual(['reserve-inventory', 'refund-payment']);
      const types = (await historyOf(execution.executionArn!)).map((event) => event.type);
      expect(types.slice(-2)).toEqual(['FailStateEntered', 'ExecutionFailed']);
    });
  });

  it('records LambdaFunction events for a Task naming a function ARN', async () => {
    functions['validate-order'] = (event) => ({ valid: true, event });
    const arn = await createMachine('direct', {
      StartAt: 'ValidateOrder',
      States: { ValidateOrder: { Type: 'Task', Resource: functionArn('validate-order'), End: true } },
    });

    const execution = await runToEnd(arn, { orderId: 'o-3' });

    expect(JSON.parse(execution.output!)).toEqual({ valid: true, event: { orderId: 'o-3' } });
    const events = await historyOf(execution.executionArn!);
    expect(events.map((event) => event.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    expect(ofType(events, 'LambdaFunctionScheduled')[0]!.lambdaFunctionScheduledEventDetails).toMatchObject({
      resource: functionArn('validate-order'),
      input: '{"orderId":"o-3"}',
    });
  });

  it(
    'times a Task out after its TimeoutSeconds with States.Timeout, ' + 'which States.TaskFailed does not catch',
    async () => {
      const gate = createGate();
      functions['send-confirmation'] = async () => {
        await gate.opened;
        return {};
      };
      const arn = await createMachine('timeout', {
        StartAt: 'SendConfirmation',
        States: {
          SendConfirmation: lambdaInvokeTask('send-confirmation', {
            TimeoutSeconds: 1,
            Catch: [{ ErrorEquals: ['States.TaskFailed'], Next: 'Compensate' }],
            End: true,
          }),
          Compensate: { Type: 'Pass', End: true },
        },
      });

      const execution = await runToEnd(arn, {});
      gate.open();

      expect(execution).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
      const types = (await historyOf(execution.executionArn!)).map((event) => event.type);
      expect(types.slice(-4)).toEqual(['TaskScheduled', 'TaskStarted', 'TaskTimedOut', 'ExecutionFailed']);
    },
  );

  it(
    'starts a named execution once: the same name and input ' + 'while running returns it, anything else conflicts',
    async () => {
      const gate = createGate();
      functions['charge-payment'] = async () => {
        await gate.opened;
        return {};
      };
      const arn = await createMachine('idempotent', {
        StartAt: 'ChargePayment',
        States: { ChargePayment: lambdaInvokeTask('charge-payment', { End: true }) },
      });
      const start = (input: string) =>
        client.send(new StartExecutionCommand({ stateMachineArn: arn, name: 'order-o-4', input }));

      const first = await start('{"orderId":"o-4"}');
      const second = await start('{"orderId":"o-4"}');
      await expect(start('{"orderId":"other"}')).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
      gate.open();
      await sfn.idle();

      expect(second).toMatchObject({ executionArn: first.executionArn, startDate: first.startDate });
      expect(invoker.calls).toEqual(['charge-payment']);
      // As on AWS, a closed execution's name cannot be reused even with the same input.
      await expect(start('{"orderId":"o-4"}')).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
    },
  );

  it('lists executions newest first, filtered by status and paged', async () => {
    const gate = createGate();
    functions.step = async (event) => {
      const { outcome } = event as { outcome: string };
      if (outcome === 'wait') await gate.opened;
      if (outcome === 'fail') throw domainError('PaymentDeclinedError', 'declined');
      return {};
    };
    const arn = await createMachine('listed', {
      StartAt: 'Step',
      States: { Step: lambdaInvokeTask('step', { End: true }) },
    });
    for (const outcome of ['ok', 'fail', 'wait']) {
      await client.send(
        new StartExecutionCommand({ stateMachineArn: arn, name: outcome, input: JSON.stringify({ outcome }) }),
      );
    }
    await waitFor(async () => (await listNames(arn, 'RUNNING')).length === 1);

    expect(await listNames(arn, 'RUNNING')).toEqual(['wait']);
    expect(await listNames(arn, 'SUCCEEDED')).toEqual(['ok']);
    expect(await listNames(arn, 'FAILED')).toEqual(['fail']);
    const firstPage = await client.send(new ListExecutionsCommand({ stateMachineArn: arn, maxResults: 2 }));
    expect(firstPage.executions!.map((execution) => execution.name)).toEqual(['wait', 'fail']);
    const secondPage = await client.send(
      new ListExecutionsCommand({ stateMachineArn: arn, maxResults: 2, nextToken: firstPage.nextToken }),
    );
    expect(secondPage.executions!.map((execution) => execution.name)).toEqual(['ok']);
    expect(secondPage.nextToken).toBeUndefined();
    gate.open();
  });

  async function listNames(
    stateMachineArn: string,
    statusFilter: 'RUNNING' | 'SUCCEEDED' | 'FAILED',
  ): Promise<string[]> {
    const { executions } = await client.send(new ListExecutionsCommand({ stateMachineArn, statusFilter }));
    return executions!.map((execution) => execution.name!);
  }

  it('aborts a running execution on StopExecution and records nothing after ExecutionAborted', async () => {
    const gate = createGate();
    functions['send-confirmation'] = async () => {
      await gate.opened;
      return { sent: true };
    };
    const arn = await createMachine('stoppable', {
      StartAt: 'SendConfirmation',
      States: {
        SendConfirmation: lambdaInvokeTask('send-confirmation', { Next: 'Done' }),
        Done: { Type: 'Pass', End: true },
      },
    });
    const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn: arn }));
    await waitFor(async () => (await historyOf(executionArn!)).some((event) => event.type === 'TaskStarted'));

    const { stopDate } = await client.send(
      new StopExecutionCommand({ executionArn, error: 'Operator', cause: 'drill' }),
    );
    gate.open();
    await sfn.idle();

    expect(stopDate).toBeInstanceOf(Date);
    const execution = await client.send(new DescribeExecutionCommand({ executionArn }));
    expect(execution).toMatchObject({ status: 'ABORTED', error: 'Operator', cause: 'drill' });
    const events = await historyOf(executionArn!);
    expect(events.at(-1)).toMatchObject({
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { error: 'Operator', cause: 'drill' },
    });
    expect(ofType(events, 'TaskSucceeded')).toHaveLength(0);
  });

  it('pages the execution history and returns it in reverse order on request', async () => {
    functions.step = () => ({});
    const arn = await createMachine('paged', {
      StartAt: 'Step',
      States: { Step: lambdaInvokeTask('step', { End: true }) },
    });
    const { executionArn } = await runToEnd(arn, {});

    const first = await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 4 }));
    const rest = await client.send(
      new GetExecutionHistoryCommand({ executionArn, maxResults: 4, nextToken: first.nextToken }),
    );
    const reversed = await client.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true }));

    expect([...first.events!, ...rest.events!].map((event) => event.id)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(rest.nextToken).toBeUndefined();
    expect(reversed.events!.map((event) => event.id)).toEqual([7, 6, 5, 4, 3, 2, 1]);
  });

  it('manages state machines as the API does', async () => {
    const definition = { StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } };
    const arn = await createMachine('managed', definition);

    const described = await client.send(new DescribeStateMachineCommand({ stateMachineArn: arn }));
    expect(described).toMatchObject({ name: 'managed', status: 'ACTIVE', type: 'STANDARD', roleArn: ROLE_ARN });
    expect(JSON.parse(described.definition!)).toEqual(definition);
    expect(described.creationDate).toBeInstanceOf(Date);
    expect(await createMachine('managed', definition)).toBe(arn);
    await expect(createMachine('managed', { ...definition, Comment: 'changed' })).rejects.toMatchObject({
      name: 'StateMachineAlreadyExists',
    });
    await expect(createMachine('broken', { StartAt: 'Nowhere', States: {} })).rejects.toMatchObject({
      name: 'InvalidDefinition',
    });
    const { stateMachines } = await client.send(new ListStateMachinesCommand({}));
    expect(stateMachines!.map((machine) => machine.stateMachineArn)).toEqual([arn]);

    await client.send(new DeleteStateMachineCommand({ stateMachineArn: arn }));
    await expect(client.send(new DescribeStateMachineCommand({ stateMachineArn: arn }))).rejects.toMatchObject({
      name: 'StateMachineDoesNotExist',
    });
    await expect(
      client.send(new DescribeExecutionCommand({ executionArn: `${arn.replace('stateMachine', 'execution')}:nope` })),
    ).rejects.toMatchObject({ name: 'ExecutionDoesNotExist', $metadata: { httpStatusCode: 400 } });
  });

  it('runs an EXPRESS machine through StartSyncExecution and keeps its executions out of the API', async () => {
    functions['charge-payment'] = flaky(1, { chargeId: 'ch_2' });
    const arn = await createMachine(
      'express',
      {
        StartAt: 'ChargePayment',
        States: { ChargePayment: lambdaInvokeTask('charge-payment', { Retry: [TRANSIENT_RETRY], End: true }) },
      },
      'EXPRESS',
    );

    const result = await client.send(
      new StartSyncExecutionCommand({ stateMachineArn: arn, input: '{"orderId":"o-5"}' }),
    );

    expect(result).toMatchObject({ status: 'SUCCEEDED', stateMachineArn: arn, input: '{"orderId":"o-5"}' });
    expect(JSON.parse(result.output!)).toEqual({ result: { chargeId: 'ch_2' } });
    expect(result.billingDetails!.billedDurationInMilliseconds! % 100).toBe(0);
    expect(instruments.counts).toMatchObject({ sfnExpressRequests: 1, retries: 1 });
    expect(instruments.counts.stateTransitions).toBeUndefined();
    expect(instruments.hops).toEqual(['sfn-express', 'sfn-express']);
    expect(ofType([...sfn.executionHistory(result.executionArn!)], 'TaskScheduled')).toHaveLength(2);
    await expect(
      client.send(new DescribeExecutionCommand({ executionArn: result.executionArn })),
    ).rejects.toMatchObject({
      name: 'ExecutionDoesNotExist',
    });
    await expect(client.send(new ListExecutionsCommand({ stateMachineArn: arn }))).rejects.toMatchObject({
      name: 'StateMachineTypeNotSupported',
    });
  });

  it('refuses StartSyncExecution on a STANDARD machine', async () => {
    const arn = await createMachine('standard', { StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } });

    await expect(client.send(new StartSyncExecutionCommand({ stateMachineArn: arn }))).rejects.toMatchObject({
      name: 'StateMachineTypeNotSupported',
    });
  });

  it('counts state transitions as AWS bills a STANDARD execution: each state entered plus each retry', async () => {
    functions['charge-payment'] = flaky(1, { approved: true });
    const arn = await createMachine('billed', {
      StartAt: 'Prepare',
      States: {
        Prepare: { Type: 'Pass', Next: 'ChargePayment' },
        ChargePayment: lambdaInvokeTask('charge-payment', { Retry: [TRANSIENT_RETRY], Next: 'Approved?' }),
        'Approved?': {
          Type: 'Choice',
          Choices: [{ Variable: '$.result.approved', BooleanEquals: true, Next: 'Done' }],
          Default: 'Done',
        },
        Done: { Type: 'Succeed' },
      },
    });

    await runToEnd(arn, {});

    // 4 states entered + 1 retry of ChargePayment.
    expect(instruments.counts).toMatchObject({ stateTransitions: 5, retries: 1 });
    expect(instruments.hops).toEqual(['sfn-standard', 'sfn-standard']);
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
