/**
 * JSONata and workflow variables on the local Step Functions, through the real AWS SDK client.
 * One test per documented behaviour; each names its section of the AWS Step Functions developer
 * guide: "Transforming data with JSONata in Step Functions" (JSONata) or "Passing data between
 * states with variables" (Variables). Lambda functions are small in-test functions behind the
 * runtime's seam (LambdaInvoker).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  RedriveExecutionCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  TestStateCommand,
  ValidateStateMachineDefinitionCommand,
  type DescribeExecutionOutput,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { LambdaInvocationError, noInstruments, type LambdaInvoker } from '#cloud/types';
import { startStepFunctions, type StepFunctionsServer } from '#cloud/stepfunctions/server';

type TestFunction = (event: unknown) => unknown;

const ROLE_ARN = 'arn:aws:iam::000000000000:role/jsonata-tests';
const fn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

const functions: Record<string, TestFunction> = {
  echo: (event) => event,
  double: (event) => ({ doubled: (event as { n: number }).n * 2 }),
  decline: () => {
    throw Object.assign(new Error('card declined'), { name: 'PaymentDeclinedError' });
  },
};
/** Events each function received, newest last. */
const received: Record<string, unknown[]> = {};

const invoker: LambdaInvoker = {
  async invoke(functionRef, event, options) {
    const name = functionRef.split(':')[6] ?? functionRef;
    (received[name] ??= []).push(event);
    const run = functions[name];
    if (!run) throw new Error(`Function not found: ${name}`);
    options?.onStart?.();
    try {
      return await run(event);
    } catch (error) {
      throw new LambdaInvocationError({ errorType: (error as Error).name, errorMessage: (error as Error).message });
    }
  },
  async invokeAsync() {},
};

let sfn: StepFunctionsServer;
let client: SFNClient;
let machines = 0;

beforeAll(async () => {
  sfn = await startStepFunctions({ port: 0, invoker, instruments: noInstruments, retryIntervalScale: 0.01 });
  client = new SFNClient({
    endpoint: sfn.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    // TestState (like StartSyncExecution) goes to the `sync-` host prefix on AWS.
    disableHostPrefix: true,
  });
});

afterAll(async () => {
  client?.destroy();
  await sfn?.stop();
});

async function create(definition: object): Promise<string> {
  machines += 1;
  const { stateMachineArn } = await client.send(
    new CreateStateMachineCommand({
      name: `jsonata-${machines}`,
      definition: JSON.stringify(definition),
      roleArn: ROLE_ARN,
    }),
  );
  return stateMachineArn ?? '';
}

async function run(definition: object, input: unknown = {}): Promise<DescribeExecutionOutput & { result?: unknown }> {
  const stateMachineArn = await create(definition);
  const { executionArn } = await client.send(
    new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }),
  );
  await sfn.idle();
  const described = await client.send(new DescribeExecutionCommand({ executionArn }));
  return { ...described, result: described.output === undefined ? undefined : JSON.parse(described.output) };
}

