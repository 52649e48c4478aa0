import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { build, type Plugin } from 'esbuild';
import { SendMessageCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { LambdaInvocationError, LOCAL_ACCOUNT, LOCAL_REGION, noInstruments, type CloudInstruments, type CounterName, type LambdaFunctionError, type LambdaInvoker } from './types.ts';

/** A function as the deployer derives it from a service's resolved serverless config. */
export interface FunctionDefinition {
  /** Deployed name, `<service>-<stage>-<key>` unless the config names it. */
  name: string;
  /** Absolute path of the TypeScript module, and its exported handler. */
  entry: string;
  exportName: string;
  environment: Record<string, string>;
  memoryMb: number;
  timeoutSeconds: number;
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
   * Execution environments per function at most (its concurrency); each handles one invocation
   * at a time, so module-level state behaves as on Lambda. Default 8.
   */
  maxConcurrency?: number;
  /**
   * Delays between async retries. AWS waits about 1 then 2 minutes; locally we keep the shape
   * (growing) but not the scale, so a run finishes.
   */
  asyncRetryDelaysMs?: number[];
}

/** One execution environment: a worker that runs one invocation at a time, as Lambda does. */
interface Environment {
  worker: Worker;
  job?: Job;
}

interface Job {
  id: number;
  event: unknown;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer?: NodeJS.Timeout;
}

interface Deployed {
  definition: FunctionDefinition;
  arn: string;
  bundlePath: string;
  environments: Environment[];
  queue: Job[];
}

interface WorkerReply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: LambdaFunctionError;
  durationMs: number;
  usage: Partial<Record<CounterName, number>>;
}

/** Bundles everything of ours; leaves node_modules packages to Node's resolution, as a layer would. */
const externalPackages: Plugin = {
  name: 'external-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./#]/ }, (args) => (path.isAbsolute(args.path) ? undefined : { path: args.path, external: true }));
  },
};

/**
 * The Lambda service of the local cloud: functions bundled with esbuild and run in worker threads,
 * each with its own environment, invoked synchronously or asynchronously (retries, then the
 * on-failure destination), metered (invocations, GB-seconds, and the billable calls the handler
 * made).
 */
export class LambdaRuntime implements LambdaInvoker {
  private readonly functions = new Map<string, Deployed>();
  private readonly instruments: CloudInstruments;
  private readonly region: string;
  private readonly account: string;
  private readonly retryDelays: number[];
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private nextId = 1;
  private workerBundle: Promise<string> | undefined;
  private workerPath = '';
  private stopped = false;
  private duplicates: (functionName: string) => boolean = () => false;

  constructor(private readonly options: LambdaRuntimeOptions) {
    this.instruments = options.instruments ?? noInstruments;
    this.region = options.region ?? LOCAL_REGION;
    this.account = options.account ?? LOCAL_ACCOUNT;
    this.retryDelays = options.asyncRetryDelaysMs ?? [1000, 2000];
  }

  arnOf(name: string): string {
    return `arn:aws:lambda:${this.region}:${this.account}:function:${name}`;
  }

  /** Bundles and starts a function; returns its ARN. Redeploying a name replaces it. */
  async deploy(definition: FunctionDefinition): Promise<string> {
    await mkdir(this.options.buildDir, { recursive: true });
    const bundlePath = path.join(this.options.buildDir, `${definition.name}.mjs`);
    await build({
      entryPoints: [definition.entry], outfile: bundlePath, bundle: true, platform: 'node', format: 'esm',
      target: 'node22', sourcemap: 'inline', logLevel: 'error', plugins: [externalPackages],
    });
    await this.remove(definition.name);
    const deployed: Deployed = { definition, arn: this.arnOf(definition.name), bundlePath, environments: [], queue: [] };
    this.workerPath = await (this.workerBundle ??= this.bundleWorker());
    // One warm environment at deploy time, as a provisioned first container.
    deployed.environments.push(this.spawn(deployed));
    this.functions.set(definition.name, deployed);
    return deployed.arn;
  }

  list(): FunctionDefinition[] {
    return [...this.functions.values()].map((f) => f.definition);
  }

