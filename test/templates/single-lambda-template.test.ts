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
