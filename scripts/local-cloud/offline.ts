import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startLocalCloud, writeEndpoints, type LocalCloud, type OptionalService } from './cloud.ts';
import type { DeployedStack } from './deploy.ts';
import type { ResolvedService } from './resolve-service.ts';
import { LambdaInvocationError } from './types.ts';
import { writeFileAtomic } from './atomic-file.ts';

/** The slice of the Serverless Framework object the plugin reads and adjusts. */
interface ServerlessLike {
  serviceDir: string;
  service: ResolvedService & {
    provider: ResolvedService['provider'] & { stage?: string };
    custom?: Record<string, unknown>;
  };
  /** serverless-step-functions copies `stepFunctions` into `service` only when packaging. */
  configurationInput?: { stepFunctions?: ResolvedService['stepFunctions'] };
}

type Log = { notice?: (message: string) => void; debug?: (message: string) => void } | undefined;

/** serverless-offline's options (`custom.serverless-offline`) the plugin reads and sets. */
interface OfflineOptions {
  location?: string;
  useInProcess?: boolean;
  noTimeout?: boolean;
}

export interface OfflineSession {
  cloud: LocalCloud;
  stack: DeployedStack;
  /** The functions' bundles were rebuilt (serverless-esbuild's watch): run the new code from now on. */
  reloadCode(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Where the forwarders written for serverless-offline find the local cloud's Lambda runtime: they
 * are loaded by serverless-offline inside this process (`useInProcess`).
 */
const OFFLINE_INVOKE = Symbol.for('order-pipelines.sls-offline.invoke');
type OfflineInvoke = (functionName: string, event: unknown) => Promise<unknown>;

/**
 * Behind `sls offline start`: boots the local cloud, deploys this service into it from the config
 * the framework has already resolved, and makes every function, the API's included, run in the
 * local cloud's Lambda runtime. serverless-offline serves the HTTP API (and its Lambda invoke
 * port) as usual, but the handlers it loads are forwarders that hand each invocation to the
 * runtime, so there is one execution model for the whole service:
 * - one concurrency budget, first come first served: a burst of requests waits for an environment
 *   (as the requests would wait for Lambda to scale) instead of starting a thread each;
 * - a handler's timeout counts from when it starts, after Init (the bundle's load), as on AWS, so
 *   a cold start on a busy machine is never a timeout (serverless-offline's own timer counted the
 *   cold load of each new worker, and answered 504 to orders it had accepted);
 * - every function runs serverless-esbuild's bundle, what `sls package` ships, and is metered
 *   (CloudWatch, counts) as the local cloud's functions are.
 * The function behind `POST` routes (`POST /orders`, what a user sends first) gets an environment
 * started, its bundle loaded, while the server starts.
 */
export async function startOfflineCloud(
  serverless: ServerlessLike,
  options: { stage?: string },
  log: Log,
  bundled: Promise<void> = Promise.resolve(),
): Promise<OfflineSession> {
  const resolved: ResolvedService = {
    ...serverless.service,
    ...((serverless.service.stepFunctions ?? serverless.configurationInput?.stepFunctions)
      ? { stepFunctions: serverless.service.stepFunctions ?? serverless.configurationInput?.stepFunctions }
      : {}),
  };
  // Read when used: serverless-esbuild replaces `custom` with a copy when it sets the location.
  const offline = () => ((serverless.service.custom ??= {})['serverless-offline'] ??= {}) as OfflineOptions;
  // Where serverless-esbuild bundles the handlers (it sets serverless-offline's `location`), once
  // it has (`bundled`): the cloud starts and creates the tables and queues meanwhile.
  const bundlesDir = bundled.then(() => {
    const location = offline().location;
    return location ? path.resolve(serverless.serviceDir, location) : undefined;
  });
  const cloud = await startLocalCloud({ optional: emulatorsNeeded(resolved) });
  log?.debug?.('emulators started');
  try {
    const stage = options.stage ?? serverless.service.provider.stage ?? 'dev';
    const stack = await cloud.deploy(serverless.serviceDir, {
      stage,
      resolved,
      httpPort: null,
      bundlesDir,
    });
    log?.debug?.('service deployed');
    const functions = serverless.service.functions ?? {};
    // What serverless-offline calls a function (its deployed name) -> the runtime's function.
    const byOfflineName = new Map(
      Object.entries(functions).map(([key, fn]) => [
        fn.name ?? stack.functions[key] ?? key,
        stack.functions[key] ?? key,
      ]),
    );
    const invoke: OfflineInvoke = async (functionName, event) => {
      try {
        // serverless-offline's API (its HTTP server) calls: a client waits, as at API Gateway.
        return await cloud.runtime.invoke(byOfflineName.get(functionName) ?? functionName, event, { frontDoor: true });
      } catch (error) {
        if (!(error instanceof LambdaInvocationError)) throw error;
        // serverless-offline answers a thrown error with 502, and 504 when the message says so
        // (what it answered for a handler that timed out under its own timer).
        throw new Error(
          error.errorType === 'Sandbox.Timedout' ? `[504] - Lambda timeout. ${error.errorMessage}` : error.message,
        );
      }
    };
    (globalThis as Record<symbol, unknown>)[OFFLINE_INVOKE] = invoke;
    // The forwarders run in this process (no thread per request: the runtime's environments are
    // the threads), and the runtime times the handlers.
    Object.assign(offline(), {
      location: await writeForwarders(path.join(cloud.workDir, 'sls-offline', stack.service), functions),
      useInProcess: true,
      noTimeout: true,
    });
    // serverless-offline puts the functions' environment into this process's (in-process); the
    // handlers' environment is the runtime's, so it gets none.
    serverless.service.provider.environment = {};
    for (const fn of Object.values(functions)) {
      fn.environment = {};
      // sls offline serves the API unsigned, as the local cloud does: the routes' IAM authorizer
      // (AWS_IAM) is API Gateway's to enforce, and serverless-offline cannot (it fails on it).
      for (const event of fn.events ?? []) {
        const httpApi = (event as { httpApi?: { authorizer?: unknown } }).httpApi;
        if (httpApi && typeof httpApi === 'object') delete httpApi.authorizer;
      }
    }
    for (const [key, fn] of Object.entries(functions)) {
      if ((fn.events ?? []).some(isPostRoute)) cloud.runtime.prewarm(stack.functions[key] ?? key);
    }
    await writeEndpoints(cloud, { service: stack.service, stage });
    log?.notice?.(
      `local cloud: DynamoDB ${cloud.endpoints.dynamodb}, SQS ${cloud.endpoints.sqs}, EventBridge ` +
        `${cloud.endpoints.eventbridge}, Step Functions ${cloud.endpoints.stepfunctions}, Lambda ${cloud.endpoints.lambda}` +
        (cloud.endpoints.scheduler ? `, Scheduler ${cloud.endpoints.scheduler}` : ''),
    );
    log?.notice?.(
      `deployed ${stack.service} (${stage}) into it: ${Object.keys(stack.functions).length} functions, run by its ` +
        `Lambda runtime (${cloud.runtime.capacity} at once); not emulated: ${stack.notEmulated.join(', ') || 'none'}`,
    );
    return {
      cloud,
      stack,
      reloadCode: () => cloud.runtime.reloadCode(),
      stop: () => {
        if ((globalThis as Record<symbol, unknown>)[OFFLINE_INVOKE] === invoke) {
          delete (globalThis as Record<symbol, unknown>)[OFFLINE_INVOKE];
        }
        return cloud.stop();
      },
    };
  } catch (error) {
    await cloud.stop();
    throw error;
  }
}

/**
 * serverless-offline loads `<location>/<handler path>` for a function: here, for each handler
 * module of the service, a module whose exports hand the invocation to the local cloud's runtime
 * under the function's name (its `context.functionName`). Written whole under a temporary name
 * and renamed, so two starts of the same service never load a half-written file.
 */
async function writeForwarders(dir: string, functions: ServerlessLike['service']['functions']): Promise<string> {
  await mkdir(dir, { recursive: true });
  // serverless-offline looks for the nearest package.json of a handler on every call: this one.
  await writeFile(path.join(dir, 'package.json'), '{ "type": "module" }\n');
  const exportsByModule = new Map<string, Set<string>>();
  for (const fn of Object.values(functions ?? {})) {
    const dot = fn.handler.lastIndexOf('.');
    const [modulePath, exportName] = [fn.handler.slice(0, dot), fn.handler.slice(dot + 1)];
    exportsByModule.set(modulePath, (exportsByModule.get(modulePath) ?? new Set()).add(exportName));
  }
  for (const [modulePath, names] of exportsByModule) {
    const file = path.join(dir, `${modulePath}.mjs`);
    await mkdir(path.dirname(file), { recursive: true });
    const lines = [
      '// Written by the local-cloud plugin (scripts/local-cloud/offline.ts) for `sls offline`: serverless-offline',
      "// loads this module, and each call runs the function in the local cloud's Lambda runtime.",
      `const invoke = (event, context) => globalThis[Symbol.for('${OFFLINE_INVOKE.description}')](context.functionName, event);`,
      ...[...names].map((name) => `export const ${name} = invoke;`),
    ];
    await writeFileAtomic(file, `${lines.join('\n')}\n`);
  }
  return dir;
}

/**
 * A `POST` route of the HTTP API (`httpApi`, or REST `http`): the requests that start work. Only
 * their functions are warmed ahead: a second cold start at the same moment would compete for the
 * CPU with the first request (the others' first requests pay their Init, as on AWS).
 */
function isPostRoute(event: Record<string, unknown>): boolean {
  const route = (event.httpApi ?? event.http) as { method?: string } | string | undefined;
  const method = typeof route === 'string' ? route.split(' ')[0] : route?.method;
  return method?.toUpperCase() === 'POST';
}

/** Starts only the optional emulators the service uses, so `sls offline` of one variant stays lean. */
export function emulatorsNeeded(config: ResolvedService): OptionalService[] {
  const needed: OptionalService[] = [];
  const usesBus =
    Object.values(config.functions ?? {}).some((fn) => (fn.events ?? []).some((e) => 'eventBridge' in e)) ||
    Object.values(config.resources?.Resources ?? {}).some((r) => r.Type === 'AWS::Events::EventBus');
  if (usesBus) needed.push('eventbridge');
  if (Object.keys(config.stepFunctions?.stateMachines ?? {}).length > 0) needed.push('stepfunctions');
  if (usesScheduler(config)) needed.push('scheduler');
  return needed;
}

/**
 * A service uses EventBridge Scheduler when its template has a schedule group or schedule, a role
 * Scheduler assumes or a permission to call it, or a function asks for its endpoint.
 */
function usesScheduler(config: ResolvedService): boolean {
  const template = JSON.stringify(config.resources ?? {});
  const environments = [
    config.provider.environment,
    ...Object.values(config.functions ?? {}).map((f) => f.environment),
  ];
  return (
    /AWS::Scheduler::|"scheduler:[A-Za-z*]|scheduler\.amazonaws\.com/.test(template) ||
    environments.some((environment) => Object.keys(environment ?? {}).includes('AWS_ENDPOINT_URL_SCHEDULER'))
  );
}
