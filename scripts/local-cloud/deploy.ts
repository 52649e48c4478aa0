import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  type AttributeDefinition,
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type CreateTableCommandInput,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoInventoryStore } from '#adapters/dynamo-inventory-store';
import { createDynamoDocumentClient } from '#adapters/clients';
import type { AwsConfig } from '#adapters/config';
import { createCatalog } from '#domain/catalog';
import { LocalHttpApi, type HttpRoute } from './http-api.ts';
import { resolveIntrinsics, type IntrinsicContext, type PhysicalResource } from './intrinsics.ts';
import type { FunctionDefinition, LambdaRuntime } from './lambda-runtime.ts';
import { functionLogicalId, resolveService, type ResolvedFunction, type ResolvedService } from './resolve-service.ts';
import { SqsEventSource } from './sqs-event-source.ts';
import type { SqsWireClient } from './sqs-wire.ts';
import type { CloudInstruments } from './types.ts';

/** What the deployer needs of the local EventBridge (see eventbridge/server.ts). */
export interface EventBridgePort {
  createEventBus(name: string): string;
  putRule(input: {
    name: string;
    eventBusName?: string;
    eventPattern: string | object;
    state?: 'ENABLED' | 'DISABLED';
  }): string;
  putTargets(input: {
    rule: string;
    eventBusName?: string;
    targets: Array<{
      Id: string;
      Arn: string;
      RetryPolicy?: { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number };
      DeadLetterConfig?: { Arn: string };
    }>;
  }): void;
  /** Deliveries made twice by the duplicate knob so far (failure drills). */
  duplicatedDeliveries?(): number;
}

/** What the deployer needs of the local Step Functions (see stepfunctions/server.ts). */
export interface StepFunctionsPort {
  createStateMachine(input: {
    name: string;
    definition: string | object;
    type?: 'STANDARD' | 'EXPRESS';
    roleArn?: string;
  }): string;
}

/** What the deployer needs of the local EventBridge Scheduler (see scheduler/server.ts). */
export interface SchedulerPort {
  /** Creates the group, or keeps the one that exists; returns its ARN. */
  createScheduleGroup(name: string): string;
  /** The stack owning the group is deployed: schedules restored from a previous run may fire. */
  releaseScheduleGroup(name: string): void;
}

/** The handles of a running local cloud a deployment uses. */
export interface CloudHandles {
  region: string;
  account: string;
  awsConfig: AwsConfig;
  dynamo: DynamoDBClient;
  sqs: SQSClient;
  /** The event source mappings' own SQS poller (the JSON protocol, no SDK: see sqs-wire.ts). */
  sqsWire: SqsWireClient;
  runtime: LambdaRuntime;
  eventBridge?: EventBridgePort;
  stepFunctions?: StepFunctionsPort;
  scheduler?: SchedulerPort;
  instruments: CloudInstruments;
}

export interface DeployOptions {
  stage?: string;
  params?: Record<string, string>;
  /** Extra environment for every function (fault knobs of a run, log level). */
  environment?: Record<string, string>;
  /** Port of this stack's HTTP API; 0 picks a free one; null serves none (sls offline serves it). */
  httpPort?: number | null;
  /** An already resolved config (inside `sls offline`, the framework has resolved it). */
  resolved?: ResolvedService;
  /** Seed the inventory table from shared/data/catalog.json (default true). */
  seedInventory?: boolean;
  /**
   * Where the functions' handlers are already bundled, at their handler paths
   * (`<dir>/handlers/place-order.mjs`): serverless-esbuild's output under `sls offline`. The
   * functions run those bundles; one missing there is bundled from its source. A promise when
   * they are still being written: tables and queues are created meanwhile.
   */
  bundlesDir?: string | Promise<string | undefined>;
}

export interface DeployedStack {
  service: string;
  stage: string;
  serviceDir: string;
  config: ResolvedService;
  resources: ReadonlyMap<string, PhysicalResource>;
  /** Function key -> deployed name. */
  functions: Record<string, string>;
  /** Resolved environment per function key (what `sls offline` hands its handlers). */
  environments: Record<string, Record<string, string>>;
  apiUrl?: string;
  /** Resource types present in the template but not emulated (IAM, alarms, log groups...). */
  notEmulated: string[];
  /** Names of the queues a function consumes (event source mappings): where work waits. */
  consumedQueues: string[];
  /** Pauses SQS event sources (a consumer outage), and resumes them. */
  pauseConsumers(): Promise<void>;
  resumeConsumers(): void;
  stop(): Promise<void>;
}

