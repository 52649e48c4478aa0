import { findBreaches, packageService, resourcesOfType, statementsOf, type CfnTemplate } from '../helpers/template.ts';

let template: CfnTemplate;

beforeAll(async () => {
  template = await packageService('single-lambda');
}, 120_000);

describe('single-lambda packaged template', () => {
  it('breaks none of the deploy rules', () => {
    expect(findBreaches(template)).toEqual([]);
  });

  it("retries the order function's async invocations twice, then sends them to its encrypted DLQ", () => {
    const configs = resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig');
    expect(configs).toHaveLength(1);
    expect(configs[0]![1].Properties).toMatchObject({
      FunctionName: { Ref: 'ProcessOrderLambdaFunction' },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['ProcessOrderDlq', 'Arn'] } } },
    });
    expect(template.Resources.ProcessOrderDlq?.Properties?.SqsManagedSseEnabled).toBe(true);
  });

  it('lets the API invoke only the order function, and only the order function touch stock and payments', () => {
    const roleOf = (fn: string) => JSON.stringify(statementsOf(template.Resources[`${fn}Role`]!));
    expect(roleOf('PlaceOrder')).toContain('lambda:InvokeFunction');
    expect(roleOf('PlaceOrder')).toContain('ProcessOrderLambdaFunction');
    expect(roleOf('PlaceOrder')).not.toMatch(/InventoryTable|LedgerTable/);
    expect(roleOf('GetOrder')).not.toMatch(/PutItem|UpdateItem|lambda:|sqs:/);
    expect(roleOf('ProcessOrder')).toMatch(/InventoryTable/);
    expect(roleOf('ProcessOrder')).toContain('ProcessOrderDlq');
    expect(roleOf('ProcessOrder')).not.toContain('lambda:InvokeFunction');
  });

  it('gives the order function room for a whole run: four steps with their in-code backoff', () => {
    const fn = template.Resources.ProcessOrderLambdaFunction!.Properties!;
    expect(fn.Timeout).toBeGreaterThanOrEqual(30);
    expect(fn.Runtime).toBe('nodejs22.x');
  });
});

describe('single-lambda manual review', () => {
  const roleOf = (fn: string) => template.Resources[`${fn}Role`]!;
  const actionsOf = (fn: string) =>
    statementsOf(roleOf(fn)).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
  const functionsOf = () =>
    resourcesOfType(template, 'AWS::Lambda::Function').map(([id]) => id.replace(/LambdaFunction$/, ''));

  it('serves POST /orders/{orderId}/review with IAM authorization', () => {
    const keys = resourcesOfType(template, 'AWS::ApiGatewayV2::Route').map(([, r]) => [
      r.Properties?.RouteKey,
      r.Properties?.AuthorizationType,
    ]);
    expect(keys).toContainEqual(['POST /orders/{orderId}/review', 'AWS_IAM']);
  });

  it('fires each timeout through a schedule role that may only invoke the order function', () => {
    expect(resourcesOfType(template, 'AWS::Scheduler::ScheduleGroup').map(([id]) => id)).toEqual([
      'ReviewScheduleGroup',
    ]);
    const role = template.Resources.ReviewTimeoutScheduleRole!;
    expect(JSON.stringify(role.Properties?.AssumeRolePolicyDocument)).toContain('scheduler.amazonaws.com');
    const [statement, ...others] = statementsOf(role);
    expect(others).toEqual([]);
    expect(statement).toMatchObject({ Effect: 'Allow', Action: ['lambda:InvokeFunction'] });
    // The same function the order function's schedules name as their target.
    const env = template.Resources.ProcessOrderLambdaFunction!.Properties?.Environment as {
      Variables: Record<string, unknown>;
    };
    expect(statement?.Resource).toEqual(env.Variables.REVIEW_TIMEOUT_TARGET_ARN);
    expect(JSON.stringify(statement?.Resource)).toMatch(/:function:single-lambda-ci-processOrder"/);
    expect(env.Variables).toMatchObject({
      REVIEW_SCHEDULE_ROLE_ARN: { 'Fn::GetAtt': ['ReviewTimeoutScheduleRole', 'Arn'] },
      REVIEW_SCHEDULE_GROUP: { Ref: 'ReviewScheduleGroup' },
      // A day for a reviewer, on AWS.
      REVIEW_TIMEOUT_SECONDS: '86400',
    });
  });

  it('lets only the order function create schedules and pass their role, and only the review API delete them', () => {
    const functions = functionsOf();
    expect(functions).toEqual(expect.arrayContaining(['PlaceOrder', 'GetOrder', 'ReviewOrder', 'ProcessOrder']));
    for (const fn of functions) {
      expect({ fn, create: actionsOf(fn).includes('scheduler:CreateSchedule') }).toEqual({
        fn,
        create: fn === 'ProcessOrder',
      });
      expect({ fn, pass: actionsOf(fn).includes('iam:PassRole') }).toEqual({ fn, pass: fn === 'ProcessOrder' });
      expect({ fn, del: actionsOf(fn).includes('scheduler:DeleteSchedule') }).toEqual({
        fn,
        del: fn === 'ReviewOrder',
      });
    }
    const passRole = statementsOf(roleOf('ProcessOrder')).find((s) => [s.Action].flat().includes('iam:PassRole'));
    expect(passRole).toMatchObject({
      Resource: { 'Fn::GetAtt': ['ReviewTimeoutScheduleRole', 'Arn'] },
      Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
    });
  });

  it('lets the review API invoke only the order function, and touch no stock or payments', () => {
    const role = JSON.stringify(statementsOf(roleOf('ReviewOrder')));
    const invoke = statementsOf(roleOf('ReviewOrder')).filter((s) =>
      [s.Action].flat().includes('lambda:InvokeFunction'),
    );
    expect(invoke.map((s) => s.Resource)).toEqual([{ 'Fn::GetAtt': ['ProcessOrderLambdaFunction', 'Arn'] }]);
    expect(role).not.toMatch(/InventoryTable|LedgerTable|PutItem/);
  });
});
