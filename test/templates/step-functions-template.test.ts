import {
  findBreaches,
  packageService,
  resourcesOfType,
  statementsOf,
  type CfnResource,
  type CfnTemplate,
} from '../helpers/template.ts';

/** The machine's logical id (`id:` in services/step-functions/serverless.yml). */
const MACHINE = 'OrderPipelineStateMachine';
/** The functions the Task states invoke: every step and compensation, not the API's two. */
const TASK_FUNCTIONS = [
  'ValidateOrder',
  'ChargePayment',
  'ReserveInventory',
  'SendConfirmation',
  'ReleaseInventory',
  'RefundPayment',
  'CancelOrder',
  'RejectOrder',
  'AwaitReview',
  'TimeOutReview',
]
  .map((name) => `${name}LambdaFunction`)
  .sort();

/**
 * Actions AWS grants only on "*" (no resource-level permissions exist for them): X-Ray trace
 * delivery and sampling (tracingConfig), and CloudWatch Logs vended log delivery (loggingConfig).
 */
const STAR_ONLY_ACTIONS = new Set([
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
]);

interface AslState {
  Type: string;
  Resource?: string;
  Next?: string;
  End?: boolean;
  Retry?: Array<{
    ErrorEquals: string[];
    IntervalSeconds?: number;
    BackoffRate?: number;
    MaxAttempts?: number;
    JitterStrategy?: string;
  }>;
  Catch?: Array<{ ErrorEquals: string[]; Next: string }>;
  Parameters?: Record<string, unknown>;
  Arguments?: Record<string, unknown>;
  TimeoutSeconds?: number | string;
  HeartbeatSeconds?: number | string;
  Choices?: Array<{ Condition?: string; Next: string }>;
  Default?: string;
}

/** The definition as CloudFormation receives it: `Fn::Sub [text, { hash: intrinsic }]`. */
function definitionOf(template: CfnTemplate): { states: Record<string, AslState>; variables: Record<string, unknown> } {
  const sub = (
    template.Resources[MACHINE]?.Properties?.DefinitionString as { 'Fn::Sub': [string, Record<string, unknown>] }
  )['Fn::Sub'];
  return { states: (JSON.parse(sub[0]) as { States: Record<string, AslState> }).States, variables: sub[1] };
}

/**
 * The function a Task state invokes, as the logical id its `${...}` variable resolves to: the
 * Resource itself, or the FunctionName of a `lambda:invoke` integration (AwaitReview).
 */
function taskFunction(state: AslState, variables: Record<string, unknown>): string | undefined {
  const integration = (state.Resource ?? '').startsWith('arn:aws:states:::lambda:invoke');
  const ref = integration ? String(state.Arguments?.FunctionName ?? '') : (state.Resource ?? '');
  const name = /^\$\{(.+)\}$/.exec(ref)?.[1];
  const value = name === undefined ? undefined : (variables[name] as { 'Fn::GetAtt'?: [string, string] } | undefined);
  return value?.['Fn::GetAtt']?.[1] === 'Arn' ? value['Fn::GetAtt'][0] : undefined;
}

const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const roleOf = (template: CfnTemplate, id: string): CfnResource => template.Resources[id]!;

const templates: Record<'STANDARD' | 'EXPRESS', CfnTemplate> = {} as never;

beforeAll(async () => {
  // One after the other: both would build into the same .esbuild/ folder of the service.
  templates.STANDARD = await packageService('step-functions');
  templates.EXPRESS = await packageService('step-functions', ['--param=type=EXPRESS']);
}, 180_000);