/** Starts an execution and waits until it ends (a Task may wait for a token or its timeout). */
async function runUntilEnd(definition: object, input: unknown = {}): Promise<DescribeExecutionOutput> {
  const stateMachineArn = await create(definition);
  const { executionArn } = await client.send(
    new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }),
  );
  const deadline = Date.now() + 30_000;
  for (;;) {
    const described = await client.send(new DescribeExecutionCommand({ executionArn }));
    if (described.status !== 'RUNNING' || Date.now() > deadline) return described;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function historyOf(executionArn: string | undefined): Promise<HistoryEvent[]> {
  const { events = [] } = await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
  return events;
}

/** A JSONata machine of the given states, starting at the first. */
const jsonata = (states: Record<string, object>) => ({
  QueryLanguage: 'JSONata',
  StartAt: Object.keys(states)[0],
  States: states,
});

describe('JSONata: Transforming data with JSONata in Step Functions', () => {
  it('evaluates only "{% %}" strings in Arguments, never keys or other strings (JSONata syntax)', async () => {
    const execution = await run(
      jsonata({
        Echo: {
          Type: 'Task',
          Resource: fn('echo'),
          Arguments: {
            static: 'Hello',
            title: '{% $states.input.title %}',
            'not-evaluated': '$customerName',
            nested: { total: '{% $sum($states.input.prices) %}', list: ['{% 1 + 1 %}', 'x'] },
          },
          End: true,
        },
      }),
      { title: 'Mr', prices: [1, 2.5] },
    );
    expect(execution.status).toBe('SUCCEEDED');
    // Output defaults to the task's result ($states.result).
    expect(execution.result).toEqual({
      static: 'Hello',
      title: 'Mr',
      'not-evaluated': '$customerName',
      nested: { total: 3.5, list: [2, 'x'] },
    });
  });

  it('runs a JSONata state inside a JSONPath machine, and JSONPath fields beside it (QueryLanguage)', async () => {
    const execution = await run(
      {
        StartAt: 'Shape',
        States: {
          Shape: { Type: 'Pass', Parameters: { 'n.$': '$.value' }, Next: 'Double' },
          Double: {
            Type: 'Task',
            QueryLanguage: 'JSONata',
            Resource: fn('double'),
            Arguments: { n: '{% $states.input.n %}' },
            Output: { doubled: '{% $states.result.doubled %}', from: '{% $states.input.n %}' },
            End: true,
          },
        },
      },
      { value: 21 },
    );
    expect(execution.result).toEqual({ doubled: 42, from: 21 });
  });

  it('gives Output $states.input, $states.result and $states.context (Reserved variable: $states)', async () => {
    const execution = await run(
      jsonata({
        Double: {
          Type: 'Task',
          Resource: fn('double'),
          Arguments: { n: '{% $states.input.n %}' },
          Output: {
            input: '{% $states.input %}',
            result: '{% $states.result %}',
            state: '{% $states.context.State.Name %}',
            retryCount: '{% $states.context.State.RetryCount %}',
            execution: '{% $states.context.Execution.Name %}',
            executionInput: '{% $states.context.Execution.Input %}',
            machine: '{% $states.context.StateMachine.Name %}',
          },
          End: true,
        },
      }),
      { n: 2 },
    );
    expect(execution.result).toMatchObject({
      input: { n: 2 },
      result: { doubled: 4 },
      state: 'Double',
      retryCount: 0,
      execution: execution.name,
      executionInput: { n: 2 },
      machine: execution.stateMachineArn?.split(':').at(-1),
    });
  });

  it('counts retries in $states.context.State.RetryCount (Reserved variable: $states)', async () => {
    let calls = 0;
    functions.flaky = (event) => {
      calls += 1;
      if (calls < 3) throw Object.assign(new Error('try again'), { name: 'TransientDependencyError' });
      return event;
    };
    const execution = await run(
      jsonata({
        Flaky: {
          Type: 'Task',
          Resource: fn('flaky'),
          Arguments: { attempt: '{% $states.context.State.RetryCount + 1 %}' },
          Retry: [{ ErrorEquals: ['TransientDependencyError'], MaxAttempts: 3, IntervalSeconds: 1 }],
          End: true,
        },
      }),
    );
    expect(execution.result).toEqual({ attempt: 3 });
    expect(received.flaky?.slice(-3)).toEqual([{ attempt: 1 }, { attempt: 2 }, { attempt: 3 }]);
  });

  it('gives a Catch $states.errorOutput, as output by default or through its Output (Catch)', async () => {
    const caught = (catcher: object) =>
      jsonata({
        Charge: {
          Type: 'Task',
          Resource: fn('decline'),
          Catch: [{ ErrorEquals: ['PaymentDeclinedError'], Next: 'Done', ...catcher }],
          End: true,
        },
        Done: { Type: 'Succeed' },
      });
    const plain = await run(caught({}), { orderId: 'o-1' });
    expect(plain.result).toEqual({
      Error: 'PaymentDeclinedError',
      Cause: JSON.stringify({ errorType: 'PaymentDeclinedError', errorMessage: 'card declined' }),
    });
    const shaped = await run(
      caught({ Output: { orderId: '{% $states.input.orderId %}', reason: '{% $states.errorOutput.Error %}' } }),
      { orderId: 'o-2' },
    );
    expect(shaped.result).toEqual({ orderId: 'o-2', reason: 'PaymentDeclinedError' });
  });

  it('routes on the first Condition that holds, with that rule’s Output (Choice state)', async () => {
    const definition = jsonata({
      Route: {
        Type: 'Choice',
        Choices: [
          { Condition: '{% $states.input.total > 100 %}', Next: 'Big', Output: { size: 'big' } },
          { Condition: '{% $states.input.total > 10 %}', Next: 'Medium' },
        ],
        Default: 'Small',
      },
      Big: { Type: 'Pass', End: true },
      Medium: { Type: 'Pass', Output: { size: 'medium' }, End: true },
      Small: { Type: 'Pass', Output: { size: 'small' }, End: true },
    });
    expect((await run(definition, { total: 500 })).result).toEqual({ size: 'big' });
    expect((await run(definition, { total: 50 })).result).toEqual({ size: 'medium' });
    expect((await run(definition, { total: 5 })).result).toEqual({ size: 'small' });
  });

  it('iterates Items through ItemSelector with $states.context.Map.Item (Map state)', async () => {
    const execution = await run(
      jsonata({
        Each: {
          Type: 'Map',
          Items: '{% $states.input.orders[qty > 0] %}',
          ItemSelector: {
            index: '{% $states.context.Map.Item.Index %}',
            sku: '{% $states.context.Map.Item.Value.sku %}',
            currency: '{% $states.input.currency %}',
          },
          ItemProcessor: { StartAt: 'Line', States: { Line: { Type: 'Pass', End: true } } },
          Output: '{% $states.result %}',
          End: true,
        },
      }),
      {
        currency: 'EUR',
        orders: [
          { sku: 'A', qty: 1 },
          { sku: 'B', qty: 0 },
          { sku: 'C', qty: 2 },
        ],
      },
    );
    expect(execution.result).toEqual([
      { index: 0, sku: 'A', currency: 'EUR' },
      { index: 1, sku: 'C', currency: 'EUR' },
    ]);
  });

  it('gives each branch the Arguments and outputs the branches’ results in order (Parallel state)', async () => {
    const execution = await run(
      jsonata({
        Both: {
          Type: 'Parallel',
          Arguments: { n: '{% $states.input.n %}' },
          Branches: [
            { StartAt: 'A', States: { A: { Type: 'Task', Resource: fn('double'), End: true } } },
            { StartAt: 'B', States: { B: { Type: 'Pass', Output: '{% $states.input.n + 1 %}', End: true } } },
          ],
          Output: { doubled: '{% $states.result[0].doubled %}', plusOne: '{% $states.result[1] %}' },
          End: true,
        },
      }),
      { n: 5 },
    );
    expect(execution.result).toEqual({ doubled: 10, plusOne: 6 });
  });

  it('fails the execution with Error and Cause computed by JSONata (Fail state)', async () => {
    const execution = await run(
      jsonata({
        Stop: {
          Type: 'Fail',
          Error: '{% "Order" & $states.input.kind %}',
          Cause: '{% "order " & $states.input.id & " cannot go on" %}',
        },
      }),
      { kind: 'Rejected', id: 'o-9' },
    );
    expect(execution).toMatchObject({ status: 'FAILED', error: 'OrderRejected', cause: 'order o-9 cannot go on' });
  });

  it('waits the Seconds an expression computes (Wait state)', async () => {
    const execution = await run(
      jsonata({ Pause: { Type: 'Wait', Seconds: '{% $states.input.seconds %}', Output: { waited: true }, End: true } }),
      { seconds: 1 },
    );
    expect(execution.result).toEqual({ waited: true });
    const history = await historyOf(execution.executionArn);
    expect(history.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'WaitStateEntered',
      'WaitStateExited',
      'ExecutionSucceeded',
    ]);
  });

  it('raises States.QueryEvaluationError for a failing expression, which a Catch can handle (Handling errors)', async () => {
    const definition = jsonata({
      Add: {
        Type: 'Pass',
        Output: '{% $states.input.a + $states.input.b %}',
        End: true,
      },
    });
    const failed = await run(definition, { a: 1, b: 'two' });
    expect(failed).toMatchObject({ status: 'FAILED', error: 'States.QueryEvaluationError' });
    expect(failed.cause).toContain("An error occurred while executing the state 'Add'.");
    expect(failed.cause).toContain("'$states.input.a + $states.input.b' specified for the field 'Output'");
    // The history has the event AWS writes for it, with the field that failed.
    const evaluation = (await historyOf(failed.executionArn)).find((e) => e.type === 'EvaluationFailed');
    expect(evaluation?.evaluationFailedEventDetails).toMatchObject({
      state: 'Add',
      error: 'States.QueryEvaluationError',
      location: 'Output',
    });

    const caught = await run(
      jsonata({
        Call: {
          Type: 'Task',
          Resource: fn('echo'),
          Arguments: { id: '{% $states.input.missing.id %}' },
          Catch: [{ ErrorEquals: ['States.QueryEvaluationError'], Output: '{% $states.errorOutput %}', Next: 'Done' }],
          End: true,
        },
        Done: { Type: 'Succeed' },
      }),
      {},
    );
    // An expression that yields nothing is an error too, even nested, named with the field it sits in.
    expect(caught.result).toEqual({
      Error: 'States.QueryEvaluationError',
      Cause: expect.stringContaining("specified for the field 'Arguments/id' returned nothing (undefined)"),
    });
  });

  it('refuses the fields of the other query language at CreateStateMachine (QueryLanguage)', async () => {
    const refusal = (language: string, field: string, other: string) =>
      `The QueryLanguage is set to '${language}', but field '${field}' is only supported for the '${other}' QueryLanguage`;
    for (const field of [{ Parameters: { a: 1 } }, { ResultPath: '$.x' }]) {
      await expect(
        create(jsonata({ Call: { Type: 'Task', Resource: fn('echo'), ...field, End: true } })),
      ).rejects.toMatchObject({
        name: 'InvalidDefinition',
        message: expect.stringContaining(refusal('JSONata', Object.keys(field)[0] ?? '', 'JSONPath')),
      });
    }
    await expect(
      create({ StartAt: 'P', States: { P: { Type: 'Pass', Output: { a: 1 }, End: true } } }),
    ).rejects.toMatchObject({ message: expect.stringContaining(refusal('JSONPath', 'Output', 'JSONata')) });
    // A state may opt into JSONata in a JSONPath machine, not out of it in a JSONata one.
    await expect(create(jsonata({ P: { Type: 'Pass', QueryLanguage: 'JSONPath', End: true } }))).rejects.toMatchObject({
      message: expect.stringContaining(
        "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine at /States/P",
      ),
    });
    // The states of a Map inherit the machine's language, whatever the Map declares.
    const map = (processor: object) => ({
      StartAt: 'M',
      States: { M: { Type: 'Map', QueryLanguage: 'JSONata', ItemProcessor: processor, End: true } },
    });
    await expect(
      create(map({ StartAt: 'I', States: { I: { Type: 'Pass', Output: 1, End: true } } })),
    ).rejects.toMatchObject({ message: expect.stringContaining('at /States/M/ItemProcessor/States/I') });
    await expect(
      create(map({ QueryLanguage: 'JSONata', StartAt: 'I', States: { I: { Type: 'Pass', End: true } } })),
    ).rejects.toMatchObject({
      message: expect.stringContaining("Field 'QueryLanguage' is not supported at /States/M/ItemProcessor"),
    });
  });

  it('refuses expressions that read what a state does not provide (JSONata expressions)', async () => {
    // Expressions have no input document: the input is $states.input, never a bare name.
    await expect(
      create(jsonata({ E: { Type: 'Pass', Output: { v: '{% phone %}' }, End: true } })),
    ).rejects.toMatchObject({
      name: 'InvalidDefinition',
      message: expect.stringContaining(
        "UNSUPPORTED_JSONATA_EXPRESSION: Reference to 'phone' at the top level is not supported. at /States/E/Output/v",
      ),
    });
    await expect(
      create(jsonata({ E: { Type: 'Pass', Output: '{% $states.errorOutput %}', End: true } })),
    ).rejects.toMatchObject({ message: expect.stringContaining('$states.errorOutput') });
    // Names after the first step, in filters and in lambdas' own paths are fine.
    await expect(
      create(
        jsonata({
          E: {
            Type: 'Pass',
            Output: '{% $map($states.input.orders[qty > 0], function($o) { $o.sku }) %}',
            End: true,
          },
        }),
      ),
    ).resolves.toBeTruthy();
  });

  it('provides $partition, $range, $hash, $uuid and $parse (JSONata functions provided by Step Functions)', async () => {
    const execution = await run(
      jsonata({
        Functions: {
          Type: 'Pass',
          Output: {
            partition: '{% $partition([1,2,3,4,5], 2) %}',
            range: '{% $range(0, 10, 5) %}',
            hash: '{% $hash("abc", "SHA-256") %}',
            uuid: '{% $uuid() %}',
            parse: '{% $parse(\'{"a":[1]}\') %}',
          },
          End: true,
        },
      }),
    );
    expect(execution.result).toEqual({
      partition: [[1, 2], [3, 4], [5]],
      range: [0, 5, 10],
      hash: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      uuid: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      parse: { a: [1] },
    });
  });
});

