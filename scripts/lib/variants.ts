import path from 'node:path';
import { PROJECT_ROOT, type OptionalService } from '../local-cloud/cloud.ts';
import type { HopType } from '../local-cloud/types.ts';

/** The implementations of the pipeline, each a service under services/. */
export const VARIANTS = [
  'sqs-chain',
  'eventbridge-flags',
  'step-functions',
  'durable-functions',
  'single-lambda',
] as const;
export type Variant = (typeof VARIANTS)[number];

/** Emulators a variant needs beyond DynamoDB, SQS and Lambda (which always run). */
export type OptionalEmulator = OptionalService;

/**
 * How a variant waits for a manual review (issue 13). A variant gets this field once its stack
 * parks big orders (its park / timeout code and its `ResumeReview` for the review API); until
 * then the main job leaves the workload's review orders out of its run and the report says so.
 */
export interface ReviewSupport {
  /** The AWS mechanism that holds a waiting order and fires its timeout, in one sentence (report). */
  mechanism: string;
  /** How an operator finds the orders waiting for review: what to run, in one sentence (report). */
  findWaiting: string;
  /**
   * Functions (serverless.yml keys) that run only because orders wait (the review API, a task
   * that parks): their Lambda GB-seconds are part of what a waiting order costs.
   */
  waitFunctions: readonly string[];
  /** Where the style cannot hold an order for the deployed timeout (Express: 5 min), said in the report. */
  limit?: string;
}

/** Run options a variant's deployment may depend on. */
export interface VariantRunOptions {
  sfnType?: 'standard' | 'express';
}