  async invoke(functionRef: string, event: unknown): Promise<unknown> {
    const fn = this.resolve(functionRef);
    const enqueue = () => new Promise<unknown>((resolve, reject) => {
      fn.queue.push({ id: this.nextId++, event: structuredClone(event), resolve, reject });
    });
    const call = enqueue();
    if (this.duplicates(fn.definition.name)) {
      // At-least-once delivery made visible: a second copy runs alongside; its outcome is dropped.
      void this.track(enqueue()).catch(() => undefined);
    }
    this.dispatch(fn);
    return this.track(call);
  }

  /**
   * Failure drill: every invocation of the functions the predicate picks is delivered twice, at
   * the same time (what SQS, EventBridge and Lambda's own retries may all do on AWS).
   */
  setDuplicateInvocations(predicate: (functionName: string) => boolean): void {
    this.duplicates = predicate;
  }

  async invokeAsync(functionRef: string, event: unknown): Promise<void> {
    const fn = this.resolve(functionRef); // an unknown function fails the hand-off, as AWS does
    void this.track(this.runAsync(fn, event, 1, Date.now()));
  }

  /** Resolves when nothing is running or waiting for an async retry. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0 || this.retryTimers.size > 0) {
      await Promise.allSettled([...this.inFlight]);
      if (this.inFlight.size === 0 && this.retryTimers.size > 0) await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * Kills every execution environment mid-flight and starts fresh ones: what a crash of the host
   * does. In-flight invocations fail with `Sandbox.Crashed`; their SQS messages stay undeleted
   * and come back after the visibility timeout.
   */
  async crashAll(): Promise<number> {
    let lost = 0;
    for (const fn of this.functions.values()) {
      for (const env of fn.environments.splice(0)) {
        if (env.job) lost++;
        await this.kill(env, { errorType: 'Sandbox.Crashed', errorMessage: 'execution environment terminated' });
      }
      this.dispatch(fn);
    }
    return lost;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    for (const name of [...this.functions.keys()]) await this.remove(name);
  }

  private async runAsync(fn: Deployed, event: unknown, attempt: number, firstAt: number): Promise<void> {
    try {
      await this.invoke(fn.definition.name, event);
    } catch (error) {
      if (this.stopped) return;
      const { maximumRetryAttempts, maximumEventAgeSeconds, onFailureArn } = fn.definition.async;
      const ageOk = Date.now() - firstAt < maximumEventAgeSeconds * 1000;
      if (attempt <= maximumRetryAttempts && ageOk) {
        this.instruments.count('retries');
        const delay = this.retryDelays[Math.min(attempt - 1, this.retryDelays.length - 1)] ?? 1000;
        const timer = setTimeout(() => {
          this.retryTimers.delete(timer);
          void this.track(this.runAsync(fn, event, attempt + 1, firstAt));
        }, delay);
        this.retryTimers.add(timer);
        return;
      }
      if (onFailureArn) await this.sendToDestination(fn, onFailureArn, event, error, attempt, ageOk);
    }
  }

