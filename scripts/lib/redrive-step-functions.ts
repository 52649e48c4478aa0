import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  StartExecutionCommand,
  type ExecutionListItem,
  type SFNClient,
} from '@aws-sdk/client-sfn';

export interface RedriveStepFunctionsOptions {
  sfn: SFNClient;
  stateMachineArn: string;
}

/** Executions that ran out: the order they carry is parked FAILED and waits for a redrive. */
const REDRIVABLE = new Set(['FAILED', 'TIMED_OUT']);
const REDRIVE_NAME = /^(.+)-redrive-(\d+)$/;

/**
 * Puts every order whose latest execution failed back into the pipeline: a new execution named
 * `<orderId>-redrive-<n>` with the same input. It starts again at ValidateOrder, and the steps,
 * idempotent and resume-aware, answer "duplicate" for what the order already did and resume at
 * the step that failed (the order remembers it in `resumeStatus`). Returns how many it started.
 *
 * Why not AWS's RedriveExecution: it resumes an execution at the state that failed, and ours fail
 * on purpose in the OrderFailed Fail state after FailOrder has parked the order, so a redrive
 * would fail again at once; it exists only for Standard machines; and the local Step Functions
 * (aws-local-stepfunctions) has no redrive. A new execution works on AWS and locally alike.
 *
 * Orders are grouped by execution name (`<orderId>` and `<orderId>-redrive-<n>`), so an order
 * that failed again after a redrive is restarted once, not once per failed execution; an order
 * whose latest execution still runs or succeeded is left alone.
 *
 * @example
 * await redriveStepFunctions({ sfn: new SFNClient({}), stateMachineArn });
 */
export async function redriveStepFunctions({ sfn, stateMachineArn }: RedriveStepFunctionsOptions): Promise<number> {
  const latest = new Map<string, { execution: ExecutionListItem; redrives: number }>();
  for (const execution of await listExecutions(sfn, stateMachineArn)) {
    const name = execution.name ?? '';
    const match = REDRIVE_NAME.exec(name);
    const orderId = match?.[1] ?? name;
    const redrives = Number(match?.[2] ?? 0);
    const seen = latest.get(orderId);
    if (!seen || redrives > seen.redrives) latest.set(orderId, { execution, redrives });
  }
  let started = 0;
  for (const [orderId, { execution, redrives }] of latest) {
    if (!REDRIVABLE.has(execution.status ?? '') || !execution.executionArn) continue;
    const { input } = await sfn.send(new DescribeExecutionCommand({ executionArn: execution.executionArn }));
    try {
      await sfn.send(
        new StartExecutionCommand({
          stateMachineArn,
          name: `${orderId}-redrive-${redrives + 1}`,
          input: input ?? '{}',
        }),
      );
      started++;
    } catch (error) {
      // Someone redrove this order since we listed: once is enough.
      if ((error as Error).name !== 'ExecutionAlreadyExists') throw error;
    }
  }
  return started;
}

async function listExecutions(sfn: SFNClient, stateMachineArn: string): Promise<ExecutionListItem[]> {
  const executions: ExecutionListItem[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn, nextToken, maxResults: 1000 }));
    executions.push(...(page.executions ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return executions;
}