describe('Variables: Passing data between states with variables', () => {
  it('keeps a variable from the state that assigns it for every later state (Assign)', async () => {
    const execution = await run(
      jsonata({
        Remember: {
          Type: 'Task',
          Resource: fn('double'),
          Arguments: { n: '{% $states.input.n %}' },
          Assign: { doubled: '{% $states.result.doubled %}', orderId: '{% $states.input.orderId %}' },
          Output: {},
          Next: 'Forget',
        },
        Forget: { Type: 'Pass', Output: { nothing: true }, Next: 'Recall' },
        Recall: { Type: 'Pass', Output: { orderId: '{% $orderId %}', doubled: '{% $doubled %}' }, End: true },
      }),
      { n: 4, orderId: 'o-7' },
    );
    expect(execution.result).toEqual({ orderId: 'o-7', doubled: 8 });
    const exited = (await historyOf(execution.executionArn)).find((e) => e.type === 'TaskStateExited');
    expect(exited?.stateExitedEventDetails).toMatchObject({
      name: 'Remember',
      assignedVariables: { doubled: '8', orderId: '"o-7"' },
    });
  });

  it('evaluates Assign and Output with the values at state entry (Evaluation order)', async () => {
    const execution = await run(
      jsonata({
        First: { Type: 'Pass', Assign: { x: 1 }, Next: 'Second' },
        Second: {
          Type: 'Pass',
          Assign: { x: '{% $x + 1 %}', previous: '{% $x %}' },
          Output: { seen: '{% $x %}' },
          Next: 'Third',
        },
        Third: {
          Type: 'Pass',
          Output: { x: '{% $x %}', previous: '{% $previous %}', seen: '{% $states.input.seen %}' },
          End: true,
        },
      }),
    );
    expect(execution.result).toEqual({ x: 2, previous: 1, seen: 1 });
  });

  it('lets Map iterations and Parallel branches read outer variables but not change them (Variable scope)', async () => {
    const execution = await run(
      jsonata({
        Init: { Type: 'Pass', Assign: { rate: 3, label: 'outer' }, Next: 'Each' },
        Each: {
          Type: 'Map',
          Items: '{% [1, 2] %}',
          ItemProcessor: {
            StartAt: 'Scale',
            States: {
              Scale: { Type: 'Pass', Assign: { label: 'inner' }, Next: 'Report' },
              Report: { Type: 'Pass', Output: { v: '{% $states.input * $rate %}', label: '{% $label %}' }, End: true },
            },
          },
          Next: 'Both',
        },
        Both: {
          Type: 'Parallel',
          Branches: [{ StartAt: 'Set', States: { Set: { Type: 'Pass', Assign: { rate: 100 }, End: true } } }],
          Output: { mapped: '{% $states.input %}' },
          Next: 'After',
        },
        After: {
          Type: 'Pass',
          Output: { mapped: '{% $states.input.mapped %}', rate: '{% $rate %}', label: '{% $label %}' },
          End: true,
        },
      }),
    );
    expect(execution.result).toEqual({
      mapped: [
        { v: 3, label: 'inner' },
        { v: 6, label: 'inner' },
      ],
      rate: 3,
      label: 'outer',
    });
  });

  it("applies the catcher's Assign, not the failed state's (Assign in a Catch)", async () => {
    const execution = await run(
      jsonata({
        Charge: {
          Type: 'Task',
          Resource: fn('decline'),
          Assign: { charged: true },
          Catch: [
            { ErrorEquals: ['States.ALL'], Assign: { failure: '{% $states.errorOutput.Error %}' }, Next: 'Report' },
          ],
          End: true,
        },
        Report: {
          Type: 'Pass',
          Output: { failure: '{% $failure %}', charged: '{% $exists($charged) %}' },
          End: true,
        },
      }),
    );
    expect(execution.result).toEqual({ failure: 'PaymentDeclinedError', charged: false });
  });

  it('assigns and reads variables in JSONPath states with "name.$" and "$name" (Assign in JSONPath states)', async () => {
    const execution = await run(
      {
        StartAt: 'Double',
        States: {
          Double: {
            Type: 'Task',
            Resource: fn('double'),
            Parameters: { 'n.$': '$.n' },
            ResultSelector: { 'value.$': '$.doubled' },
            Assign: { 'doubled.$': '$.value', 'orderId.$': '$$.Execution.Input.orderId', kind: 'literal' },
            ResultPath: null,
            Next: 'Use',
          },
          Use: {
            Type: 'Pass',
            Parameters: { 'doubled.$': '$doubled', 'orderId.$': '$orderId', 'kind.$': '$kind', 'n.$': '$.n' },
            End: true,
          },
        },
      },
      { n: 6, orderId: 'o-3' },
    );
    expect(execution.result).toEqual({ doubled: 12, orderId: 'o-3', kind: 'literal', n: 6 });
  });

  it('reads variables in JSONPath Choice rules and Map item selectors (Assign in JSONPath states)', async () => {
    const definition = {
      StartAt: 'Limits',
      States: {
        Limits: { Type: 'Pass', Assign: { limit: 100, 'currency.$': '$.currency', big: false }, Next: 'Route' },
        Route: {
          Type: 'Choice',
          Choices: [{ Variable: '$.total', NumericGreaterThanPath: '$limit', Assign: { big: true }, Next: 'Lines' }],
          Default: 'Lines',
        },
        Lines: {
          Type: 'Map',
          ItemsPath: '$.lines',
          ItemSelector: { 'sku.$': '$$.Map.Item.Value', 'currency.$': '$currency' },
          ItemProcessor: { StartAt: 'Line', States: { Line: { Type: 'Pass', End: true } } },
          ResultPath: '$.priced',
          Next: 'Report',
        },
        Report: {
          Type: 'Pass',
          Parameters: { 'priced.$': '$.priced', 'big.$': 'States.ArrayContains(States.Array($big), true)' },
          End: true,
        },
      },
    };
    const big = await run(definition, { currency: 'EUR', total: 500, lines: ['A', 'B'] });
    expect(big.result).toEqual({
      priced: [
        { sku: 'A', currency: 'EUR' },
        { sku: 'B', currency: 'EUR' },
      ],
      big: true,
    });
    // No rule matched: the rule's Assign did not run, $big keeps its value.
    const small = await run(definition, { currency: 'EUR', total: 5, lines: [] });
    expect(small.result).toEqual({ priced: [], big: false });
  });

  it('refuses invalid and reserved variable names at CreateStateMachine (Variable name syntax)', async () => {
    for (const name of ['1st', 'with-dash', 'states', 'x'.repeat(81)]) {
      await expect(create(jsonata({ Set: { Type: 'Pass', Assign: { [name]: 1 }, End: true } }))).rejects.toMatchObject({
        name: 'InvalidDefinition',
      });
    }
    await expect(
      create(jsonata({ Set: { Type: 'Pass', Assign: { _ok: 1, état: 2 }, End: true } })),
    ).resolves.toBeTruthy();
  });

  it('fails with States.QueryEvaluationError when a variable is over 256 KiB (Variable size limits)', async () => {
    const execution = await run(
      jsonata({ Big: { Type: 'Pass', Assign: { blob: '{% $pad("", 262145, "x") %}' }, End: true } }),
    );
    expect(execution).toMatchObject({ status: 'FAILED', error: 'States.QueryEvaluationError' });
    expect(execution.cause).toContain("'blob'");
    const fits = await run(
      jsonata({ Fits: { Type: 'Pass', Assign: { blob: '{% $pad("", 1000, "x") %}' }, End: true } }),
    );
    expect(fits.status).toBe('SUCCEEDED');
  });

  it('shows only the definition’s states in the history, with their own types', async () => {
    const execution = await run(
      jsonata({
        Decide: { Type: 'Choice', Choices: [{ Condition: '{% true %}', Next: 'Each' }] },
        Each: {
          Type: 'Map',
          Items: [1],
          ItemProcessor: { StartAt: 'Item', States: { Item: { Type: 'Pass', End: true } } },
          End: true,
        },
      }),
    );
    const types = (await historyOf(execution.executionArn)).map((e) => e.type);
    expect(types).toEqual([
      'ExecutionStarted',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'MapStateEntered',
      'MapIterationStarted',
      'PassStateEntered',
      'PassStateExited',
      'MapIterationSucceeded',
      'MapStateExited',
      'ExecutionSucceeded',
    ]);
  });
});