const EMULATED = new Set([
  'AWS::DynamoDB::Table',
  'AWS::SQS::Queue',
  'AWS::Events::EventBus',
  'AWS::Scheduler::ScheduleGroup',
]);

/**
 * Deploys one service into the local cloud from its own serverless.yml (resolved with
 * `sls print`): tables and queues from `resources`, functions and their event sources
 * (`httpApi`, `sqs`, `eventBridge`) from `functions`, state machines from `stepFunctions`.
 * There is no second description of any stack.
 */
export async function deployService(
  cloud: CloudHandles,
  serviceDir: string,
  options: DeployOptions = {},
): Promise<DeployedStack> {
  const stage = options.stage ?? 'local';
  const config =
    options.resolved ??
    (await resolveService(serviceDir, { stage, ...(options.params ? { params: options.params } : {}) }));
  const stackName = `${config.service}-${stage}`;
  const resources = new Map<string, PhysicalResource>();
  const ctx: IntrinsicContext = { region: cloud.region, account: cloud.account, stackName, resources };
  const templateResources = config.resources?.Resources ?? {};
  const notEmulated = new Set<string>();
  // Buses are made with their rules, at the end: see wireEventBridgeRules.
  const buses: string[] = [];
  const scheduleGroups: string[] = [];

  const createdTables = await createTables(cloud, templateResources, ctx);
  await createQueues(cloud, templateResources, ctx);
  for (const [id, resource] of Object.entries(templateResources)) {
    if (resource.Type === 'AWS::Events::EventBus') {
      const name = String(resolveIntrinsics(resource.Properties?.Name, ctx));
      requirePort(cloud.eventBridge, 'EventBridge');
      buses.push(name);
      const arn = `arn:aws:events:${cloud.region}:${cloud.account}:event-bus/${name}`;
      resources.set(id, { ref: name, attributes: { Arn: arn, Name: name } });
    } else if (resource.Type === 'AWS::Scheduler::ScheduleGroup') {
      const name = String(resolveIntrinsics(resource.Properties?.Name ?? `${stackName}-${id}`, ctx));
      const arn = requirePort(cloud.scheduler, 'EventBridge Scheduler').createScheduleGroup(name);
      scheduleGroups.push(name);
      resources.set(id, { ref: name, attributes: { Arn: arn } });
    } else if (resource.Type === 'AWS::IAM::Role') {
      // Not emulated (nothing is authorized locally), but its ARN is IAM's: a role handed to
      // another service (EventBridge Scheduler's Target.RoleArn) passes that service's checks.
      notEmulated.add(resource.Type);
      const name = String(resolveIntrinsics(resource.Properties?.RoleName ?? `${stackName}-${id}`, ctx));
      resources.set(id, { ref: name, attributes: { Arn: `arn:aws:iam::${cloud.account}:role/${name}` } });
    } else if (!EMULATED.has(resource.Type)) {
      notEmulated.add(resource.Type);
      resources.set(id, { ref: id, attributes: { Arn: `arn:aws:local:${cloud.region}:${cloud.account}:${id}` } });
    }
  }
  // Names of functions and state machines are known before anything runs: register them first,
  // so environments and definitions can refer to each other.
  const functions: Record<string, string> = {};
  for (const [key, fn] of Object.entries(config.functions ?? {})) {
    const name = fn.name ?? `${stackName}-${key}`;
    functions[key] = name;
    resources.set(functionLogicalId(key), { ref: name, attributes: { Arn: cloud.runtime.arnOf(name) } });
  }
  const machines = Object.entries(config.stepFunctions?.stateMachines ?? {});
  for (const [key, machine] of machines) {
    const name = machine.name ?? `${stackName}-${key}`;
    const arn = `arn:aws:states:${cloud.region}:${cloud.account}:stateMachine:${name}`;
    const logicalId = machine.id ?? `${key.charAt(0).toUpperCase()}${key.slice(1)}StepFunctionsStateMachine`;
    resources.set(logicalId, { ref: arn, attributes: { Arn: arn, Name: name } });
  }
  for (const [key, fn] of Object.entries(config.functions ?? {})) {
    // osls publishes a durable function behind the alias `durable` (what callers invoke): its Ref
    // is the qualified ARN, which the local Lambda API resolves to the function.
    if (!fn.durableConfig) continue;
    const arn = `${cloud.runtime.arnOf(functions[key] ?? key)}:durable`;
    resources.set(functionLogicalId(key).replace(/LambdaFunction$/, 'DurableLambdaAlias'), {
      ref: arn,
      attributes: { AliasArn: arn },
    });
  }
  resources.set('HttpApi', { ref: 'local', attributes: {} });

  const environments: Record<string, Record<string, string>> = {};
  const bundlesDir = await options.bundlesDir;
  // The service's functions are bundled together: one esbuild build parses what they share once.
  const definitions = Object.entries(config.functions ?? {}).map(([key, fn]) => {
    const definition = functionDefinition(
      cloud,
      config,
      serviceDir,
      key,
      fn,
      functions[key] ?? key,
      ctx,
      options.environment ?? {},
      bundlesDir,
    );
    environments[key] = definition.environment;
    return definition;
  });
  await cloud.runtime.deployAll(definitions);
  for (const [, machine] of machines) {
    const name = machine.name ?? '';
    requirePort(cloud.stepFunctions, 'Step Functions').createStateMachine({
      name,
      definition: resolveIntrinsics(machine.definition, ctx) as object,
      type: machine.type ?? 'STANDARD',
    });
  }
  if (options.seedInventory ?? true) await seedInventory(cloud, config, ctx, createdTables);

  const sources = wireSqsSources(cloud, config, functions, ctx);
  wireEventBridgeRules(cloud, config, functions, ctx, buses);
  const routes = httpRoutes(config, functions);
  let api: LocalHttpApi | undefined;
  let apiUrl: string | undefined;
  if (options.httpPort !== null && routes.length > 0) {
    api = new LocalHttpApi(routes, cloud.runtime);
    apiUrl = await api.start(options.httpPort ?? 0);
  }
  let paused = false;
  sources.forEach((s) => s.start());
  // Everything a schedule of this stack may target is there: a restarted cloud's schedules may fire.
  for (const group of scheduleGroups) cloud.scheduler?.releaseScheduleGroup(group);
  return {
    service: config.service,
    stage,
    serviceDir,
    config,
    resources,
    functions,
    environments,
    ...(apiUrl ? { apiUrl } : {}),
    notEmulated: [...notEmulated].sort(),
    consumedQueues: sources.map((s) => s.queueName),
    async pauseConsumers() {
      paused = true;
      await Promise.all(sources.map((s) => s.stop()));
    },
    resumeConsumers() {
      if (!paused) return;
      paused = false;
      sources.splice(0, sources.length, ...wireSqsSources(cloud, config, functions, ctx));
      sources.forEach((s) => s.start());
    },
    async stop() {
      await Promise.all([api?.stop(), ...sources.map((s) => s.stop())]);
    },
  };
}

