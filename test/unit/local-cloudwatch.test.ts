import { CloudFormationClient, DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import {
  CloudWatchClient,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  ListMetricsCommand,
} from '@aws-sdk/client-cloudwatch';
import { startCloudFormationView } from '#cloud/cloudformation/server';
import { MetricStore } from '#cloud/cloudwatch/metric-store';
import { startCloudWatch, type CloudWatchServer } from '#cloud/cloudwatch/server';
import { countTransitions, getRouteFunctions } from '#lib/stack-counts';

const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

describe('the local CloudWatch, through the AWS SDK v3', () => {
  const store = new MetricStore();
  let server: CloudWatchServer;
  let cw: CloudWatchClient;
  beforeAll(async () => {
    for (let i = 0; i < 90; i++)
      store.put({
        namespace: 'AWS/Lambda',
        metricName: 'Invocations',
        dimensions: { FunctionName: 'f' },
        value: 1,
        atMs: T0 + i * 1000,
      });
    store.put({
      namespace: 'AWS/Lambda',
      metricName: 'Invocations',
      dimensions: { FunctionName: 'g' },
      value: 5,
      atMs: T0,
    });
    server = await startCloudWatch({ port: 0, store });
    cw = new CloudWatchClient({ region: 'us-east-1', endpoint: server.url, credentials });
  });
  afterAll(async () => {
    cw.destroy();
    await server.stop();
  });

  it("sums a function's invocations per period over the window asked for, newest first by default", async () => {
    const { MetricDataResults } = await cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(T0 + 30_000),
        EndTime: new Date(T0 + 3_600_000),
        MetricDataQueries: [
          {
            Id: 'inv',
            MetricStat: {
              Metric: {
                Namespace: 'AWS/Lambda',
                MetricName: 'Invocations',
                Dimensions: [{ Name: 'FunctionName', Value: 'f' }],
              },
              Period: 60,
              Stat: 'Sum',
            },
          },
        ],
      }),
    );
    const [result] = MetricDataResults ?? [];
    expect(result?.Values).toEqual([30, 30]);
    expect(result?.Timestamps?.map((t) => t.getTime())).toEqual(
      [T0 + 60_000, T0 + 30_000].map((t) => Math.floor(t / 60_000) * 60_000),
    );
    expect(result?.StatusCode).toBe('Complete');
  });

  it('lists the metrics that have data, filtered by dimension', async () => {
    const { Metrics } = await cw.send(
      new ListMetricsCommand({ Namespace: 'AWS/Lambda', Dimensions: [{ Name: 'FunctionName', Value: 'g' }] }),
    );
    expect(Metrics).toEqual([
      { Namespace: 'AWS/Lambda', MetricName: 'Invocations', Dimensions: [{ Name: 'FunctionName', Value: 'g' }] },
    ]);
  });

  it('refuses a bad statistic as CloudWatch does, naming the field', async () => {
    await expect(
      cw.send(
        new GetMetricDataCommand({
          StartTime: new Date(T0),
          EndTime: new Date(T0 + 60_000),
          MetricDataQueries: [
            {
              Id: 'x',
              MetricStat: { Metric: { Namespace: 'AWS/Lambda', MetricName: 'Invocations' }, Period: 60, Stat: 'p101' },
            },
          ],
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException', message: expect.stringContaining('Stat') });
  });

  it("answers a function's p50 Duration over a window in one period, as the load test reads its light-load durations", async () => {
    // 11 invocations over two minutes: 1..10 ms and one slow cold start; the median is 6 ms.
    const durations = [200, 3, 9, 1, 7, 5, 2, 10, 4, 8, 6];
    durations.forEach((value, i) =>
      store.put({
        namespace: 'AWS/Lambda',
        metricName: 'Duration',
        dimensions: { FunctionName: 'h' },
        value,
        unit: 'Milliseconds',
        atMs: T0 + 50_000 + i * 7_000,
      }),
    );
    const query = (stat: string) => ({
      Id: stat.toLowerCase(),
      MetricStat: {
        Metric: { Namespace: 'AWS/Lambda', MetricName: 'Duration', Dimensions: [{ Name: 'FunctionName', Value: 'h' }] },
        Period: 180,
        Stat: stat,
      },
    });
    const { MetricDataResults } = await cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(T0 + 50_000),
        EndTime: new Date(T0 + 130_000),
        MetricDataQueries: [query('p50'), query('Maximum'), query('SampleCount')],
      }),
    );
    expect(MetricDataResults?.map((r) => [r.Id, r.Values])).toEqual([
      ['p50', [6]],
      ['maximum', [200]],
      ['samplecount', [11]],
    ]);
    const stats = await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: 'AWS/Lambda',
        MetricName: 'Duration',
        Dimensions: [{ Name: 'FunctionName', Value: 'h' }],
        StartTime: new Date(T0 + 50_000),
        EndTime: new Date(T0 + 130_000),
        Period: 180,
        ExtendedStatistics: ['p50', 'p90'],
      }),
    );
    expect(stats.Datapoints?.map((d) => d.ExtendedStatistics)).toEqual([{ p50: 6, p90: 10 }]);
  });
});

describe('the local CloudFormation view', () => {
  it("describes a stack's resources with their physical ids and types, and refuses an unknown stack", async () => {
    const view = await startCloudFormationView({
      port: 0,
      region: 'us-east-1',
      account: '000000000000',
      stacks: () => [
        {
          name: 'sqs-chain-local',
          createdAt: new Date(T0),
          resources: [{ logicalId: 'OrdersTable', physicalId: 'sqs-chain-local-orders', type: 'AWS::DynamoDB::Table' }],
          outputs: {},
        },
      ],
    });
    const cfn = new CloudFormationClient({ region: 'us-east-1', endpoint: view.url, credentials });
    try {
      const { StackResources } = await cfn.send(new DescribeStackResourcesCommand({ StackName: 'sqs-chain-local' }));
      expect(StackResources?.map((r) => [r.LogicalResourceId, r.PhysicalResourceId, r.ResourceType])).toEqual([
        ['OrdersTable', 'sqs-chain-local-orders', 'AWS::DynamoDB::Table'],
      ]);
      await expect(cfn.send(new DescribeStackResourcesCommand({ StackName: 'nope' }))).rejects.toMatchObject({
        name: 'ValidationError',
        message: 'Stack with id nope does not exist',
      });
    } finally {
      cfn.destroy();
      await view.stop();
    }
  });
});

describe('counting what no metric counts', () => {
  it("counts a Standard execution's transitions from its history: each state entered, and each retry", () => {
    const history = [
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionFailed',
      'LambdaFunctionScheduled',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'SucceedStateEntered',
      'ExecutionSucceeded',
    ].map((type) => ({ type }));
    expect(countTransitions(history)).toBe(4);
  });

  it('finds the function behind a GET route of a packaged template', () => {
    const template = {
      Resources: {
        GetOrderLambdaFunction: { Type: 'AWS::Lambda::Function' },
        HttpApiIntegrationGetOrder: {
          Type: 'AWS::ApiGatewayV2::Integration',
          Properties: { IntegrationUri: { 'Fn::GetAtt': ['GetOrderLambdaFunction', 'Arn'] } },
        },
        HttpApiRouteGetOrdersOrderidVar: {
          Type: 'AWS::ApiGatewayV2::Route',
          Properties: {
            RouteKey: 'GET /orders/{orderId}',
            Target: { 'Fn::Join': ['/', ['integrations', { Ref: 'HttpApiIntegrationGetOrder' }]] },
          },
        },
      },
    };
    expect(getRouteFunctions(template)).toEqual(['GetOrderLambdaFunction']);
  });
});