describe.each(['STANDARD', 'EXPRESS'] as const)('step-functions packaged template (%s)', (type) => {
  const template = () => templates[type];

  it('breaks none of the deploy rules', () => {
    const breaches = findBreaches(template());
    expect(breaches).toEqual([]);
  });

  it(`deploys a ${type} machine with X-Ray tracing, logs with a retention, and a failed-executions alarm`, () => {
    const machine = template().Resources[MACHINE]!;
    expect(machine.Type).toBe('AWS::StepFunctions::StateMachine');
    expect(machine.Properties).toMatchObject({
      StateMachineType: type,
      StateMachineName: 'step-functions-ci-order-pipeline',
      RoleArn: { 'Fn::GetAtt': ['OrderPipelineRole', 'Arn'] },
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        // Express has no history in the API: it logs everything, execution data included.
        Level: type === 'EXPRESS' ? 'ALL' : 'ERROR',
        IncludeExecutionData: type === 'EXPRESS',
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': ['OrderPipelineLogGroup', 'Arn'] } } }],
      },
    });
    expect(template().Resources.OrderPipelineLogGroup?.Properties?.RetentionInDays).toBe(14);
    const alarms = resourcesOfType(template(), 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties ?? {});
    expect(alarms).toContainEqual(
      expect.objectContaining({
        Namespace: 'AWS/States',
        MetricName: 'ExecutionsFailed',
        Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: MACHINE } }],
      }),
    );
  });

  it('resolves every Task of the definition by Fn::GetAtt to a function of this stack', () => {
    const { states, variables } = definitionOf(template());
    const tasks = Object.entries(states).filter(([, s]) => s.Type === 'Task');
    const invoked = tasks.map(([name, state]) => ({ name, fn: taskFunction(state, variables) }));
    for (const { name, fn } of invoked) {
      expect({ name, type: fn === undefined ? undefined : template().Resources[fn]?.Type }).toEqual({
        name,
        type: 'AWS::Lambda::Function',
      });
      // States are named with the same words as the functions and files.
      expect(fn).toBe(`${name}LambdaFunction`);
    }
    expect(invoked.map((t) => t.fn).sort()).toEqual(TASK_FUNCTIONS);
    // Every Next names a state that exists; no Fail state: an execution fails in the state that
    // failed, where RedriveExecution resumes it.
    for (const state of Object.values(states)) {
      for (const next of [state.Next, ...(state.Catch ?? []).map((c) => c.Next)].filter(Boolean))
        expect(Object.keys(states)).toContain(next);
    }
    expect(Object.values(states).filter((s) => s.Type === 'Fail')).toEqual([]);
  });

  it('retries transient errors 3 times in all with backoff and full jitter, and catches only business errors', () => {
    const { states } = definitionOf(template());
    for (const [name, state] of Object.entries(states).filter(([, s]) => s.Type === 'Task')) {
      expect({ name, retry: state.Retry }).toEqual({
        name,
        retry: [
          expect.objectContaining({
            IntervalSeconds: 1,
            BackoffRate: 2,
            MaxAttempts: 2,
            JitterStrategy: 'FULL',
            ErrorEquals: expect.arrayContaining(['TransientDependencyError', 'StepOutOfOrderError']),
          }),
        ],
      });
      // Whatever the Retry did not handle fails the execution in this state (no catch-all): the
      // handler parks the order on attempt maxAttempts, 1 + the Retry's MaxAttempts. The one
      // States.* error caught is AwaitReview's States.Timeout: the review timeout, by design.
      const caught = (state.Catch ?? []).flatMap((c) => c.ErrorEquals);
      expect({ name, caught: caught.filter((e) => e.startsWith('States.')) }).toEqual({
        name,
        caught: name === 'AwaitReview' ? ['States.Timeout'] : [],
      });
      const args = (state.Arguments?.Payload ?? state.Arguments ?? state.Parameters) as Record<string, unknown>;
      expect({ name, maxAttempts: args?.maxAttempts }).toEqual({ name, maxAttempts: 3 });
    }
    const catchOf = (state: string, error: string) =>
      states[state]?.Catch?.find((c) => c.ErrorEquals.includes(error))?.Next;
    expect(catchOf('ValidateOrder', 'ValidationError')).toBe('RejectOrder');
    expect(catchOf('ChargePayment', 'PaymentDeclinedError')).toBe('CancelOrder');
    // After stock runs out: undo in reverse order of the steps.
    expect(catchOf('ReserveInventory', 'OutOfStockError')).toBe('ReleaseInventory');
    expect([states.ReleaseInventory?.Next, states.RefundPayment?.Next]).toEqual(['RefundPayment', 'CancelOrder']);
  });

  it("lets the machine's role invoke only this service's step functions", () => {
    const role = roleOf(template(), 'OrderPipelineRole');
    expect(JSON.stringify(role.Properties?.AssumeRolePolicyDocument)).toContain('states.amazonaws.com');
    const statements = statementsOf(role);
    const invoke = statements.filter((s) => asList(s.Action).includes('lambda:InvokeFunction'));
    expect(invoke).toHaveLength(1);
    expect(asList(invoke[0]!.Action)).toEqual(['lambda:InvokeFunction']);
    const targets = asList(invoke[0]!.Resource as unknown[]).map(
      (r) => (r as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'],
    );
    expect(targets.map((t) => t?.[1])).toEqual(targets.map(() => 'Arn'));
    expect(targets.map((t) => t?.[0]).sort()).toEqual(TASK_FUNCTIONS);
    // Anything else it may do is X-Ray and log delivery, which AWS grants only on "*".
    for (const statement of statements.filter((s) => s !== invoke[0])) {
      for (const action of asList(statement.Action)) expect(STAR_ONLY_ACTIONS.has(action)).toBe(true);
    }
  });

  it('lets placeOrder start this machine and the review API answer its tasks, and no step function either', () => {
    const placeOrder = statementsOf(roleOf(template(), 'PlaceOrderRole')).filter((s) =>
      asList(s.Action).some((a) => a.startsWith('states:')),
    );
    expect(placeOrder).toEqual([{ Effect: 'Allow', Action: ['states:StartExecution'], Resource: { Ref: MACHINE } }]);
    expect(
      (template().Resources.PlaceOrderLambdaFunction?.Properties?.Environment as { Variables: Record<string, unknown> })
        .Variables.STATE_MACHINE_ARN,
    ).toEqual({ Ref: MACHINE });
    // The review API hands a waiting AwaitReview task its token back, for this machine only.
    const reviewOrder = statementsOf(roleOf(template(), 'ReviewOrderRole')).filter((s) =>
      asList(s.Action).some((a) => a.startsWith('states:')),
    );
    expect(reviewOrder).toEqual([
      { Effect: 'Allow', Action: ['states:SendTaskSuccess', 'states:SendTaskFailure'], Resource: { Ref: MACHINE } },
    ]);
    const others = resourcesOfType(template(), 'AWS::IAM::Role').filter(
      ([id]) => id !== 'PlaceOrderRole' && id !== 'ReviewOrderRole',
    );
    for (const [id, role] of others) {
      expect({
        id,
        states: statementsOf(role)
          .flatMap((s) => asList(s.Action))
          .filter((a) => a.startsWith('states:')),
      }).toEqual({ id, states: [] });
    }
  });

  it('serves POST /orders/{orderId}/review with IAM authorization, its function reading and deciding orders only', () => {
    const keys = resourcesOfType(template(), 'AWS::ApiGatewayV2::Route').map(([, r]) => [
      r.Properties?.RouteKey,
      r.Properties?.AuthorizationType,
    ]);
    expect(keys).toContainEqual(['POST /orders/{orderId}/review', 'AWS_IAM']);
    const dynamo = statementsOf(roleOf(template(), 'ReviewOrderRole')).filter((s) =>
      asList(s.Action).some((a) => a.startsWith('dynamodb:')),
    );
    expect(dynamo).toEqual([
      {
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        Resource: { 'Fn::GetAtt': ['OrdersTable', 'Arn'] },
      },
    ]);
  });

  it('grants no "*" action, and "*" resources only where AWS has no narrower one', () => {
    for (const [id, role] of resourcesOfType(template(), 'AWS::IAM::Role')) {
      for (const statement of statementsOf(role)) {
        const actions = asList(statement.Action);
        expect({ id, wildcard: actions.filter((a) => a === '*' || a.endsWith(':*')) }).toEqual({ id, wildcard: [] });
        if (asList(statement.Resource).includes('*'))
          expect({ id, onStar: actions.filter((a) => !STAR_ONLY_ACTIONS.has(a)) }).toEqual({ id, onStar: [] });
      }
    }
  });
});