/** Where a redrive finds a deployed stack: locally (endpoints given) or on AWS. */
export interface RedriveContext {
  /** `<service>-<stage>-`: the stack's queues, bus, functions and state machine start with it. */
  prefix: string;
  region: string;
  /** The local cloud's endpoints (absent: the real AWS endpoints). */
  endpoints?: Partial<Record<'sqs' | 'eventbridge' | 'stepfunctions' | 'lambda', string>>;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** The account of ARNs the redrive has to build (the local cloud's; on AWS from the environment). */
  account?: string;
}

/** What a redrive did: a count per place it moved things from, and a sentence for people. */
export interface RedriveOutcome {
  moved: Record<string, number>;
  total: number;
  summary: string;
}

/**
 * Everything the scripts need to know about one variant, so that adding a variant is one entry
 * here (and its service folder), not a branch in each script.
 */
export interface VariantSpec {
  /** The emulators its stack needs. */
  emulators: readonly OptionalEmulator[];
  /** `--param` values of its serverless.yml for a run (the Step Functions workflow type). */
  params?(options: VariantRunOptions): Record<string, string>;
  /** Params for failure drills (a short visibility timeout, so a crashed consumer's work returns soon). */
  drillParams?: Record<string, string>;
  /**
   * The hop the AWS latency model prices for each of its handler hand-offs; absent when no
   * published figure exists for it (the report then says "not modelled").
   */
  hopType?(options: VariantRunOptions): HopType;
  /**
   * Hand-offs between functions per order when they are not one per step (the report and bench
   * otherwise count them from the timeline).
   */
  hopsPerOrder?: number;
  /**
   * The function (its key in serverless.yml) that retries steps in code, sleeping between attempts
   * inside its billed invocation: the light-load price adds those waits (scripts/measure/lambda-duration.ts).
   */
  inCodeRetries?: { functionKey: string };
  /** Where duplicate deliveries come from in the duplicates drill (besides invocations). */
  duplicateEvents?: boolean;
  /** What it loses locally in a crash, and what AWS does instead (README, drills). */
  crashNote: string;
  /** Its manual-review mechanism; absent: it has none yet (its runs skip review orders, the report says so). */
  review?: ReviewSupport;
  /**
   * Why this configuration of the variant cannot wait for a review at all (step-functions on
   * Express: five minutes at most, no callbacks), or undefined where it can. Its runs then leave
   * the review orders out, and the report says this instead of "no review mechanism yet".
   */
  reviewUnavailable?(options: VariantRunOptions): string | undefined;
  /** Puts every parked order of a deployed stack back into its pipeline. */
  redrive(context: RedriveContext): Promise<RedriveOutcome>;
}

function clientConfig(context: RedriveContext, endpoint: string | undefined) {
  return {
    region: context.region,
    ...(endpoint ? { endpoint } : {}),
    ...(context.endpoints && context.credentials ? { credentials: context.credentials } : {}),
  };
}

function outcome(moved: Record<string, number>, what: string): RedriveOutcome {
  const total = Object.values(moved).reduce((a, b) => a + b, 0);
  return { moved, total, summary: `${what}: ${total}` };
}

export const VARIANT_SPECS: Record<Variant, VariantSpec> = {
  'sqs-chain': {
    // EventBridge Scheduler: the one-time schedule that times a parked order's review out.
    emulators: ['scheduler'],
    drillParams: { visibilityTimeout: '3' },
    hopType: () => 'sqs',
    crashNote:
      'nothing: in-flight messages stay in the queue and reappear after their visibility timeout, locally as on AWS',
    review: {
      mechanism:
        'the order parks in DynamoDB (AWAITING_REVIEW); a one-time EventBridge Scheduler schedule named after the ' +
        'orderId puts its timeout on the compensate-order queue; the review API sends an approved order to the ' +
        'charge-payment queue and deletes the schedule. Nothing runs while it waits',
      findWaiting:
        'aws scheduler list-schedules --group-name sqs-chain-<stage>-reviews (one schedule per waiting order, named ' +
        'after it), or the orders table items with status AWAITING_REVIEW',
      waitFunctions: ['reviewOrder'],
    },
    async redrive(context) {
      const { SQSClient } = await import('@aws-sdk/client-sqs');
      const { findRedrivePairs, redriveQueues } = await import('./redrive.ts');
      const sqs = new SQSClient(clientConfig(context, context.endpoints?.sqs));
      try {
        return outcome(
          await redriveQueues(sqs, await findRedrivePairs(sqs, context.prefix)),
          'messages moved back to their queues',
        );
      } finally {
        sqs.destroy();
      }
    },
  },
  'eventbridge-flags': {
    // EventBridge Scheduler: the one-time schedule that times a parked order's review out.
    emulators: ['eventbridge', 'scheduler'],
    hopType: () => 'eventbridge',
    duplicateEvents: true,
    review: {
      mechanism:
        "the order parks in DynamoDB (AWAITING_REVIEW) and validate-order's flag says awaiting-review, so no event " +
        'goes out; a one-time EventBridge Scheduler schedule named after the orderId puts ReviewTimedOut on the bus ' +
        '(time-out-review cancels the order); the review API resolves the flag, puts OrderValidated (approve) or ' +
        'OrderStepFailed (reject) and deletes the schedule. Nothing runs while it waits',
      findWaiting:
        'aws scheduler list-schedules --group-name eventbridge-flags-<stage>-reviews (one schedule per waiting ' +
        'order, named after it), or the flags table items whose done:validate-order is awaiting-review',
      waitFunctions: ['reviewOrder', 'timeOutReview'],
    },
    crashNote:
      "locally the async-invocation retry queue lives in the local cloud process, so it survives a crash of the execution environments but not of that process; AWS keeps async events in Lambda's own durable queue (up to 6 h, 2 retries) and then the on-failure destination",
    async redrive(context) {
      const { SQSClient } = await import('@aws-sdk/client-sqs');
      const { EventBridgeClient } = await import('@aws-sdk/client-eventbridge');
      const { redriveEventBridge } = await import('./redrive-eventbridge.ts');
      const sqs = new SQSClient(clientConfig(context, context.endpoints?.sqs));
      const eventBridge = new EventBridgeClient(clientConfig(context, context.endpoints?.eventbridge));
      try {
        const moved = await redriveEventBridge({
          sqs,
          eventBridge,
          queuePrefix: context.prefix,
          eventBusName: `${context.prefix}orders`,
        });
        return outcome(moved, 'events put back on the bus');
      } finally {
        sqs.destroy();
        eventBridge.destroy();
      }
    },
  },
  'step-functions': {
    emulators: ['stepfunctions'],
    params: (options) => ({ type: (options.sfnType ?? 'standard').toUpperCase() }),
    review: {
      mechanism:
        'the execution waits in a .waitForTaskToken Task (AwaitReview, TimeoutSeconds = the review timeout) whose ' +
        'function parked the order AWAITING_REVIEW with the task token; the review API sends it back ' +
        '(SendTaskSuccess: on to ChargePayment; SendTaskFailure ReviewRejected) and States.Timeout records the ' +
        'timeout. No function runs and no transition is billed while it waits; Standard waits up to a year',
      findWaiting:
        'aws stepfunctions list-executions --state-machine-arn <arn> --status-filter RUNNING (the waiting ones sit ' +
        'in AwaitReview, named after the orderId), or the orders table items with status AWAITING_REVIEW',
      waitFunctions: ['reviewOrder', 'awaitReview', 'timeOutReview'],
    },
    reviewUnavailable: (options) =>
      options.sfnType === 'express'
        ? 'Express: cannot wait for review (5-minute limit); Express has no .waitForTaskToken, so the Express ' +
          'workflow refuses review orders (REJECTED, ReviewUnavailableError): run them on the Standard workflow'
        : undefined,
    hopType: (options) => (options.sfnType === 'express' ? 'sfn-express' : 'sfn-standard'),
    crashNote:
      'locally executions live in memory: a crashed task fails with Sandbox.Crashed, the execution ends FAILED in that state and a redrive (RedriveExecution) resumes it there; a crash of the local cloud process loses running executions. AWS persists Standard executions and retries the task per the definition (Express: at-least-once, in-memory for its 5 minutes)',
    async redrive(context) {
      const { SFNClient } = await import('@aws-sdk/client-sfn');
      const { redriveStepFunctions } = await import('./redrive-step-functions.ts');
      const account = context.account ?? process.env.AWS_ACCOUNT_ID;
      const stateMachineArn = account
        ? `arn:aws:states:${context.region}:${account}:stateMachine:${context.prefix}order-pipeline`
        : (process.env.STATE_MACHINE_ARN ?? '');
      if (!stateMachineArn) throw new Error('against AWS, set STATE_MACHINE_ARN (from `sls info --verbose`)');
      const sfn = new SFNClient({
        ...clientConfig(context, context.endpoints?.stepfunctions),
        disableHostPrefix: Boolean(context.endpoints),
      });
      try {
        const redriven = await redriveStepFunctions({ sfn, stateMachineArn });
        return outcome({ [stateMachineArn]: redriven }, 'failed executions redriven');
      } finally {
        sfn.destroy();
      }
    },
  },
  'durable-functions': {
    emulators: [],
    // One async invoke starts the execution; its steps run in the function, checkpointed through
    // the Lambda API. No published per-step latency exists for durable functions: not modelled.
    hopsPerOrder: 1,
    review: {
      mechanism:
        'the saga waits in context.waitForCallback (timeout = the review timeout), whose submitter parked the ' +
        'order AWAITING_REVIEW with the callback id; the invocation ends while it waits (no compute billed) and ' +
        'the review API completes the callback (SendDurableExecutionCallbackSuccess / Failure), which invokes ' +
        'the function again to replay its log and go on; the timeout records ReviewTimedOut',
      findWaiting:
        'aws lambda list-durable-executions-by-function --function-name durable-functions-<stage>-orderWorkflow ' +
        '--statuses RUNNING (executions named after the orderId), or the orders table items with status ' +
        'AWAITING_REVIEW',
      waitFunctions: ['reviewOrder'],
    },
    crashNote:
      'the killed invocation is invoked again and replays its checkpoint log: completed steps return their recorded results without running, and only the interrupted step runs again. Locally executions and their logs live in the local cloud process (a crash of that process loses them); AWS persists them for retentionPeriodInDays',
    async redrive(context) {
      const { LambdaClient } = await import('@aws-sdk/client-lambda');
      const { redriveDurableExecutions } = await import('./redrive-durable.ts');
      const lambda = new LambdaClient(clientConfig(context, context.endpoints?.lambda));
      try {
        // The orchestrator runs behind its `durable` alias (osls publishes durable functions so).
        const functionName = `${context.prefix}orderWorkflow`;
        const started = await redriveDurableExecutions({ lambda, functionName, qualifier: 'durable' });
        return outcome({ [functionName]: started }, 'failed durable executions started anew');
      } finally {
        lambda.destroy();
      }
    },
  },
  'single-lambda': {
    // EventBridge Scheduler: the one-time schedule that times a parked order's review out.
    emulators: ['scheduler'],
    // One async invoke carries the whole order (API -> processOrder); the steps call each other in
    // process. AWS publishes no delay figure for a direct async invoke (the EventBridge figure
    // includes the bus), so its modelled latency says "not modelled" rather than guess one.
    hopsPerOrder: 1,
    // Its steps retry in code (shared/domain/retry-policy.ts): the backoff sleeps are billed duration.
    inCodeRetries: { functionKey: 'processOrder' },
    crashNote:
      "the crashed invocation fails with Sandbox.Crashed and Lambda's async retry runs the whole order again from validate; the idempotent steps answer duplicate for what it already did. Locally the async queue lives in the local cloud process; AWS keeps it in Lambda's own durable queue (up to 6 h, 2 retries), then the on-failure destination",
    review: {
      mechanism:
        'the run parks the order in DynamoDB (AWAITING_REVIEW) and ends; a one-time EventBridge Scheduler schedule ' +
        'named after the orderId invokes the order function at the timeout (it cancels the order); the review API ' +
        'invokes it again (async) on approval, a second run that goes on from charge-payment with the same retries ' +
        'and compensations, and deletes the schedule. Nothing runs while it waits',
      findWaiting:
        'aws scheduler list-schedules --group-name single-lambda-<stage>-reviews (one schedule per waiting order, ' +
        'named after it), or the orders table items with status AWAITING_REVIEW',
      waitFunctions: ['reviewOrder'],
      limit:
        'one invocation lasts 15 minutes at most, so the order cannot wait for a reviewer inside it: the run parks ' +
        'the order and ends, and the approval starts a second invocation (the saga is split in two runs)',
    },
    async redrive(context) {
      const { SQSClient } = await import('@aws-sdk/client-sqs');
      const { LambdaClient } = await import('@aws-sdk/client-lambda');
      const { redriveLambdaDestinations } = await import('./redrive-lambda.ts');
      const sqs = new SQSClient(clientConfig(context, context.endpoints?.sqs));
      const lambda = new LambdaClient(clientConfig(context, context.endpoints?.lambda));
      try {
        const moved = await redriveLambdaDestinations({ sqs, lambda, queuePrefix: context.prefix });
        return outcome(moved, 'failed invocations invoked again');
      } finally {
        sqs.destroy();
        lambda.destroy();
      }
    },
  },
};

export function specOf(variant: Variant): VariantSpec {
  return VARIANT_SPECS[variant];
}

export function serviceDir(variant: Variant): string {
  return path.join(PROJECT_ROOT, 'services', variant);
}

/** The emulators a set of variants needs, for `startLocalCloud({ optional })`. */
export function emulatorsFor(variants: readonly Variant[]): OptionalEmulator[] {
  return [...new Set(variants.flatMap((v) => VARIANT_SPECS[v].emulators))];
}

/** `--param=k=v` arguments of `sls package` for a variant's run options. */
export function packageArgs(variant: Variant, options: VariantRunOptions = {}): string[] {
  return Object.entries(VARIANT_SPECS[variant].params?.(options) ?? {}).map(([k, v]) => `--param=${k}=${v}`);
}

export function parseVariant(name: string): Variant {
  if ((VARIANTS as readonly string[]).includes(name)) return name as Variant;
  throw new Error(`unknown variant "${name}": choose one of ${VARIANTS.join(', ')}`);
}

export function parseVariantList(list: string): Variant[] {
  return list
    .split(',')
    .map((v) => parseVariant(v.trim()))
    .filter((v, i, all) => all.indexOf(v) === i);
}

/** The review mechanism a variant runs with these options, or why it has none (see VariantSpec). */
export function reviewOf(
  variant: Variant,
  options: VariantRunOptions = {},
): { review?: ReviewSupport; unavailable?: string } {
  const spec = VARIANT_SPECS[variant];
  const unavailable = spec.reviewUnavailable?.(options);
  if (unavailable) return { unavailable };
  return spec.review ? { review: spec.review } : {};
}
