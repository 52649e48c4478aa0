import {
  findBreaches,
  packageService,
  resourcesOfType,
  statementsOf,
  type CfnResource,
  type CfnTemplate,
} from '../helpers/template.ts';

const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const DURABLE_ACTIONS = ['lambda:CheckpointDurableExecution', 'lambda:GetDurableExecutionState'];

let template: CfnTemplate;
const resource = (id: string): CfnResource => template.Resources[id]!;

beforeAll(async () => {
  template = await packageService('durable-functions');
}, 180_000);

describe('durable-functions packaged template', () => {
  it('breaks none of the deploy rules', () => {
    expect(findBreaches(template)).toEqual([]);
  });

  it('deploys the orchestrator as a durable function on nodejs22.x, behind its durable alias', () => {
    expect(resource('OrderWorkflowLambdaFunction').Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      FunctionName: 'durable-functions-ci-orderWorkflow',
      DurableConfig: { ExecutionTimeout: 90_000, RetentionPeriodInDays: 14 },
    });
    // Only the orchestrator is durable: the API's functions are plain ones.
    const durable = resourcesOfType(template, 'AWS::Lambda::Function').filter(([, f]) => f.Properties?.DurableConfig);
    expect(durable.map(([id]) => id)).toEqual(['OrderWorkflowLambdaFunction']);
    expect(resource('OrderWorkflowDurableLambdaAlias')).toMatchObject({
      Type: 'AWS::Lambda::Alias',
      Properties: { Name: 'durable', FunctionName: { Ref: 'OrderWorkflowLambdaFunction' } },
    });
    // Lambda's async retries and destinations do not apply to durable executions: none is set.
    expect(resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig')).toEqual([]);
  });

  it('lets the orchestrator checkpoint and read the state of its own executions only', () => {
    const statements = statementsOf(resource('OrderWorkflowRole'));
    const durable = statements.filter((s) => asList(s.Action).some((a) => DURABLE_ACTIONS.includes(a)));
    expect(durable).toHaveLength(1);
    expect(asList(durable[0]!.Action).sort()).toEqual(DURABLE_ACTIONS);
    expect(durable[0]!.Resource).toEqual({
      'Fn::Sub':
        'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:durable-functions-ci-orderWorkflow:*/durable-execution/*/*',
    });
    // It invokes nothing and no other role touches durable executions.
    expect(
      statements
        .flatMap((s) => asList(s.Action))
        .filter((a) => a.startsWith('lambda:'))
        .sort(),
    ).toEqual(DURABLE_ACTIONS);
    for (const [id, role] of resourcesOfType(template, 'AWS::IAM::Role').filter(([id]) => id !== 'OrderWorkflowRole'))
      expect({
        id,
        durable: statementsOf(role).some((s) => asList(s.Action).some((a) => DURABLE_ACTIONS.includes(a))),
      }).toEqual({ id, durable: false });
  });

  it('lets placeOrder start the orchestrator through its alias and nothing else, and hands it the alias', () => {
    const invoke = statementsOf(resource('PlaceOrderRole')).filter((s) =>
      asList(s.Action).some((a) => a.startsWith('lambda:')),
    );
    expect(invoke).toEqual([
      { Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: { Ref: 'OrderWorkflowDurableLambdaAlias' } },
    ]);
    expect(resource('PlaceOrderLambdaFunction').Properties?.Environment).toMatchObject({
      Variables: { ORDER_WORKFLOW_FUNCTION: { Ref: 'OrderWorkflowDurableLambdaAlias' } },
    });
    expect(
      statementsOf(resource('GetOrderRole'))
        .flatMap((s) => asList(s.Action))
        .filter((a) => a.startsWith('lambda:')),
    ).toEqual([]);
  });
});

describe('durable-functions manual review', () => {
  const CALLBACK_ACTIONS = ['lambda:SendDurableExecutionCallbackSuccess', 'lambda:SendDurableExecutionCallbackFailure'];

  it('serves POST /orders/{orderId}/review with IAM authorization', () => {
    const keys = resourcesOfType(template, 'AWS::ApiGatewayV2::Route').map(([, r]) => [
      r.Properties?.RouteKey,
      r.Properties?.AuthorizationType,
    ]);
    expect(keys).toContainEqual(['POST /orders/{orderId}/review', 'AWS_IAM']);
  });

  it('lets only the review API complete callbacks, of this orchestrator only, and decide orders', () => {
    const statements = statementsOf(resource('ReviewOrderRole'));
    expect(statements.filter((s) => asList(s.Action).some((a) => a.startsWith('lambda:')))).toEqual([
      {
        Effect: 'Allow',
        Action: CALLBACK_ACTIONS,
        Resource: {
          'Fn::Sub':
            'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:durable-functions-ci-orderWorkflow:*',
        },
      },
    ]);
    expect(statements.filter((s) => asList(s.Action).some((a) => a.startsWith('dynamodb:')))).toEqual([
      {
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        Resource: { 'Fn::GetAtt': ['OrdersTable', 'Arn'] },
      },
    ]);
    for (const [id, role] of resourcesOfType(template, 'AWS::IAM::Role').filter(([id]) => id !== 'ReviewOrderRole'))
      expect({
        id,
        callbacks: statementsOf(role).some((s) => asList(s.Action).some((a) => CALLBACK_ACTIONS.includes(a))),
      }).toEqual({ id, callbacks: false });
  });

  it("waits a day for a reviewer, inside the execution's own timeout", () => {
    const env = (
      resource('OrderWorkflowLambdaFunction').Properties?.Environment as { Variables: Record<string, string> }
    ).Variables;
    const timeout = (resource('OrderWorkflowLambdaFunction').Properties?.DurableConfig as { ExecutionTimeout: number })
      .ExecutionTimeout;
    expect(env.REVIEW_TIMEOUT_SECONDS).toBe('86400');
    expect(timeout).toBeGreaterThan(Number(env.REVIEW_TIMEOUT_SECONDS));
  });
});