function requirePort<T>(port: T | undefined, what: string): T {
  if (!port) throw new Error(`this service needs the local ${what}, which is not running`);
  return port;
}

/**
 * Creates the template's tables; returns the names of those it created. A table that exists
 * already (a redeploy, or a restarted local cloud that keeps its data) is kept with its items
 * when its key schema and indexes are the template's, as a CloudFormation update leaves a table
 * it does not replace; a different one fails the deploy, naming the table.
 */
async function createTables(
  cloud: CloudHandles,
  template: NonNullable<ResolvedService['resources']>['Resources'] & object,
  ctx: IntrinsicContext,
): Promise<Set<string>> {
  const created = new Set<string>();
  for (const [id, resource] of Object.entries(template)) {
    if (resource.Type !== 'AWS::DynamoDB::Table') continue;
    const props = resolveIntrinsics(resource.Properties ?? {}, ctx) as Record<string, unknown>;
    const name = String(props.TableName ?? `${ctx.stackName}-${id}`);
    // dynalite has no SSE, PITR, TTL or streams: the table's shape is what matters locally.
    const input: CreateTableCommandInput = {
      TableName: name,
      AttributeDefinitions: props.AttributeDefinitions as CreateTableCommandInput['AttributeDefinitions'],
      KeySchema: props.KeySchema as CreateTableCommandInput['KeySchema'],
      BillingMode: 'PAY_PER_REQUEST',
      ...(props.GlobalSecondaryIndexes
        ? { GlobalSecondaryIndexes: props.GlobalSecondaryIndexes as CreateTableCommandInput['GlobalSecondaryIndexes'] }
        : {}),
    };
    let exists = false;
    try {
      await cloud.dynamo.send(new CreateTableCommand(input));
      created.add(name);
    } catch (error) {
      if ((error as Error).name !== 'ResourceInUseException') throw error;
      exists = true;
    }
    const { Table } = await cloud.dynamo.send(new DescribeTableCommand({ TableName: name }));
    if (exists) {
      const [wanted, found] = [tableShape(input), tableShape(Table ?? {})];
      if (wanted !== found) {
        throw new Error(
          `table ${name} (${id}) exists in the local cloud with another key schema: it has ${found}, the ` +
            `template declares ${wanted}. Delete the table (or the local cloud's data directory) to recreate it.`,
        );
      }
    }
    (ctx.resources as Map<string, PhysicalResource>).set(id, {
      ref: name,
      attributes: { Arn: Table?.TableArn ?? `arn:aws:dynamodb:${ctx.region}:${ctx.account}:table/${name}` },
    });
  }
  return created;
}

