import {
  GetDurableExecutionCommand,
  InvokeCommand,
  ListDurableExecutionsByFunctionCommand,
  type Execution,
  type LambdaClient,
} from '@aws-sdk/client-lambda';

export interface RedriveDurableOptions {
  lambda: LambdaClient;
  /** The durable function (name or ARN), and the qualifier its executions run under. */
  functionName: string;
  qualifier?: string;
}

/** Executions that ended without finishing their order: it is parked FAILED and waits for a redrive. */
const REDRIVABLE = new Set(['FAILED', 'TIMED_OUT']);
const REDRIVE_NAME = /^(.+)-redrive-(\d+)$/;

/**
 * Puts every order whose latest durable execution failed back into the pipeline: a new execution
 * named `<orderId>-redrive-<n>` with the same input (an execution name is used once). It starts
 * at validate; the steps, idempotent and resume-aware, answer "duplicate" for what the order
 * already did and resume at the step that failed. Orders whose latest execution still runs or
 * succeeded are left alone. Returns how many executions it started.
 *
 * @example
 * await redriveDurableExecutions({ lambda, functionName: 'durable-functions-dev-orderWorkflow', qualifier: 'durable' });
 */
export async function redriveDurableExecutions(options: RedriveDurableOptions): Promise<number> {
  const latest = new Map<string, { execution: Execution; redrives: number }>();
  for (const execution of await listExecutions(options)) {
    const name = execution.DurableExecutionName ?? '';
    const match = REDRIVE_NAME.exec(name);
    const orderName = match?.[1] ?? name;
    const redrives = match ? Number(match[2]) : 0;
    const seen = latest.get(orderName);
    if (!seen || redrives > seen.redrives) latest.set(orderName, { execution, redrives });
  }
  let started = 0;
  for (const [orderName, { execution, redrives }] of latest) {
    if (!REDRIVABLE.has(execution.Status ?? '')) continue;
    const { InputPayload } = await options.lambda.send(
      new GetDurableExecutionCommand({ DurableExecutionArn: execution.DurableExecutionArn }),
    );
    await options.lambda.send(
      new InvokeCommand({
        FunctionName: options.functionName,
        ...(options.qualifier ? { Qualifier: options.qualifier } : {}),
        InvocationType: 'Event',
        DurableExecutionName: `${orderName}-redrive-${redrives + 1}`,
        Payload: Buffer.from(InputPayload ?? '{}'),
      }),
    );
    started++;
  }
  return started;
}

async function listExecutions(options: RedriveDurableOptions): Promise<Execution[]> {
  const executions: Execution[] = [];
  let Marker: string | undefined;
  do {
    const page = await options.lambda.send(
      new ListDurableExecutionsByFunctionCommand({
        FunctionName: options.functionName,
        ...(options.qualifier ? { Qualifier: options.qualifier } : {}),
        ...(Marker ? { Marker } : {}),
        MaxItems: 1000,
      }),
    );
    executions.push(...(page.DurableExecutions ?? []));
    Marker = page.NextMarker;
  } while (Marker);
  return executions;
}
