/**
 * Run in a child process by stopped-emulator.test.ts. Starts the local Step Functions, leaves
 * tasks running where only the emulator can end them, stops what a user stops, and prints what
 * the SDK saw as one JSON line. It never calls process.exit: the process must end on its own once
 * the emulator is stopped, or it holds a timer, socket or handle it should have released.
 */
import {
  DescribeExecutionCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
  TestStateCommand,
} from '@aws-sdk/client-sfn';
import type { LambdaInvoker } from '#cloud/types';
import { startStepFunctions } from '#cloud/stepfunctions/server';

const tokens = new Map<string, string>();
const invoker: LambdaInvoker = {
  async invoke(functionRef, event, options) {
    options?.onStart?.();
    const { orderId, token } = (event ?? {}) as { orderId?: string; token?: string };
    if (functionRef === 'request-review' && orderId && token) {
      tokens.set(orderId, token);
      return { accepted: true };
    }
    // `stuck` never answers: a Lambda task still running when its execution ends.
    return new Promise(() => {});
  },
  async invokeAsync() {},
};

const server = await startStepFunctions({ port: 0, invoker });
const sfn = new SFNClient({
  endpoint: server.url,
  region: 'us-east-1',
  credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  disableHostPrefix: true,
});

// The manual-review wait, with AWS-sized heartbeat and timeout: timers of an hour and more.
const review = server.createStateMachine({
  name: 'manual-review',
  definition: {
    StartAt: 'ManualReview',
    States: {
      ManualReview: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: {
          FunctionName: 'request-review',
          Payload: { 'orderId.$': '$.orderId', 'token.$': '$$.Task.Token' },
        },
        HeartbeatSeconds: 3600,
        TimeoutSeconds: 86_400,
        End: true,
      },
    },
  },
});
const stuck = server.createStateMachine({
  name: 'stuck-charge',
  definition: {
    StartAt: 'ChargePayment',
    States: {
      ChargePayment: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: 'stuck' },
        End: true,
      },
    },
  },
});

async function start(stateMachineArn: string, orderId: string): Promise<string> {
  const { executionArn = '' } = await sfn.send(
    new StartExecutionCommand({ stateMachineArn, name: orderId, input: JSON.stringify({ orderId }) }),
  );
  return executionArn;
}

async function tokenOf(orderId: string): Promise<string> {
  while (!tokens.has(orderId)) await new Promise((resolve) => setTimeout(resolve, 10));
  return tokens.get(orderId) ?? '';
}

const statusOf = async (executionArn: string) =>
  (await sfn.send(new DescribeExecutionCommand({ executionArn }))).status;

// 1. StopExecution while the task waits for its token.
const stopped = await start(review, 'o-stopped');
const stoppedToken = await tokenOf('o-stopped');
await sfn.send(new StopExecutionCommand({ executionArn: stopped, error: 'Operator', cause: 'cancelled by hand' }));
await server.idle();
const stoppedStatus = await statusOf(stopped);
const lateSuccess = await sfn.send(new SendTaskSuccessCommand({ taskToken: stoppedToken, output: '{}' })).then(
  () => 'accepted',
  (error: Error) => error.name,
);

// 2. and 3. Still running when the emulator stops: one waiting for its token, one in a Lambda.
const waiting = await start(review, 'o-waiting');
await tokenOf('o-waiting');
const running = await start(stuck, 'o-stuck');
while (server.executionHistory(running).every((event) => event.type !== 'TaskStarted'))
  await new Promise((resolve) => setTimeout(resolve, 10));
// 4. A TestState of the review step: its task waits for a token nobody sends.
const testing = sfn
  .send(
    new TestStateCommand({
      definition: JSON.stringify({
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: { FunctionName: 'request-review', Payload: { orderId: 'o-tested', 'token.$': '$$.Task.Token' } },
        End: true,
      }),
      roleArn: 'arn:aws:iam::000000000000:role/review',
    }),
  )
  // The emulator stopping is no state result: the call fails rather than answer a made-up status.
  .then(
    (answer) => `answered ${answer.status} ${answer.error}`,
    () => 'refused',
  );
await tokenOf('o-tested');
const before = { waiting: await statusOf(waiting), running: await statusOf(running) };

await server.stop();
const testState = await testing;
sfn.destroy();
// The emulator is down: the last history event says how each execution ended.
const lastEvent = (executionArn: string) => server.executionHistory(executionArn).at(-1)?.type;
console.log(
  JSON.stringify({
    stopped: { status: stoppedStatus, lateSuccess },
    before,
    after: { waiting: lastEvent(waiting), running: lastEvent(running), stillRunning: server.running(), testState },
  }),
);