/**
 * A table's key schema and its global secondary indexes' key schemas, with each key attribute's
 * type, as one comparable line (`orderId S HASH; index byStatus: status S HASH, ...`).
 */
function tableShape(table: {
  KeySchema?: KeySchemaElement[] | undefined;
  AttributeDefinitions?: AttributeDefinition[] | undefined;
  GlobalSecondaryIndexes?: Array<{ IndexName?: string | undefined; KeySchema?: KeySchemaElement[] | undefined }>;
}): string {
  const types = new Map((table.AttributeDefinitions ?? []).map((a) => [a.AttributeName, a.AttributeType]));
  const keys = (schema: KeySchemaElement[] | undefined) =>
    (schema ?? []).map((k) => `${k.AttributeName} ${types.get(k.AttributeName) ?? '?'} ${k.KeyType}`).join(', ');
  const indexes = (table.GlobalSecondaryIndexes ?? [])
    .map((index) => `index ${index.IndexName}: ${keys(index.KeySchema)}`)
    .sort();
  return [keys(table.KeySchema), ...indexes].join('; ');
}

/** Queues first without redrive (a DLQ may be declared after its source), then redrive policies. */
async function createQueues(
  cloud: CloudHandles,
  template: NonNullable<ResolvedService['resources']>['Resources'] & object,
  ctx: IntrinsicContext,
): Promise<void> {
  const resources = ctx.resources as Map<string, PhysicalResource>;
  const queues = Object.entries(template).filter(([, r]) => r.Type === 'AWS::SQS::Queue');
  for (const [id, resource] of queues) {
    const props = resource.Properties ?? {};
    const name = String(props.QueueName ?? `${ctx.stackName}-${id}`);
    const attributes: Record<string, string> = {};
    for (const key of [
      'VisibilityTimeout',
      'MessageRetentionPeriod',
      'DelaySeconds',
      'ReceiveMessageWaitTimeSeconds',
      'MaximumMessageSize',
    ]) {
      if (props[key] !== undefined) attributes[key] = String(props[key]);
    }
    const { QueueUrl } = await cloud.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    const { Attributes } = await cloud.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    resources.set(id, {
      ref: QueueUrl ?? '',
      attributes: { Arn: Attributes?.QueueArn ?? '', QueueName: name, QueueUrl: QueueUrl ?? '' },
    });
  }
  for (const [id, resource] of queues) {
    const redrive = resource.Properties?.RedrivePolicy;
    if (!redrive) continue;
    const policy = resolveIntrinsics(typeof redrive === 'string' ? JSON.parse(redrive) : redrive, ctx);
    await cloud.sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: resources.get(id)?.ref,
        Attributes: { RedrivePolicy: JSON.stringify(policy) },
      }),
    );
  }
}