  /** The invocation record Lambda sends to an on-failure destination (SQS), in AWS's shape. */
  private async sendToDestination(fn: Deployed, arn: string, event: unknown, error: unknown, attempts: number, ageOk: boolean): Promise<void> {
    const queueName = arn.split(':').pop() ?? '';
    const { QueueUrl } = await this.options.sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
    const failure = error instanceof LambdaInvocationError ? error : new LambdaInvocationError({ errorType: 'Error', errorMessage: String(error) });
    const record = {
      version: '1.0',
      timestamp: new Date().toISOString(),
      requestContext: { requestId: crypto.randomUUID(), functionArn: `${fn.arn}:$LATEST`, condition: ageOk ? 'RetriesExhausted' : 'EventAgeExceeded', approximateInvokeCount: attempts },
      requestPayload: event,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: failure.errorType, errorMessage: failure.errorMessage },
    };
    await this.options.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: JSON.stringify(record) }));
  }

  private resolve(functionRef: string): Deployed {
    const name = functionRef.startsWith('arn:') ? (functionRef.split(':')[6] ?? '') : functionRef.split(':')[0] ?? '';
    const fn = this.functions.get(name);
    if (!fn) throw new LambdaInvocationError({ errorType: 'ResourceNotFoundException', errorMessage: `Function not found: ${functionRef}` });
    return fn;
  }

  private spawn(fn: Deployed): Environment {
    const { definition } = fn;
    const worker = new Worker(this.workerPath, {
      env: { ...definition.environment },
      workerData: {
        bundlePath: fn.bundlePath, exportName: definition.exportName, functionName: definition.name,
        functionArn: fn.arn, memoryMb: definition.memoryMb, timeoutMs: definition.timeoutSeconds * 1000,
      },
    });
    const env: Environment = { worker };
    worker.on('message', (reply: WorkerReply) => this.settle(fn, env, reply));
    worker.on('error', (error) => {
      this.discard(fn, env);
      void this.kill(env, { errorType: 'Runtime.ImportModuleError', errorMessage: error.message }).then(() => this.dispatch(fn));
    });
    worker.unref();
    return env;
  }

  private discard(fn: Deployed, env: Environment): void {
    const at = fn.environments.indexOf(env);
    if (at >= 0) fn.environments.splice(at, 1);
  }

  /** Hands queued invocations to idle environments, starting new ones up to the concurrency limit. */
  private dispatch(fn: Deployed): void {
    while (fn.queue.length > 0) {
      let env = fn.environments.find((e) => !e.job);
      if (!env) {
        if (fn.environments.length >= (this.options.maxConcurrency ?? 8)) return;
        env = this.spawn(fn); // a cold start
        fn.environments.push(env);
      }
      this.run(fn, env, fn.queue.shift()!);
    }
  }

  private run(fn: Deployed, env: Environment, job: Job): void {
    env.job = job;
    // A timeout kills the environment, as Lambda does; the next invocation gets a fresh one.
    job.timer = setTimeout(() => {
      this.instruments.count('lambdaInvocations');
      this.discard(fn, env);
      void this.kill(env, { errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${fn.definition.timeoutSeconds}.00 seconds` }).then(() => this.dispatch(fn));
    }, fn.definition.timeoutSeconds * 1000);
    env.worker.postMessage({ id: job.id, event: job.event });
  }

  private settle(fn: Deployed, env: Environment, reply: WorkerReply): void {
    this.instruments.count('lambdaInvocations');
    this.instruments.count('lambdaGbSeconds', (fn.definition.memoryMb / 1024) * (Math.ceil(reply.durationMs) / 1000));
    for (const [name, n] of Object.entries(reply.usage)) this.instruments.count(name as CounterName, n);
    const job = env.job;
    if (!job || job.id !== reply.id) return;
    env.job = undefined;
    clearTimeout(job.timer);
    if (reply.ok) job.resolve(reply.result);
    else job.reject(new LambdaInvocationError(reply.error ?? { errorType: 'Error', errorMessage: 'unknown failure' }));
    this.dispatch(fn);
  }

  private async kill(env: Environment, error: LambdaFunctionError): Promise<void> {
    const job = env.job;
    env.job = undefined;
    if (job) {
      clearTimeout(job.timer);
      job.reject(new LambdaInvocationError(error));
    }
    await env.worker?.terminate();
  }

  private async remove(name: string): Promise<void> {
    const fn = this.functions.get(name);
    if (!fn) return;
    this.functions.delete(name);
    for (const job of fn.queue.splice(0)) job.reject(new LambdaInvocationError({ errorType: 'ResourceNotFoundException', errorMessage: `function ${name} was removed` }));
    for (const env of fn.environments.splice(0)) await this.kill(env, { errorType: 'ResourceNotFoundException', errorMessage: `function ${name} was removed` });
  }

  private async bundleWorker(): Promise<string> {
    const outfile = path.join(this.options.buildDir, '_lambda-worker.mjs');
    await build({ entryPoints: [new URL('./lambda-worker.ts', import.meta.url).pathname], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node22', logLevel: 'error' });
    return outfile;
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight.add(promise);
    const done = () => this.inFlight.delete(promise);
    promise.then(done, done);
    return promise;
  }
}
