/**
 * One Lambda "execution environment": a worker thread with the function's own environment
 * variables (workers get a private process.env), its bundled handler imported once (the Init
 * phase of a cold start), then one invocation at a time over messages. It says `start` when the
 * handler begins (after Init: the timeout counts from there) and `end` with the outcome.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import module from 'node:module';

interface WorkerConfig {
  /** 1 while a failure drill may crash environments at fault points (shared by all environments). */
  faultsArmed: Int32Array;
  /** This environment's answer slot at a fault point: the runtime writes 1 (go on) or 2 (crash). */
  decision: Int32Array;
  bundlePath: string;
  /** Where V8's compile cache of the bundle (and of what it loads from node_modules) is kept. */
  compileCacheDir: string;
  exportName: string;
  functionName: string;
  functionArn: string;
  memoryMb: number;
  timeoutMs: number;
}

interface InvokeMessage {
  id: number;
  /** The invocation's request id: the same for every retry of one async invocation. */
  requestId: string;
  event: unknown;
}

type Handler = (event: unknown, context: Record<string, unknown>) => Promise<unknown>;

const config = workerData as WorkerConfig;
const usageRegistry = globalThis as {
  __orderPipelinesUsage?: Map<string, number>;
  __orderPipelinesMetrics?: unknown[];
  __orderPipelinesTimings?: unknown[];
};

// V8's compile cache on disk (Node 22): every environment of a function after the first parses
// its bundle from cache, which is most of a cold start's CPU.
module.enableCompileCache?.(config.compileCacheDir);

async function loadHandler(): Promise<Handler> {
  const mod = (await import(pathToFileURL(config.bundlePath).href)) as Record<string, unknown>;
  const handler = mod[config.exportName];
  if (typeof handler !== 'function') throw new Error(`${config.bundlePath} exports no function "${config.exportName}"`);
  return handler as Handler;
}

let currentInvocation = 0;

/**
 * A fault point (shared/observability/fault-points.ts): while a drill is armed, the handler stops
 * here, synchronously, until the runtime decides; a crash exits the environment on the spot, so
 * nothing after the point runs, as when the host dies.
 */
(globalThis as { __orderPipelinesFaultPoint?: (name: string, orderId: string) => void }).__orderPipelinesFaultPoint = (
  name,
  orderId,
) => {
  if (Atomics.load(config.faultsArmed, 0) === 0) return;
  Atomics.store(config.decision, 0, 0);
  parentPort?.postMessage({ type: 'fault-point', id: currentInvocation, name, orderId });
  Atomics.wait(config.decision, 0, 0, 10_000);
  if (Atomics.load(config.decision, 0) === 2) process.exit(1);
};

const handlerPromise = loadHandler();

function context(requestId: string, deadline: number): Record<string, unknown> {
  return {
    awsRequestId: requestId,
    functionName: config.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: config.functionArn,
    memoryLimitInMB: String(config.memoryMb),
    logGroupName: `/aws/lambda/${config.functionName}`,
    logStreamName: `local/${requestId}`,
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

function takeUsage(): Record<string, number> {
  const counters = usageRegistry.__orderPipelinesUsage;
  if (!counters) return {};
  const out = Object.fromEntries(counters);
  counters.clear();
  return out;
}

parentPort?.on('message', async (message: InvokeMessage | { type: 'exit' }) => {
  // The runtime retires this environment: between two tasks, so never inside a module's load.
  if ('type' in message) process.exit(0);
  const { id, event, requestId } = message;
  currentInvocation = id;
  let started = performance.now();
  let startedAtMs = performance.timeOrigin + started;
  try {
    const handler = await handlerPromise;
    parentPort?.postMessage({ type: 'start', id });
    started = performance.now();
    startedAtMs = performance.timeOrigin + started;
    const result = await handler(event, context(requestId, Date.now() + config.timeoutMs));
    parentPort?.postMessage({
      type: 'end',
      id,
      ok: true,
      result,
      startedAtMs,
      durationMs: performance.now() - started,
      usage: takeUsage(),
      metrics: usageRegistry.__orderPipelinesMetrics?.splice(0) ?? [],
      timings: usageRegistry.__orderPipelinesTimings?.splice(0) ?? [],
    });
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    parentPort?.postMessage({
      type: 'end',
      id,
      ok: false,
      error: { errorType: e.name || 'Error', errorMessage: e.message, trace: (e.stack ?? '').split('\n') },
      startedAtMs,
      durationMs: performance.now() - started,
      usage: takeUsage(),
      metrics: usageRegistry.__orderPipelinesMetrics?.splice(0) ?? [],
      timings: usageRegistry.__orderPipelinesTimings?.splice(0) ?? [],
    });
  }
});