describe('JSONata and variables through the other Step Functions operations', () => {
  it('redrives a JSONata execution at the failed state with the variables it had (RedriveExecution)', async () => {
    let fail = true;
    functions.once = (event) => {
      if (fail) throw Object.assign(new Error('down'), { name: 'TransientDependencyError' });
      return event;
    };
    const stateMachineArn = await create(
      jsonata({
        Remember: { Type: 'Pass', Assign: { orderId: '{% $states.input.orderId %}' }, Output: {}, Next: 'Call' },
        Call: { Type: 'Task', Resource: fn('once'), Arguments: { orderId: '{% $orderId %}' }, End: true },
      }),
    );
    const { executionArn } = await client.send(
      new StartExecutionCommand({ stateMachineArn, input: JSON.stringify({ orderId: 'o-r' }) }),
    );
    await sfn.idle();
    expect((await client.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('FAILED');
    fail = false;
    await client.send(new RedriveExecutionCommand({ executionArn }));
    await sfn.idle();
    const redriven = await client.send(new DescribeExecutionCommand({ executionArn }));
    expect(redriven).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
    expect(JSON.parse(redriven.output ?? 'null')).toEqual({ orderId: 'o-r' });
  });

  it('gives a .waitForTaskToken task its token in $states.context.Task.Token (SendTaskSuccess)', async () => {
    const tokens: string[] = [];
    functions.approve = (event) => {
      tokens.push((event as { token: string }).token);
      return {};
    };
    const stateMachineArn = await create(
      jsonata({
        Review: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Arguments: { FunctionName: fn('approve'), Payload: { token: '{% $states.context.Task.Token %}' } },
          Output: { approved: '{% $states.result.approved %}' },
          End: true,
        },
      }),
    );
    const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn, input: '{}' }));
    const deadline = Date.now() + 10_000;
    while (tokens.length === 0 && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
    expect(tokens).toHaveLength(1);
    await client.send(new SendTaskSuccessCommand({ taskToken: tokens[0], output: JSON.stringify({ approved: true }) }));
    await sfn.idle();
    const done = await client.send(new DescribeExecutionCommand({ executionArn }));
    expect(JSON.parse(done.output ?? 'null')).toEqual({ approved: true });
  });

  it('times a .waitForTaskToken task out after the seconds its TimeoutSeconds expression computes (Task state)', async () => {
    functions.park = () => ({});
    const { executionArn, status, ...rest } = await runUntilEnd(
      jsonata({
        Review: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Arguments: { FunctionName: fn('park'), Payload: { token: '{% $states.context.Task.Token %}' } },
          TimeoutSeconds: '{% $states.input.reviewSeconds %}',
          Catch: [{ ErrorEquals: ['States.Timeout'], Output: { timedOut: true }, Next: 'TimedOut' }],
          End: true,
        },
        TimedOut: { Type: 'Pass', End: true },
      }),
      { reviewSeconds: 1 },
    );
    expect({ status, output: JSON.parse(rest.output ?? 'null') }).toEqual({
      status: 'SUCCEEDED',
      output: { timedOut: true },
    });
    const types = (await historyOf(executionArn)).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['TaskSubmitted', 'TaskTimedOut']));
  });

  it('fails with States.QueryEvaluationError when TimeoutSeconds does not compute a positive integer (Task state)', async () => {
    const { status, error } = await run(
      jsonata({ T: { Type: 'Task', Resource: fn('echo'), TimeoutSeconds: '{% $states.input.s %}', End: true } }),
      { s: 'soon' },
    );
    expect({ status, error }).toEqual({ status: 'FAILED', error: 'States.QueryEvaluationError' });
  });

  it('refuses a .waitForTaskToken task in an EXPRESS machine, as AWS does (Express workflows)', async () => {
    const definition = JSON.stringify(
      jsonata({
        Review: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Arguments: { FunctionName: fn('park'), Payload: { token: '{% $states.context.Task.Token %}' } },
          End: true,
        },
      }),
    );
    await expect(
      client.send(
        new CreateStateMachineCommand({ name: 'express-wait', type: 'EXPRESS', definition, roleArn: ROLE_ARN }),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidDefinition',
      message: expect.stringContaining(
        "Express state machine does not support '.waitForTaskToken' service integration",
      ),
    });
    const validated = await client.send(new ValidateStateMachineDefinitionCommand({ definition, type: 'EXPRESS' }));
    expect(validated).toMatchObject({
      result: 'FAIL',
      diagnostics: [expect.objectContaining({ code: 'SCHEMA_VALIDATION_FAILED', location: '/States/Review/Resource' })],
    });
  });

  it('reports the query-language problems of a definition (ValidateStateMachineDefinition)', async () => {
    const answer = await client.send(
      new ValidateStateMachineDefinitionCommand({
        definition: JSON.stringify(
          jsonata({ E: { Type: 'Pass', Output: '{% phone %}', Assign: { '1x': 1 }, End: true } }),
        ),
      }),
    );
    expect(answer.result).toBe('FAIL');
    expect(answer.diagnostics).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'UNSUPPORTED_JSONATA_EXPRESSION', location: '/States/E/Output' }),
        expect.objectContaining({ code: 'SCHEMA_VALIDATION_FAILED', location: '/States/E/Assign/1x' }),
      ]),
    );
  });

  it('runs one JSONata state with the variables given (TestState)', async () => {
    const answer = await client.send(
      new TestStateCommand({
        definition: JSON.stringify({
          QueryLanguage: 'JSONata',
          Type: 'Task',
          Resource: fn('double'),
          Arguments: { n: '{% $states.input.n + $bonus %}' },
          Output: '{% $states.result.doubled %}',
          End: true,
        }),
        roleArn: ROLE_ARN,
        input: JSON.stringify({ n: 1 }),
        variables: JSON.stringify({ bonus: 2 }),
        inspectionLevel: 'DEBUG',
      }),
    );
    expect(answer).toMatchObject({ status: 'SUCCEEDED', output: '6' });
    expect(JSON.parse(answer.inspectionData?.afterArguments ?? 'null')).toEqual({ n: 3 });
  });
});
