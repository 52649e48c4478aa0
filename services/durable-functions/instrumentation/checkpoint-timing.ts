import {
  type AttemptInfo,
  type CheckpointDurableExecutionRequest,
  type CheckpointDurableExecutionResponse,
  DurableExecutionApiClient,
  type DurableExecutionClient,
  type DurableExecutionConfig,
  type DurableInstrumentationPlugin,
  type DurableLogger,
  type GetDurableExecutionStateRequest,
  type GetDurableExecutionStateResponse,
  type InvocationInfo,
} from '@aws/durable-execution-sdk-js';
import { recordTiming } from '#observability/usage';

/*
 * Measurement, not orchestration (kept out of lib/, whose lines count as the variant's
 * orchestration code): what checkpointing costs the durable function, timed from the inside.
 * No published per-step latency exists for durable functions, so the report shows these local
 * figures and labels the AWS figure "not modelled".
 */

/**
 * The SDK's own transport (`DurableExecutionApiClient`, its default Lambda client), timed: each
 * `CheckpointDurableExecution` and `GetDurableExecutionState` round trip as the function waits for
 * it. Errors pass through unwrapped, so the SDK still classifies them as it would without us.
 */
export class TimedDurableTransport implements DurableExecutionClient {
  constructor(private readonly inner: DurableExecutionClient = new DurableExecutionApiClient()) {}

  async checkpoint(
    params: CheckpointDurableExecutionRequest,
    logger?: DurableLogger,
  ): Promise<CheckpointDurableExecutionResponse> {
    const started = performance.now();
    try {
      return await this.inner.checkpoint(params, logger);
    } finally {
      recordTiming('durableCheckpointMs', performance.now() - started, checkpointLabel(params));
    }
  }

  async getExecutionState(
    params: GetDurableExecutionStateRequest,
    logger?: DurableLogger,
  ): Promise<GetDurableExecutionStateResponse> {
    const started = performance.now();
    try {
      return await this.inner.getExecutionState(params, logger);
    } finally {
      recordTiming('durableStateReadMs', performance.now() - started);
    }
  }
}

/**
 * Times, through the SDK's instrumentation hooks, the two things checkpointing is compared with:
 * each step body it ran (the same domain step, without checkpointing), and the replay at the
 * start of a re-invocation (the handler running again over its checkpoint log until the first
 * step runs again, or the invocation ends).
 */
export class StepTimingPlugin implements DurableInstrumentationPlugin {
  private replayStartedAt: number | undefined;

  async onInvocationStart(info: InvocationInfo): Promise<void> {
    this.replayStartedAt = info.isFirstInvocation ? undefined : performance.now();
  }

  async onOperationAttemptStart(_info: AttemptInfo): Promise<void> {
    this.endReplay();
  }

  async onInvocationEnd(): Promise<void> {
    this.endReplay();
  }

  wrapOperationAttemptFn(info: AttemptInfo, fn: () => unknown): unknown {
    const started = performance.now();
    const done = () => recordTiming('durableStepMs', performance.now() - started, info.name);
    try {
      const result = fn();
      if (result instanceof Promise) return result.finally(done);
      done();
      return result;
    } catch (error) {
      done();
      throw error;
    }
  }

  private endReplay(): void {
    if (this.replayStartedAt === undefined) return;
    recordTiming('durableReplayMs', performance.now() - this.replayStartedAt);
    this.replayStartedAt = undefined;
  }
}

/**
 * `withDurableExecution`'s configuration with both: the timed transport and the step timings.
 *
 * @example
 * export const handler = withDurableExecution(createOrderSaga(steps), timedCheckpoints());
 */
export function timedCheckpoints(): DurableExecutionConfig {
  return { durableExecutionClient: new TimedDurableTransport(), plugins: [new StepTimingPlugin()] };
}

/** The steps a checkpoint carried and what it did to each: `charge-payment:SUCCEED`. */
function checkpointLabel(params: CheckpointDurableExecutionRequest): string | undefined {
  const parts = (params.Updates ?? []).map((u) => `${u.Name ?? u.Type ?? '?'}:${u.Action ?? '?'}`);
  return parts.length > 0 ? parts.join(',') : undefined;
}
