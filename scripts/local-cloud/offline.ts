import { startLocalCloud, writeEndpoints, type LocalCloud } from './cloud.ts';
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
    }
    serverless.service.provider.environment = {};
    await writeEndpoints(cloud, { service: stack.service, stage });
    log?.notice?.(
      `local cloud: DynamoDB ${cloud.endpoints.dynamodb}, SQS ${cloud.endpoints.sqs}, EventBridge ${cloud.endpoints.eventbridge}, Step Functions ${cloud.endpoints.stepfunctions}, Lambda ${cloud.endpoints.lambda}`,
    );
    log?.notice?.(
      `deployed ${stack.service} (${stage}) into it: ${Object.keys(stack.functions).length} functions; not emulated: ${stack.notEmulated.join(', ') || 'none'}`,
    );
    return { cloud, stack, stop: () => cloud.stop() };
  } catch (error) {
    await cloud.stop();
    throw error;
  }
}

/** Starts only the optional emulators the service uses, so `sls offline` of one variant stays lean. */
function emulatorsNeeded(config: ResolvedService): Array<'eventbridge' | 'stepfunctions'> {
  const needed: Array<'eventbridge' | 'stepfunctions'> = [];
  const usesBus =
    Object.values(config.functions ?? {}).some((fn) => (fn.events ?? []).some((e) => 'eventBridge' in e)) ||
    Object.values(config.resources?.Resources ?? {}).some((r) => r.Type === 'AWS::Events::EventBus');
  if (usesBus) needed.push('eventbridge');
  if (Object.keys(config.stepFunctions?.stateMachines ?? {}).length > 0) needed.push('stepfunctions');
  return needed;
}