describe('step-functions manual review in the definition', () => {
  it('waits for the reviewer in a .waitForTaskToken task for a day on Standard, without heartbeats', () => {
    const { states, variables } = definitionOf(templates.STANDARD);
    expect(states.ValidateOrder?.Next).toBe('NeedsReview');
    expect(states.NeedsReview).toMatchObject({
      Type: 'Choice',
      Choices: [{ Condition: '{% $states.input.awaitsReview = true %}', Next: 'AwaitReview' }],
      Default: 'ChargePayment',
    });
    const wait = states.AwaitReview!;
    expect(wait).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      // A JSONata literal: a number on AWS whether the param came from the file or the command line.
      TimeoutSeconds: '{% 86400 %}',
      Next: 'ChargePayment',
    });
    expect(wait.HeartbeatSeconds).toBeUndefined();
    expect(taskFunction(wait, variables)).toBe('AwaitReviewLambdaFunction');
    // The token travels in the context object the task passes its function.
    expect(wait.Arguments?.Payload).toMatchObject({ context: '{% $states.context %}' });
    const catchOf = (error: string) => wait.Catch?.find((c) => c.ErrorEquals.includes(error))?.Next;
    expect([catchOf('States.Timeout'), catchOf('ReviewRejected')]).toEqual(['TimeOutReview', 'ReviewEnded']);
    expect(states.TimeOutReview?.Next).toBe('AfterTimeout');
    // An approval that won the race against the timeout still goes on; otherwise the review ended it.
    expect(states.AfterTimeout).toMatchObject({
      Type: 'Choice',
      Choices: [{ Condition: "{% $states.input.status = 'VALIDATED' %}", Next: 'ChargePayment' }],
      Default: 'ReviewEnded',
    });
    expect(states.ReviewEnded?.Type).toBe('Succeed');
  });

  it('does not pretend to wait on Express: no callback task, the review order is refused (REJECTED)', () => {
    const { states } = definitionOf(templates.EXPRESS);
    expect(Object.values(states).filter((s) => (s.Resource ?? '').includes('.waitForTaskToken'))).toEqual([]);
    expect(states.AwaitReview).toMatchObject({ Resource: 'arn:aws:states:::lambda:invoke', TimeoutSeconds: 30 });
    expect(states.AwaitReview?.Catch?.find((c) => c.ErrorEquals.includes('ReviewUnavailableError'))?.Next).toBe(
      'RejectOrder',
    );
    const env = (type: 'STANDARD' | 'EXPRESS') =>
      (templates[type].Resources.AwaitReviewLambdaFunction?.Properties?.Environment as { Variables: object }).Variables;
    expect([env('STANDARD'), env('EXPRESS')]).toEqual([
      expect.objectContaining({ WORKFLOW_TYPE: 'STANDARD', REVIEW_TIMEOUT_SECONDS: '86400' }),
      expect.objectContaining({ WORKFLOW_TYPE: 'EXPRESS' }),
    ]);
  });
});