function functionDefinition(
  cloud: CloudHandles,
  config: ResolvedService,
  serviceDir: string,
  key: string,
  fn: ResolvedFunction,
  name: string,
  ctx: IntrinsicContext,
  extra: Record<string, string>,
  bundlesDir: string | undefined,
): FunctionDefinition {
  const [modulePath, exportName = 'handler'] = splitHandler(fn.handler);
  // The extensions serverless-offline (and Lambda's Node.js runtime) try for a handler's module.
  const bundle = bundlesDir
    ? ['.mjs', '.js', '.cjs'].map((ext) => path.join(bundlesDir, `${modulePath}${ext}`)).find((f) => existsSync(f))
    : undefined;
  const declared = resolveIntrinsics({ ...config.provider.environment, ...fn.environment }, ctx) as Record<
    string,
    unknown
  >;
  const environment: Record<string, string> = {
    ...Object.fromEntries(Object.entries(declared).map(([k, v]) => [k, String(v)])),
    ...localRuntimeEnvironment(cloud, name, fn.memorySize ?? config.provider.memorySize ?? 1024),
    ...extra,
  };
  const onFailure = fn.destinations?.onFailure;
  const onFailureArn =
    onFailure === undefined
      ? undefined
      : String(
          resolveIntrinsics(
            typeof onFailure === 'object' && onFailure && 'arn' in onFailure
              ? (onFailure as { arn: unknown }).arn
              : onFailure,
            ctx,
          ),
        );
  const durable = fn.durableConfig
    ? {
        executionTimeoutSeconds: Number(fn.durableConfig.executionTimeout),
        // AWS's default retention when the config leaves it out.
        retentionPeriodInDays: Number(fn.durableConfig.retentionPeriodInDays ?? 14),
      }
    : undefined;
  return {
    name,
    handler: fn.handler,
    runtime: fn.runtime ?? config.provider.runtime ?? 'nodejs22.x',
    ...(durable ? { durable } : {}),
    entry: path.join(serviceDir, `${modulePath}.ts`),
    ...(bundle ? { bundle } : {}),
    exportName,
    environment,
    memoryMb: fn.memorySize ?? config.provider.memorySize ?? 1024,
    timeoutSeconds: fn.timeout ?? config.provider.timeout ?? 6,
    ...(fn.reservedConcurrency !== undefined ? { reservedConcurrency: Number(fn.reservedConcurrency) } : {}),
    async: {
      maximumRetryAttempts: fn.maximumRetryAttempts ?? 2,
      maximumEventAgeSeconds: fn.maximumEventAge ?? 21600,
      ...(onFailureArn ? { onFailureArn } : {}),
    },
  };
}

/** The variables Lambda itself sets, plus the local endpoints the SDK clients read. */
export function localRuntimeEnvironment(
  cloud: CloudHandles,
  functionName: string,
  memoryMb: number,
): Record<string, string> {
  const endpoints = cloud.awsConfig.endpoints;
  return {
    AWS_REGION: cloud.region,
    AWS_DEFAULT_REGION: cloud.region,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    ...(endpoints.dynamodb ? { AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb } : {}),
    ...(endpoints.sqs ? { AWS_ENDPOINT_URL_SQS: endpoints.sqs } : {}),
    ...(endpoints.eventbridge ? { AWS_ENDPOINT_URL_EVENTBRIDGE: endpoints.eventbridge } : {}),
    ...(endpoints.sfn ? { AWS_ENDPOINT_URL_SFN: endpoints.sfn } : {}),
    ...(endpoints.lambda ? { AWS_ENDPOINT_URL_LAMBDA: endpoints.lambda } : {}),
    ...(endpoints.scheduler ? { AWS_ENDPOINT_URL_SCHEDULER: endpoints.scheduler } : {}),
  };
}

function splitHandler(handler: string): [string, string] {
  const dot = handler.lastIndexOf('.');
  return [handler.slice(0, dot), handler.slice(dot + 1)];
}

/**
 * Puts the catalog's stock into the inventory table this deploy created. One that was there
 * already (a redeploy into a restarted local cloud) keeps its stock and holds: orders in flight
 * or waiting hold stock there.
 */
async function seedInventory(
  cloud: CloudHandles,
  config: ResolvedService,
  ctx: IntrinsicContext,
  createdTables: ReadonlySet<string>,
): Promise<void> {
  const tableRef = config.provider.environment?.INVENTORY_TABLE;
  if (tableRef === undefined) return;
  const tableName = String(resolveIntrinsics(tableRef, ctx));
  if (!createdTables.has(tableName)) return;
  const store = new DynamoInventoryStore({
    tableName,
    client: createDynamoDocumentClient({ config: cloud.awsConfig, metered: false }),
  });
  await store.seed(createCatalog().entries);
}

