import {
  ListExecutionsCommand,
  RedriveExecutionCommand,
  type ExecutionListItem,
  type ExecutionStatus,
  type SFNClient,
} from '@aws-sdk/client-sfn';

export interface RedriveStepFunctionsOptions {
  sfn: SFNClient;
  stateMachineArn: string;
}

/**
 * Executions that ran out: the order they carry is parked FAILED and waits for a redrive. An
 * ABORTED one was stopped by someone on purpose (StopExecution): left alone.
 */
const REDRIVABLE: readonly ExecutionStatus[] = ['FAILED', 'TIMED_OUT'];

/**
 * Redrives every failed (or timed-out) execution of the machine with AWS's RedriveExecution: the
 * execution resumes in the state that failed, with the input that state had, and the states that
 * succeeded are not run again (nothing is charged twice). The order's step, parked FAILED on its
 * last attempt, resumes from where the order stood (`resumeStatus`). Works the same on AWS and on
 * the local Step Functions. Returns how many executions it redrove.
 *
 * An execution redriven by someone else since we listed it is RUNNING again and answers
 * ExecutionNotRedrivable: once is enough, so it is skipped.
 *
 * @example
 * await redriveStepFunctions({ sfn: new SFNClient({}), stateMachineArn });
 */
export async function redriveStepFunctions({ sfn, stateMachineArn }: RedriveStepFunctionsOptions): Promise<number> {
  let redriven = 0;
  for (const statusFilter of REDRIVABLE) {
    for (const execution of await listExecutions(sfn, stateMachineArn, statusFilter)) {
      if (!execution.executionArn) continue;
      try {
        await sfn.send(new RedriveExecutionCommand({ executionArn: execution.executionArn }));
        redriven++;
      } catch (error) {
        if ((error as Error).name !== 'ExecutionNotRedrivable') throw error;
      }
    }
  }
  return redriven;
}

async function listExecutions(
  sfn: SFNClient,
  stateMachineArn: string,
  statusFilter: ExecutionStatus,
): Promise<ExecutionListItem[]> {
  const executions: ExecutionListItem[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn, statusFilter, nextToken, maxResults: 1000 }),
    );
    executions.push(...(page.executions ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return executions;
}
