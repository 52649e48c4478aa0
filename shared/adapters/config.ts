import { getStringFromEnv } from '@aws-lambda-powertools/commons/utils/env';

/** The services our adapters talk to; each may be pointed at a local emulator. */
export type AwsService = 'dynamodb' | 'sqs' | 'eventbridge' | 'sfn' | 'lambda' | 'scheduler';

export interface AwsConfig {
  region: string;
  /** Per-service endpoint override (the local cloud); absent means the real AWS endpoint. */
  endpoints: Partial<Record<AwsService, string>>;
  /** Only for the local cloud (dummy keys); on AWS the default provider chain is used. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/**
 * The standard SDK variables (`AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL`), read in one
 * place so a test or the local cloud passes endpoints through env or config alike.
 */
const ENDPOINT_VARIABLES: Record<AwsService, string> = {
  dynamodb: 'AWS_ENDPOINT_URL_DYNAMODB',
  sqs: 'AWS_ENDPOINT_URL_SQS',
  eventbridge: 'AWS_ENDPOINT_URL_EVENTBRIDGE',
  sfn: 'AWS_ENDPOINT_URL_SFN',
  lambda: 'AWS_ENDPOINT_URL_LAMBDA',
  scheduler: 'AWS_ENDPOINT_URL_SCHEDULER',
};

export function awsConfigFromEnv(env: NodeJS.ProcessEnv = process.env): AwsConfig {
  const endpoints: AwsConfig['endpoints'] = {};
  for (const [service, variable] of Object.entries(ENDPOINT_VARIABLES) as [AwsService, string][]) {
    const endpoint = env[variable] || env.AWS_ENDPOINT_URL;
    if (endpoint) endpoints[service] = endpoint;
  }
  return { region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1', endpoints };
}

/** Reads a required variable once, at cold start; a missing one fails loudly with its name. */
export function requireEnv(key: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env === process.env) return getStringFromEnv({ key, errorMessage: `environment variable ${key} is required` });
  const value = env[key]?.trim();
  if (!value) throw new Error(`environment variable ${key} is required`);
  return value;
}

/** Reads an optional positive integer variable. */
export function intFromEnv(key: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`environment variable ${key} must be a whole number, got "${raw}"`);
  return value;
}

/** Names of the tables every variant uses, from env (set by serverless.yml). */
export interface TableNames {
  orders: string;
  inventory: string;
  ledger: string;
}

export function tableNamesFromEnv(env: NodeJS.ProcessEnv = process.env): TableNames {
  return {
    orders: requireEnv('ORDERS_TABLE', env),
    inventory: requireEnv('INVENTORY_TABLE', env),
    ledger: requireEnv('LEDGER_TABLE', env),
  };
}
