import { BroadcastChannel } from 'node:worker_threads';
import { OFFLINE_USAGE_CHANNEL, type OfflineInvocationReport } from '#observability/usage';
import { startLocalCloud, writeEndpoints, type LocalCloud, type OptionalService } from './cloud.ts';
import type { CounterName } from './types.ts';
import { localRuntimeEnvironment, type DeployedStack } from './deploy.ts';
import type { ResolvedService } from './resolve-service.ts';

/** The slice of the Serverless Framework object the plugin reads and adjusts. */
interface ServerlessLike {
  serviceDir: string;
  service: ResolvedService & { provider: ResolvedService['provider'] & { stage?: string } };
  /** serverless-step-functions copies `stepFunctions` into `service` only when packaging. */
  configurationInput?: { stepFunctions?: ResolvedService['stepFunctions'] };
}

type Log = { notice?: (message: string) => void } | undefined;

export interface OfflineSession {
  cloud: LocalCloud;
  stack: DeployedStack;
  stop(): Promise<void>;
}

/**
 * Behind `sls offline start`: boots the local cloud, deploys this service into it from the
 * config the framework has already resolved (serverless-offline serves the HTTP API itself), and
 * rewrites the functions' environments with the local physical names, so serverless-offline's
 * handlers and the local cloud's consumers see the same queues, tables, bus and state machine.
 */
export async function startOfflineCloud(
  serverless: ServerlessLike,
  options: { stage?: string },
  log: Log,
): Promise<OfflineSession> {
  const resolved: ResolvedService = {
    ...serverless.service,
    ...((serverless.service.stepFunctions ?? serverless.configurationInput?.stepFunctions)
      ? { stepFunctions: serverless.service.stepFunctions ?? serverless.configurationInput?.stepFunctions }
      : {}),
  };
  const cloud = await startLocalCloud({ optional: emulatorsNeeded(resolved) });
  try {
    const stage = options.stage ?? serverless.service.provider.stage ?? 'dev';
    const stack = await cloud.deploy(serverless.serviceDir, { stage, resolved, httpPort: null });
    const sample = Object.values(stack.environments)[0] ?? {};
    // serverless-offline copies AWS_* variables of this process into its handlers' environment.
    for (const [key, value] of Object.entries(localRuntimeEnvironment(cloud, 'offline', 1024))) {
      if (key.startsWith('AWS_') && !key.startsWith('AWS_LAMBDA_')) process.env[key] = value;
    }
    for (const [key, fn] of Object.entries(serverless.service.functions ?? {})) {
      const resolved = stack.environments[key] ?? sample;
      fn.environment = Object.fromEntries(
        Object.keys({ ...serverless.service.provider.environment, ...fn.environment }).map((k) => [
          k,
          resolved[k] ?? '',
        ]),
      );
      // sls offline serves the API unsigned, as the local cloud does: the routes' IAM authorizer
      // (AWS_IAM) is API Gateway's to enforce, and serverless-offline cannot (it fails on it).
      for (const event of fn.events ?? []) {
        const httpApi = (event as { httpApi?: { authorizer?: unknown } }).httpApi;
        if (httpApi && typeof httpApi === 'object') delete httpApi.authorizer;
      }
      // Its handlers report each invocation back (shared/observability/usage.ts), so the API's
      // invocations are metered and reach CloudWatch as the local cloud's own functions do.
      fn.environment.LOCAL_CLOUD_OFFLINE_USAGE = '1';
    }
    const usage = meterOfflineInvocations(cloud);
    serverless.service.provider.environment = {};
    await writeEndpoints(cloud, { service: stack.service, stage });
    log?.notice?.(
      `local cloud: DynamoDB ${cloud.endpoints.dynamodb}, SQS ${cloud.endpoints.sqs}, EventBridge ` +
        `${cloud.endpoints.eventbridge}, Step Functions ${cloud.endpoints.stepfunctions}, Lambda ${cloud.endpoints.lambda}` +
        (cloud.endpoints.scheduler ? `, Scheduler ${cloud.endpoints.scheduler}` : ''),
    );
    log?.notice?.(
      `deployed ${stack.service} (${stage}) into it: ${Object.keys(stack.functions).length} functions; not emulated: ` +
        `${stack.notEmulated.join(', ') || 'none'}`,
    );
    return {
      cloud,
      stack,
      stop: () => {
        usage.close();
        return cloud.stop();
      },
    };
  } catch (error) {
    await cloud.stop();
    throw error;
  }
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

/**
 * Listens for the invocations serverless-offline runs in its own threads and meters them as the
 * local Lambda runtime meters its own: counters, and the CloudWatch metrics of AWS/Lambda, plus
 * the data points the handler's SDK calls produced (DynamoDB capacity, SQS messages sent).
 */
function meterOfflineInvocations(cloud: LocalCloud): BroadcastChannel {
  const channel = new BroadcastChannel(OFFLINE_USAGE_CHANNEL);
  (channel as unknown as { unref?: () => void }).unref?.();
  channel.onmessage = (message) => {
    const report = (message as { data: OfflineInvocationReport }).data;
    const { instruments } = cloud;
    instruments.count('lambdaInvocations');
    instruments.count('lambdaGbSeconds', (report.memoryMb / 1024) * (Math.ceil(report.durationMs) / 1000));
    for (const [name, n] of Object.entries(report.usage)) instruments.count(name as CounterName, n);
    const dimensions = { FunctionName: report.functionName };
    instruments.metric?.({ namespace: 'AWS/Lambda', metricName: 'Invocations', dimensions, value: 1 });
    instruments.metric?.({
      namespace: 'AWS/Lambda',
      metricName: 'Duration',
      dimensions,
      value: report.durationMs,
      unit: 'Milliseconds',
    });
    if (!report.ok) instruments.metric?.({ namespace: 'AWS/Lambda', metricName: 'Errors', dimensions, value: 1 });
    for (const datum of report.metrics) instruments.metric?.(datum);
  };
  return channel;
}
