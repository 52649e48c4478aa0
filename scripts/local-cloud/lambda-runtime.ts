import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { SendMessageCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { buildCached } from './cached-build.mjs';
import type { DurableConfig } from './lambda/durable-executions.ts';
import {
  LambdaInvocationError,
  LOCAL_ACCOUNT,
  LOCAL_REGION,
  noInstruments,
  type CloudInstruments,
  type CounterName,
  type TimingSample,
  type InvokeOptions,
  type LambdaFunctionError,
  type LambdaInvoker,
} from './types.ts';
import type { MetricDatum } from './cloudwatch/metric-store.ts';

/** A function as the deployer derives it from a service's resolved serverless config. */
export interface FunctionDefinition {
  /** Deployed name, `<service>-<stage>-<key>` unless the config names it. */
  name: string;
  /** Absolute path of the TypeScript module, and its exported handler. */
  entry: string;
  exportName: string;
  /**
   * The function's module already bundled (serverless-esbuild's output under `sls offline`: what
   * `sls package` ships): loaded as it is instead of bundling `entry`.
   */
  bundle?: string;
  environment: Record<string, string>;
  memoryMb: number;
  timeoutSeconds: number;
  /** `reservedConcurrency` from serverless.yml: at most this many environments at once. */
  reservedConcurrency?: number;
  /** `handler` and `runtime` as serverless.yml declares them (GetFunction, ListFunctions). */
  handler?: string;
  runtime?: string;
  /** `durableConfig`: the function runs durable executions (Invoke starts one). */
  durable?: DurableConfig;
  /** Asynchronous invocation config (EventBridge targets use it). */
  async: { maximumRetryAttempts: number; maximumEventAgeSeconds: number; onFailureArn?: string };
}

export interface LambdaRuntimeOptions {
  buildDir: string;
  sqs: SQSClient;
  instruments?: CloudInstruments;
  region?: string;
  account?: string;
  /**
   * Invocations running at once across the whole local cloud: the machine's capacity, as the
   * account's concurrency quota is AWS's. Default {@link defaultConcurrency};
   * `LOCAL_LAMBDA_CONCURRENCY` overrides it.
   */
  concurrency?: number;
  /**
   * Execution environments kept, busy or idle (memory: each is a V8 isolate holding its bundle).
   * Past it the least recently used idle one is evicted. Default 6x the concurrency, at least 32.
   */
  maxEnvironments?: number;
  /**
   * Delays between async retries. AWS waits about 1 then 2 minutes; locally we keep the shape
   * (growing) but not the scale, so a run finishes.
   */
  asyncRetryDelaysMs?: number[];
}

/** What the local cloud's Lambda is doing right now (quiescence checks, reports). */
export interface RuntimeStats {
  environments: number;
  busy: number;
  /** Invocations waiting for an environment (sync callers, async events, event-source batches). */
  waiting: number;
  /** Async invocations waiting for their retry delay. */
  retriesScheduled: number;
  /** Invocations (sync and async, retries included) not yet settled. */
  inFlight: number;
  coldStarts: number;
  evictions: number;
  /** Failure drills: environments killed at a fault point, and invocations delivered twice. */
  crashes: number;
  duplicateInvocations: number;
}

/** A named point inside a step (`faultPoint` in shared/observability) that an environment reached. */
export interface FaultPoint {
  functionName: string;
  /** The point's name: the step it is in, e.g. `reserve-inventory`. */
  name: string;
  orderId: string;
}

/**
 * Four invocations per core, at least four. Handlers mostly wait on DynamoDB and SQS, so a few
 * per core keep both cores busy; more only queue the same work inside the emulators, where it
 * would count as the handlers' duration and toward their timeouts.
 */
export function defaultConcurrency(): number {
  const fromEnv = Number(process.env.LOCAL_LAMBDA_CONCURRENCY);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  return Math.max(4, availableParallelism() * 4);
}

/** One execution environment: a worker that runs one invocation at a time, as Lambda does. */
interface Environment {
  worker: Worker;
  /** Settles when the worker thread has ended, however it ended. */
  exited: Promise<void>;
  fn: Deployed;
  /** Its function's code changed (sls offline rebuilt it): retired once its invocation ends. */
  stale?: boolean;
  /** The drill's answer to a fault point the handler waits at: 1 go on, 2 crash. */
  decision: Int32Array;
  job?: Job;
  /** When it last finished an invocation: the least recently used idle one is evicted first. */
  lastUsedAt: number;
}

interface Job {
  id: number;
  /** When it began to wait (performance.now()). */
  queuedAt: number;
  /** Global arrival order: the oldest waiting invocation of any function goes first ({@link servedBefore}). */
  seq: number;
  /** A client at the API waits on it (InvokeOptions.frontDoor): it goes before all pipeline work. */
  frontDoor: boolean;
  /** The handler's `context.awsRequestId`. */
  requestId: string;
  event: unknown;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  onStart?: () => void;
  timer?: NodeJS.Timeout;
}

interface Deployed {
  definition: FunctionDefinition;
  arn: string;
  bundlePath: string;
  /** Its environments, idle and busy. */
  environments: Set<Environment>;
  waiting: Job[];
  busy: number;
  removed: boolean;
}

type WorkerReply =
  | { type: 'start'; id: number }
  | { type: 'fault-point'; id: number; name: string; orderId: string }
  | {
      type: 'end';
      id: number;
      ok: boolean;
      result?: unknown;
      error?: LambdaFunctionError;
      /** Epoch ms, on the environment's own clock, when the handler started. */
      startedAtMs: number;
      durationMs: number;
      usage: Partial<Record<CounterName, number>>;
      /** CloudWatch data points the handler's SDK calls produced (DynamoDB capacity, SQS sends). */
      metrics?: MetricDatum[];
      /** Timings the handler measured itself (shared/observability/usage.ts `recordTiming`). */
      timings?: TimingSample[];
    };

/**
 * How long the oldest waiting invocation may be overtaken by ones that have a warm environment
 * (of its own kind: pipeline work never overtakes a front-door call).
 */
const COLD_START_PATIENCE_MS = 100;

/** Whether `a` is served before `b`: the API's calls before pipeline work, then arrival order. */
function servedBefore(a: Job, b: Job): boolean {
  return a.frontDoor === b.frontDoor ? a.seq < b.seq : a.frontDoor;
}

/** How long an environment asked to exit (idle, or still in Init) gets before it is terminated. */
const ENVIRONMENT_EXIT_GRACE_MS = 10_000;
const BUNDLE_BANNER = "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);";

/**
 * The Lambda service of the local cloud: functions bundled with esbuild (dependencies included,
 * as `sls package` ships them) and run in worker threads, each with its own environment, invoked
 * synchronously or asynchronously (retries, then the on-failure destination), metered
 * (invocations, GB-seconds, and the billable calls the handler made).
 *
 * Capacity is one budget of running execution environments for the whole cloud, sized from the
 * cores (AWS's account concurrency, scaled to this machine). When it is full an invocation waits,
 * in arrival order, where AWS would hold it (the caller's request, Lambda's async queue, a pending
 * Step Functions task, the event source's next poll), except that the API's calls go first (on
 * AWS they never wait behind a pipeline's backlog): it never fails for it, waiting is not
 * billed, and it never counts toward the timeout, which starts when the handler starts (after the
 * Init phase, as on AWS). Idle environments are reused; past a memory cap the least recently used
 * is evicted. `reservedConcurrency` caps a function's share.
 */
export class LambdaRuntime implements LambdaInvoker {
  private readonly functions = new Map<string, Deployed>();
  private readonly instruments: CloudInstruments;
  private readonly region: string;
  private readonly account: string;
  private readonly retryDelays: number[];
  private readonly budget: number;
  private readonly maxEnvironments: number;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly capacityWaiters = new Set<() => void>();
  private environmentCount = 0;
  private busyCount = 0;
  private waitingCount = 0;
  private coldStarts = 0;
  private evictions = 0;
  private nextId = 1;
  private nextSeq = 1;
  private workerBundle: Promise<string> | undefined;
  private workerPath = '';
  private stopped = false;
  private duplicates: (functionName: string) => boolean = () => false;
  private duplicateCount = 0;
  private crashRule: ((point: FaultPoint) => boolean) | undefined;
  private crashCount = 0;
  /** Shared with every environment: 1 while a crash rule is set, so fault points cost nothing otherwise. */
  private readonly faultsArmed = new Int32Array(new SharedArrayBuffer(4));

  constructor(private readonly options: LambdaRuntimeOptions) {
    this.instruments = options.instruments ?? noInstruments;
    this.region = options.region ?? LOCAL_REGION;
    this.account = options.account ?? LOCAL_ACCOUNT;
    this.retryDelays = options.asyncRetryDelaysMs ?? [1000, 2000];
    this.budget = options.concurrency ?? defaultConcurrency();
    this.maxEnvironments = Math.max(this.budget, options.maxEnvironments ?? Math.max(32, this.budget * 6));
  }

  arnOf(name: string): string {
    return `arn:aws:lambda:${this.region}:${this.account}:function:${name}`;
  }

  /** Invocations the whole local cloud runs at once. */
  get capacity(): number {
    return this.budget;
  }

  /** Bundles a function; returns its ARN. Redeploying a name replaces it. */
  async deploy(definition: FunctionDefinition): Promise<string> {
    const [arn] = await this.deployAll([definition]);
    return arn!;
  }

  /**
   * Bundles several functions (a service's) in one esbuild build, each into a file of its own as
   * before; returns their ARNs in order. Shared modules (the AWS SDK, the domain) are parsed once
   * for all of them, not once per function: a service's bundles took a third of the time here.
   */
  async deployAll(definitions: FunctionDefinition[]): Promise<string[]> {
    await mkdir(this.options.buildDir, { recursive: true });
    const toBundle = definitions.filter((d) => !d.bundle);
    if (toBundle.length > 0) await this.bundle(toBundle);
    this.workerPath = await (this.workerBundle ??= this.bundleWorker());
    const arns: string[] = [];
    for (const definition of definitions) {
      const bundlePath = definition.bundle ?? path.join(this.options.buildDir, `${definition.name}.mjs`);
      await this.remove(definition.name);
      const deployed: Deployed = {
        definition,
        arn: this.arnOf(definition.name),
        bundlePath,
        environments: new Set(),
        waiting: [],
        busy: 0,
        removed: false,
      };
      this.functions.set(definition.name, deployed);
      arns.push(deployed.arn);
    }
    return arns;
  }

  /**
   * Starts one execution environment of the function ahead of its first invocation, so its Init
   * (the bundle's load) runs meanwhile: `sls offline` warms its API's functions while the HTTP
   * server starts. Nothing if the function already has one. It takes no concurrency: it runs
   * nothing until an invocation comes.
   */
  prewarm(functionRef: string): void {
    const fn = this.resolve(functionRef);
    if (fn.environments.size === 0 && !this.stopped) this.spawn(fn);
  }

  /**
   * The functions' code changed where their bundles are (sls offline's rebuild on a file change):
   * idle environments go now, busy ones when their invocation ends; the next invocations load the
   * new code in fresh environments.
   */
  async reloadCode(): Promise<void> {
    for (const fn of this.functions.values()) {
      for (const env of [...fn.environments]) {
        if (env.job) env.stale = true;
        else await this.kill(env, { errorType: 'Sandbox.Retired', errorMessage: 'code updated' });
      }
    }
  }

  /** `<buildDir>/<name>.mjs` for each function, from one build (cached as a whole). */
  private async bundle(definitions: FunctionDefinition[]): Promise<void> {
    const names = definitions.map((d) => d.name).sort();
    const batch =
      names.length === 1
        ? names[0]!
        : `_batch-${createHash('sha256').update(names.join('\n')).digest('hex').slice(0, 12)}`;
    await buildCached(
      {
        entryPoints: definitions.map((d) => ({ in: d.entry, out: d.name })),
        outdir: this.options.buildDir,
        outExtension: { '.js': '.mjs' },
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node22',
        sourcemap: 'linked',
        logLevel: 'error',
        banner: { js: BUNDLE_BANNER },
        // One file with its dependencies, as serverless-esbuild packages it: loading it is one parse,
        // not hundreds of module resolutions (which made every cold start cost seconds of CPU).
        mainFields: ['module', 'main'],
      },
      { manifest: path.join(this.options.buildDir, `${batch}.mjs.inputs.json`) },
    );
  }

  /** The deployed function a name, `name:qualifier` or ARN refers to, if any. */
  definition(functionRef: string): FunctionDefinition | undefined {
    const name = functionRef.startsWith('arn:') ? (functionRef.split(':')[6] ?? '') : (functionRef.split(':')[0] ?? '');
    return this.functions.get(name)?.definition;
  }

  list(): FunctionDefinition[] {
    return [...this.functions.values()].map((f) => f.definition);
  }

  stats(): RuntimeStats {
    return {
      environments: this.environmentCount,
      busy: this.busyCount,
      waiting: this.waitingCount,
      retriesScheduled: this.retryTimers.size,
      inFlight: this.inFlight.size,
      coldStarts: this.coldStarts,
      evictions: this.evictions,
      crashes: this.crashCount,
      duplicateInvocations: this.duplicateCount,
    };
  }

  async invoke(functionRef: string, event: unknown, options: InvokeOptions = {}): Promise<unknown> {
    const fn = this.resolve(functionRef);
    const enqueue = (onStart?: () => void, requestId: string = crypto.randomUUID()) =>
      new Promise<unknown>((resolve, reject) => {
        const job: Job = {
          id: this.nextId++,
          seq: this.nextSeq++,
          frontDoor: options.frontDoor === true,
          requestId,
          queuedAt: performance.now(),
          event: structuredClone(event),
          resolve,
          reject,
          ...(onStart ? { onStart } : {}),
        };
        // Ahead of this function's queued pipeline work, behind its earlier front-door calls.
        const behind = job.frontDoor ? fn.waiting.findIndex((queued) => !queued.frontDoor) : -1;
        if (behind < 0) fn.waiting.push(job);
        else fn.waiting.splice(behind, 0, job);
        this.waitingCount++;
      });
    const call = enqueue(options.onStart, options.requestId);
    if (this.duplicates(fn.definition.name)) {
      // At-least-once delivery made visible: a second copy runs alongside (an invocation of its
      // own, with its own request id); its outcome is dropped.
      this.duplicateCount++;
      void this.track(enqueue()).catch(() => undefined);
    }
    this.dispatch();
    return this.track(call);
  }

  /**
   * Resolves when no invocation of the function is waiting for an environment. Event sources wait
   * here before they take messages off a queue: on a full machine the messages stay in SQS (as
   * under Lambda throttling on AWS), while a batch already taken waits its turn in the one line
   * with every other invocation, so it is neither starved by other work nor held past its
   * visibility timeout.
   */
  waitUntilNoneWaiting(functionRef: string): Promise<void> {
    const fn = this.resolve(functionRef);
    if (this.noneWaiting(fn)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const check = () => {
        if (!this.noneWaiting(fn) && !fn.removed && !this.stopped) return;
        this.capacityWaiters.delete(check);
        resolve();
      };
      this.capacityWaiters.add(check);
    });
  }

  /**
   * Failure drill: every invocation of the functions the predicate picks is delivered twice, at
   * the same time (what SQS, EventBridge and Lambda's own retries may all do on AWS).
   */
  setDuplicateInvocations(predicate: (functionName: string) => boolean): void {
    this.duplicates = predicate;
  }

  /**
   * Failure drill: when a handler reaches a fault point (`faultPoint(name, orderId)` in the shared
   * code, e.g. in the middle of reserve-inventory) and the rule says so, its execution environment
   * dies right there, mid-step: the worker exits and the invocation fails with `Sandbox.Crashed`,
   * as when a host dies. Each kill is counted ({@link RuntimeStats.crashes}). `undefined` disarms.
   */
  crashAtFaultPoints(rule: ((point: FaultPoint) => boolean) | undefined): void {
    this.crashRule = rule;
    Atomics.store(this.faultsArmed, 0, rule ? 1 : 0);
  }

  async invokeAsync(functionRef: string, event: unknown): Promise<void> {
    const fn = this.resolve(functionRef); // an unknown function fails the hand-off, as AWS does
    // One request id for every attempt, as Lambda keeps it across an async invocation's retries.
    void this.track(this.runAsync(fn, event, 1, Date.now(), crypto.randomUUID()));
  }

  /** Resolves when nothing is running, waiting or waiting for an async retry. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0 || this.retryTimers.size > 0) {
      await Promise.allSettled([...this.inFlight]);
      if (this.inFlight.size === 0 && this.retryTimers.size > 0) await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * Kills every execution environment mid-flight: what a crash of the host does. In-flight
   * invocations fail with `Sandbox.Crashed`; their SQS messages stay undeleted and come back after
   * the visibility timeout. Returns how many invocations were running.
   */
  async crashAll(): Promise<number> {
    let lost = 0;
    for (const fn of this.functions.values()) {
      for (const env of [...fn.environments]) {
        if (env.job) lost++;
        await this.kill(env, { errorType: 'Sandbox.Crashed', errorMessage: 'execution environment terminated' });
      }
    }
    this.crashCount += lost;
    this.dispatch();
    return lost;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    for (const name of [...this.functions.keys()]) await this.remove(name);
    for (const waiter of [...this.capacityWaiters]) waiter();
  }

  private async runAsync(
    fn: Deployed,
    event: unknown,
    attempt: number,
    firstAt: number,
    requestId: string,
  ): Promise<void> {
    try {
      await this.invoke(fn.definition.name, event, { requestId });
    } catch (error) {
      if (this.stopped) return;
      const { maximumRetryAttempts, maximumEventAgeSeconds, onFailureArn } = fn.definition.async;
      const ageOk = Date.now() - firstAt < maximumEventAgeSeconds * 1000;
      if (attempt <= maximumRetryAttempts && ageOk) {
        this.instruments.count('retries');
        this.instruments.retry?.({ mechanism: 'lambda-async', payload: event, attempt, target: fn.definition.name });
        const delay = this.retryDelays[Math.min(attempt - 1, this.retryDelays.length - 1)] ?? 1000;
        const timer = setTimeout(() => {
          this.retryTimers.delete(timer);
          void this.track(this.runAsync(fn, event, attempt + 1, firstAt, requestId));
        }, delay);
        this.retryTimers.add(timer);
        return;
      }
      if (onFailureArn) await this.sendToDestination(fn, onFailureArn, event, error, attempt, ageOk, requestId);
    }
  }

  /** The invocation record Lambda sends to an on-failure destination (SQS), in AWS's shape. */
  private async sendToDestination(
    fn: Deployed,
    arn: string,
    event: unknown,
    error: unknown,
    attempts: number,
    ageOk: boolean,
    requestId: string,
  ): Promise<void> {
    const queueName = arn.split(':').pop() ?? '';
    const { QueueUrl } = await this.options.sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
    const failure =
      error instanceof LambdaInvocationError
        ? error
        : new LambdaInvocationError({ errorType: 'Error', errorMessage: String(error) });
    const record = {
      version: '1.0',
      timestamp: new Date().toISOString(),
      requestContext: {
        requestId,
        functionArn: `${fn.arn}:$LATEST`,
        condition: ageOk ? 'RetriesExhausted' : 'EventAgeExceeded',
        approximateInvokeCount: attempts,
      },
      requestPayload: event,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: failure.errorType, errorMessage: failure.errorMessage },
    };
    await this.options.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: JSON.stringify(record) }));
  }

  private resolve(functionRef: string): Deployed {
    const name = functionRef.startsWith('arn:') ? (functionRef.split(':')[6] ?? '') : (functionRef.split(':')[0] ?? '');
    const fn = this.functions.get(name);
    if (!fn)
      throw new LambdaInvocationError({
        errorType: 'ResourceNotFoundException',
        errorMessage: `Function not found: ${functionRef}`,
      });
    return fn;
  }

  private withinReserved(fn: Deployed): boolean {
    const reserved = fn.definition.reservedConcurrency;
    return reserved === undefined || fn.busy < reserved;
  }

  /** Nothing of `fn` is waiting: one more invocation would join the line, not grow a backlog. */
  private noneWaiting(fn: Deployed): boolean {
    return fn.waiting.length === 0;
  }

  private idleEnvironmentOf(fn: Deployed): Environment | undefined {
    let best: Environment | undefined;
    // The most recently used idle one: the others stay cold-ish and are the first evicted.
    for (const env of fn.environments) if (!env.job && (!best || env.lastUsedAt > best.lastUsedAt)) best = env;
    return best;
  }

  private leastRecentlyUsedIdle(): Environment | undefined {
    let oldest: Environment | undefined;
    for (const fn of this.functions.values()) {
      for (const env of fn.environments) if (!env.job && (!oldest || env.lastUsedAt < oldest.lastUsedAt)) oldest = env;
    }
    return oldest;
  }

  /**
   * Starts waiting invocations, oldest first across all functions, while fewer than the budget
   * run: in an idle environment of the same function, else a new one (a cold start), evicting the
   * least recently used idle environment of any function when too many are kept.
   */
  private dispatch(): void {
    while (this.busyCount < this.budget) {
      let next: Deployed | undefined;
      let warm: Deployed | undefined;
      for (const fn of this.functions.values()) {
        const head = fn.waiting[0];
        if (!head || !this.withinReserved(fn)) continue;
        if (!next || servedBefore(head, next.waiting[0]!)) next = fn;
        if ((!warm || servedBefore(head, warm.waiting[0]!)) && this.idleEnvironmentOf(fn)) warm = fn;
      }
      if (!next) break;
      // A warm environment first, unless the oldest invocation has waited long: a cold start costs
      // a bundle load (and, at the cap, another function's warm environment), so it is worth a
      // short wait for one of its own to come free; never a long one.
      if (
        warm &&
        next !== warm &&
        next.waiting[0]!.frontDoor === warm.waiting[0]!.frontDoor &&
        performance.now() - next.waiting[0]!.queuedAt < COLD_START_PATIENCE_MS
      )
        next = warm;
      let env = this.idleEnvironmentOf(next);
      if (!env) {
        const victim = this.environmentCount >= this.maxEnvironments ? this.leastRecentlyUsedIdle() : undefined;
        if (victim) {
          this.evictions++;
          void this.kill(victim, { errorType: 'Sandbox.Evicted', errorMessage: 'evicted while idle' });
        }
        env = this.spawn(next);
      }
      const job = next.waiting.shift()!;
      this.waitingCount--;
      this.run(env, job);
    }
    if (this.capacityWaiters.size > 0) for (const waiter of [...this.capacityWaiters]) waiter();
  }

  private spawn(fn: Deployed): Environment {
    const { definition } = fn;
    this.coldStarts++;
    const decision = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(this.workerPath, {
      env: { ...definition.environment },
      // The bundle is plain JavaScript: no TypeScript loader (tsx) in the environment, whatever
      // the parent process was started with.
      execArgv: [],
      workerData: {
        faultsArmed: this.faultsArmed,
        decision,
        bundlePath: fn.bundlePath,
        compileCacheDir: path.join(this.options.buildDir, '.compile-cache'),
        exportName: definition.exportName,
        functionName: definition.name,
        functionArn: fn.arn,
        memoryMb: definition.memoryMb,
        timeoutMs: definition.timeoutSeconds * 1000,
      },
    });
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const env: Environment = { worker, fn, decision, exited, lastUsedAt: 0 };
    fn.environments.add(env);
    this.environmentCount++;
    worker.on('message', (reply: WorkerReply) => this.onReply(env, reply));
    worker.on('error', (error) => {
      void this.kill(env, { errorType: 'Runtime.ImportModuleError', errorMessage: error.message }).then(() =>
        this.dispatch(),
      );
    });
    worker.unref();
    return env;
  }

  private run(env: Environment, job: Job): void {
    env.job = job;
    env.fn.busy++;
    this.busyCount++;
    env.worker.postMessage({ id: job.id, requestId: job.requestId, event: job.event });
  }

  private onReply(env: Environment, reply: WorkerReply): void {
    const job = env.job;
    if (!job || job.id !== reply.id) return;
    if (reply.type === 'fault-point') {
      const point = { functionName: env.fn.definition.name, name: reply.name, orderId: reply.orderId };
      const crash = this.crashRule?.(point) ?? false;
      Atomics.store(env.decision, 0, crash ? 2 : 1);
      Atomics.notify(env.decision, 0);
      if (crash) {
        this.crashCount++;
        void this.kill(env, {
          errorType: 'Sandbox.Crashed',
          errorMessage: `execution environment terminated in ${reply.name} (failure drill)`,
        }).then(() => this.dispatch());
      }
      return;
    }
    if (reply.type === 'start') {
      // The handler starts now (Init, if any, is over): the timeout counts from here, as on AWS.
      job.onStart?.();
      const { timeoutSeconds } = env.fn.definition;
      this.instruments.metric?.({
        namespace: 'AWS/Lambda',
        metricName: 'ConcurrentExecutions',
        dimensions: { FunctionName: env.fn.definition.name },
        value: env.fn.busy,
      });
      job.timer = setTimeout(() => {
        this.instruments.count('lambdaInvocations');
        this.instruments.count('lambdaGbSeconds', (env.fn.definition.memoryMb / 1024) * timeoutSeconds);
        this.emitInvocation(env.fn.definition.name, timeoutSeconds * 1000, false);
        // A timeout kills the environment, as Lambda does; the next invocation gets a fresh one.
        void this.kill(env, {
          errorType: 'Sandbox.Timedout',
          errorMessage: `Task timed out after ${timeoutSeconds}.00 seconds`,
        }).then(() => this.dispatch());
      }, timeoutSeconds * 1000);
      return;
    }
    this.instruments.count('lambdaInvocations');
    this.instruments.count(
      'lambdaGbSeconds',
      (env.fn.definition.memoryMb / 1024) * (Math.ceil(reply.durationMs) / 1000),
    );
    for (const [name, n] of Object.entries(reply.usage)) this.instruments.count(name as CounterName, n);
    this.emitInvocation(env.fn.definition.name, reply.durationMs, reply.ok);
    for (const datum of reply.metrics ?? []) this.instruments.metric?.(datum);
    this.instruments.invocation?.({
      functionName: env.fn.definition.name,
      event: job.event,
      startedAtMs: reply.startedAtMs,
      endedAtMs: reply.startedAtMs + reply.durationMs,
      usage: reply.usage as Partial<Record<CounterName, number>>,
      // lastUsedAt is set after each invocation: 0 means this environment ran Init for this one.
      cold: env.lastUsedAt === 0,
      memoryMb: env.fn.definition.memoryMb,
      ok: reply.ok,
      ...(reply.timings?.length ? { timings: reply.timings } : {}),
    });
    this.release(env);
    env.lastUsedAt = performance.now();
    clearTimeout(job.timer);
    if (reply.ok) job.resolve(reply.result);
    else job.reject(new LambdaInvocationError(reply.error ?? { errorType: 'Error', errorMessage: 'unknown failure' }));
    if (env.fn.removed)
      void this.kill(env, { errorType: 'ResourceNotFoundException', errorMessage: 'function removed' });
    else if (env.stale) void this.kill(env, { errorType: 'Sandbox.Retired', errorMessage: 'code updated' });
    this.dispatch();
  }

  /** What Lambda reports to CloudWatch for one invocation, per function. */
  private emitInvocation(functionName: string, durationMs: number, ok: boolean): void {
    const metric = this.instruments.metric;
    if (!metric) return;
    const dimensions = { FunctionName: functionName };
    metric({ namespace: 'AWS/Lambda', metricName: 'Invocations', dimensions, value: 1 });
    metric({ namespace: 'AWS/Lambda', metricName: 'Duration', dimensions, value: durationMs, unit: 'Milliseconds' });
    if (!ok) metric({ namespace: 'AWS/Lambda', metricName: 'Errors', dimensions, value: 1 });
  }

  /** Marks the environment's invocation over (not its worker). */
  private release(env: Environment): Job | undefined {
    const job = env.job;
    if (!job) return undefined;
    env.job = undefined;
    env.fn.busy--;
    this.busyCount--;
    return job;
  }

  private async kill(env: Environment, error: LambdaFunctionError): Promise<void> {
    if (!env.fn.environments.delete(env)) return;
    this.environmentCount--;
    const job = this.release(env);
    if (job) {
      clearTimeout(job.timer);
      // Its invocation may never yield (a handler past its timeout, a crash drill): stopped now,
      // and only then failed, so its retry (same request id) never runs beside the attempt it
      // replaces, as on AWS, where a timed-out sandbox is gone before the retry.
      await env.worker.terminate();
      job.reject(new LambdaInvocationError(error));
      return;
    }
    // An environment running no invocation may still be in Init, loading its bundle: terminated
    // in the middle of a CommonJS module's load (the AWS SDK's), the modules that module requires
    // carry on against its half-made exports and Node prints "Accessing non-existent property ...
    // inside circular dependency" (seen at Ctrl-C of `sls offline` while its functions warmed).
    // Asked to exit, it does so between two tasks, never inside a load; terminated if it does not.
    env.worker.postMessage({ type: 'exit' });
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<'stuck'>((resolve) => {
      timer = setTimeout(() => resolve('stuck'), ENVIRONMENT_EXIT_GRACE_MS);
    });
    const outcome = await Promise.race([env.exited, stuck]);
    clearTimeout(timer);
    if (outcome === 'stuck') await env.worker.terminate();
  }

  private async remove(name: string): Promise<void> {
    const fn = this.functions.get(name);
    if (!fn) return;
    this.functions.delete(name);
    fn.removed = true;
    for (const job of fn.waiting.splice(0)) {
      this.waitingCount--;
      job.reject(
        new LambdaInvocationError({
          errorType: 'ResourceNotFoundException',
          errorMessage: `function ${name} was removed`,
        }),
      );
    }
    await Promise.all(
      [...fn.environments].map((env) =>
        this.kill(env, { errorType: 'ResourceNotFoundException', errorMessage: `function ${name} was removed` }),
      ),
    );
  }

  private async bundleWorker(): Promise<string> {
    const outfile = path.join(this.options.buildDir, '_lambda-worker.mjs');
    await buildCached({
      entryPoints: [new URL('./lambda-worker.ts', import.meta.url).pathname],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      logLevel: 'error',
    });
    return outfile;
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight.add(promise);
    const done = () => this.inFlight.delete(promise);
    promise.then(done, done);
    return promise;
  }
}