function wireSqsSources(
  cloud: CloudHandles,
  config: ResolvedService,
  functions: Record<string, string>,
  ctx: IntrinsicContext,
): SqsEventSource[] {
  const sources: SqsEventSource[] = [];
  for (const [key, fn] of Object.entries(config.functions ?? {})) {
    for (const event of fn.events ?? []) {
      const sqs = event.sqs as Record<string, unknown> | string | undefined;
      if (!sqs) continue;
      const spec = typeof sqs === 'string' ? { arn: sqs } : sqs;
      const queueArn = String(resolveIntrinsics(spec.arn, ctx));
      const queue = [...ctx.resources.values()].find((r) => r.attributes.Arn === queueArn);
      if (!queue) throw new Error(`function ${key}: no local queue with ARN ${queueArn}`);
      sources.push(
        new SqsEventSource(
          {
            functionName: functions[key] ?? key,
            queueUrl: queue.ref,
            queueArn,
            region: cloud.region,
            batchSize: Number(spec.batchSize ?? 10),
            maximumBatchingWindowSeconds: Number(spec.maximumBatchingWindow ?? 0),
            reportBatchItemFailures: spec.functionResponseType === 'ReportBatchItemFailures',
          },
          cloud.sqsWire,
          cloud.runtime,
          cloud.instruments,
        ),
      );
    }
  }
  return sources;
}

/**
 * Creates the stack's buses and puts their rules and targets in one synchronous step, once the
 * functions are deployed: an event put on a bus always finds its rules. A bus made earlier would
 * accept, and drop, what arrives before its rules: after a restart of a cloud that keeps its
 * schedules, a review timeout that fell due is retried until its bus exists, and must not land
 * on a bus without rules.
 */
function wireEventBridgeRules(
  cloud: CloudHandles,
  config: ResolvedService,
  functions: Record<string, string>,
  ctx: IntrinsicContext,
  buses: readonly string[],
): void {
  for (const name of buses) {
    const arn = requirePort(cloud.eventBridge, 'EventBridge').createEventBus(name);
    const expected = `arn:aws:events:${cloud.region}:${cloud.account}:event-bus/${name}`;
    if (arn !== expected) throw new Error(`the local EventBridge made bus ${name} as ${arn}, not ${expected}`);
  }
  for (const [key, fn] of Object.entries(config.functions ?? {})) {
    (fn.events ?? []).forEach((event, index) => {
      const spec = event.eventBridge as Record<string, unknown> | undefined;
      if (!spec) return;
      const eventBridge = requirePort(cloud.eventBridge, 'EventBridge');
      const bus = spec.eventBus === undefined ? 'default' : String(resolveIntrinsics(spec.eventBus, ctx));
      const eventBusName = bus.startsWith('arn:') ? (bus.split('/').pop() ?? 'default') : bus;
      const rule = String(spec.name ?? `${functions[key]}-rule-${index + 1}`);
      eventBridge.putRule({ name: rule, eventBusName, eventPattern: resolveIntrinsics(spec.pattern, ctx) as object });
      // As CloudFormation names it: the physical id of a rule on a custom bus is `bus|rule`.
      (ctx.resources as Map<string, PhysicalResource>).set(
        `${functionLogicalId(key).replace(/LambdaFunction$/, '')}EventBridgeRule${index + 1}`,
        {
          ref: eventBusName === 'default' ? rule : `${eventBusName}|${rule}`,
          attributes: { Arn: `arn:aws:events:${cloud.region}:${cloud.account}:rule/${eventBusName}/${rule}` },
        },
      );
      const retry = spec.retryPolicy as { maximumRetryAttempts?: number; maximumEventAge?: number } | undefined;
      const dlq =
        spec.deadLetterQueueArn === undefined ? undefined : String(resolveIntrinsics(spec.deadLetterQueueArn, ctx));
      eventBridge.putTargets({
        rule,
        eventBusName,
        targets: [
          {
            Id: `${key}-target`,
            Arn: cloud.runtime.arnOf(functions[key] ?? key),
            ...(retry
              ? {
                  RetryPolicy: {
                    ...(retry.maximumRetryAttempts !== undefined
                      ? { MaximumRetryAttempts: retry.maximumRetryAttempts }
                      : {}),
                    ...(retry.maximumEventAge !== undefined ? { MaximumEventAgeInSeconds: retry.maximumEventAge } : {}),
                  },
                }
              : {}),
            ...(dlq ? { DeadLetterConfig: { Arn: dlq } } : {}),
          },
        ],
      });
    });
  }
}

function httpRoutes(config: ResolvedService, functions: Record<string, string>): HttpRoute[] {
  const routes: HttpRoute[] = [];
  for (const [key, fn] of Object.entries(config.functions ?? {})) {
    for (const event of fn.events ?? []) {
      const http = event.httpApi as { method?: string; path?: string } | string | undefined;
      if (!http) continue;
      const [method, routePath] =
        typeof http === 'string' ? (http.split(' ') as [string, string]) : [http.method ?? '*', http.path ?? '/'];
      routes.push({ method, path: routePath, functionName: functions[key] ?? key });
    }
  }
  return routes;
}
