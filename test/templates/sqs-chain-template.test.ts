import { findBreaches, packageService, resourcesOfType, statementsOf, type CfnTemplate } from '../helpers/template.ts';

let template: CfnTemplate;

beforeAll(async () => {
  template = await packageService('sqs-chain');
}, 120_000);

describe('sqs-chain packaged template', () => {
  it('breaks none of the deploy rules', () => {
    expect(findBreaches(template)).toEqual([]);
  });

  it('gives every step queue a DLQ with the configured maxReceiveCount and SSE', () => {
    const queues = resourcesOfType(template, 'AWS::SQS::Queue').filter(([id]) => id.endsWith('Queue'));
    expect(queues.map(([id]) => id).sort()).toEqual([
      'ChargePaymentQueue',
      'CompensateOrderQueue',
      'ReserveInventoryQueue',
      'SendConfirmationQueue',
      'ValidateOrderQueue',
    ]);
    for (const [, queue] of queues) {
      expect(queue.Properties?.RedrivePolicy).toMatchObject({
        maxReceiveCount: 3,
        deadLetterTargetArn: { 'Fn::GetAtt': [expect.stringMatching(/Dlq$/), 'Arn'] },
      });
      expect(queue.Properties?.SqsManagedSseEnabled).toBe(true);
    }
  });

  it('lets each function touch only its own queues and tables', () => {
    const roleOf = (fn: string) => template.Resources[`${fn}Role`]!;
    const resourcesNamed = (fn: string) =>
      JSON.stringify(
        statementsOf(roleOf(fn))
          .filter((s) => s.Resource !== '*')
          .map((s) => s.Resource),
      );
    expect(resourcesNamed('ChargePayment')).not.toContain('InventoryTable');
    expect(resourcesNamed('ChargePayment')).not.toContain('ValidateOrderQueue');
    expect(resourcesNamed('ReserveInventory')).not.toContain('LedgerTable');
    expect(resourcesNamed('GetOrder')).not.toMatch(/Queue|InventoryTable|LedgerTable/);
    expect(JSON.stringify(statementsOf(roleOf('GetOrder')))).not.toMatch(/PutItem|UpdateItem/);
    expect(resourcesNamed('PlaceOrder')).toContain('ValidateOrderQueue');
    expect(resourcesNamed('PlaceOrder')).not.toContain('ChargePaymentQueue');
  });

  it('consumes every step queue with partial batch responses', () => {
    const mappings = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(5);
    for (const [, mapping] of mappings)
      expect(mapping.Properties?.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
  });
});

describe('sqs-chain manual review', () => {
  it('serves POST /orders/{orderId}/review with IAM authorization', () => {
    const keys = resourcesOfType(template, 'AWS::ApiGatewayV2::Route').map(([, r]) => [
      r.Properties?.RouteKey,
      r.Properties?.AuthorizationType,
    ]);
    expect(keys).toContainEqual(['POST /orders/{orderId}/review', 'AWS_IAM']);
  });

  it('fires each timeout through a schedule role that may only send to the compensate-order queue', () => {
    expect(resourcesOfType(template, 'AWS::Scheduler::ScheduleGroup')).toHaveLength(1);
    const role = template.Resources.ReviewTimeoutScheduleRole!;
    expect(JSON.stringify(role.Properties?.AssumeRolePolicyDocument)).toContain('scheduler.amazonaws.com');
    expect(statementsOf(role)).toEqual([
      {
        Effect: 'Allow',
        Action: ['sqs:SendMessage'],
        Resource: [{ 'Fn::GetAtt': ['CompensateOrderQueue', 'Arn'] }, { 'Fn::GetAtt': ['CompensateOrderDlq', 'Arn'] }],
      },
    ]);
  });

  it('lets only validate-order create schedules and pass their role, and only the review API delete them', () => {
    const actionsOf = (fn: string) =>
      statementsOf(template.Resources[`${fn}Role`]!).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    const roles = resourcesOfType(template, 'AWS::IAM::Role').map(([id]) => id.replace(/Role$/, ''));
    for (const fn of roles.filter((r) => r !== 'ReviewTimeoutSchedule')) {
      expect({ fn, create: actionsOf(fn).includes('scheduler:CreateSchedule') }).toEqual({
        fn,
        create: fn === 'ValidateOrder',
      });
      expect({ fn, pass: actionsOf(fn).includes('iam:PassRole') }).toEqual({ fn, pass: fn === 'ValidateOrder' });
      expect({ fn, del: actionsOf(fn).includes('scheduler:DeleteSchedule') }).toEqual({
        fn,
        del: fn === 'ReviewOrder',
      });
    }
    const passRole = statementsOf(template.Resources.ValidateOrderRole!).find((s) =>
      s.Action?.includes('iam:PassRole'),
    );
    expect(passRole).toMatchObject({
      Resource: { 'Fn::GetAtt': ['ReviewTimeoutScheduleRole', 'Arn'] },
      Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
    });
  });

  it('waits a day for a reviewer on AWS', () => {
    const fn = template.Resources.ValidateOrderLambdaFunction!;
    expect(JSON.stringify(fn.Properties?.Environment)).toContain('"REVIEW_TIMEOUT_SECONDS":"86400"');
  });
});

describe('the template rules themselves', () => {
  it('name each breach they find', () => {
    const broken = structuredClone(template);
    delete broken.Resources.ValidateOrderQueue!.Properties!.SqsManagedSseEnabled;
    delete broken.Resources.ChargePaymentQueue!.Properties!.RedrivePolicy;
    (broken.Resources.OrdersTable!.Properties!.SSESpecification as { SSEEnabled: boolean }).SSEEnabled = false;
    const policy = (
      broken.Resources.GetOrderRole!.Properties!.Policies as Array<{ PolicyDocument: { Statement: unknown[] } }>
    )[0]!;
    policy.PolicyDocument.Statement.push({ Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' });
    broken.Resources.Ghost = { Type: 'AWS::SQS::QueuePolicy', Properties: { Queues: [{ Ref: 'NoSuchQueue' }] } };
    expect(findBreaches(broken)).toEqual(
      expect.arrayContaining([
        'queue ValidateOrderQueue has no SSE',
        'queue ChargePaymentQueue has no DLQ (RedrivePolicy)',
        'table OrdersTable has no SSE',
        'role GetOrderRole grants a wildcard action: dynamodb:*',
        'role GetOrderRole grants dynamodb:* on "*"',
        'unresolved reference: Ref NoSuchQueue',
      ]),
    );
  });
});

describe('opening a stage', () => {
  it('leaves the routes without IAM authorization only when openApi=true is passed, and findBreaches says so', async () => {
    const open = await packageService('sqs-chain', ['--param=openApi=true']);
    const routes = resourcesOfType(open, 'AWS::ApiGatewayV2::Route');
    expect(routes.length).toBe(3);
    for (const [, route] of routes) expect(route.Properties?.AuthorizationType).toBeUndefined();
    expect(findBreaches(open)).toEqual(
      expect.arrayContaining([expect.stringMatching(/route HttpApiRoutePostOrders .* does not require IAM/)]),
    );
    expect(
      resourcesOfType(template, 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties?.AuthorizationType),
    ).toEqual(['AWS_IAM', 'AWS_IAM', 'AWS_IAM']);
  }, 120_000);
});
