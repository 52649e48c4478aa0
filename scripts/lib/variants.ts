import path from 'node:path';
import { PROJECT_ROOT } from '../local-cloud/cloud.ts';

/** The implementations of the pipeline the main job, drills and stress compare, each a service under services/. */
export const VARIANTS = ['sqs-chain', 'eventbridge-flags', 'step-functions'] as const;
export type Variant = (typeof VARIANTS)[number];

/**
 * Every service under services/: the compared variants, and those deployable, testable and runnable
 * with `sls offline` that have not joined the main job yet (durable-functions, issue 12).
 */
export const SERVICES = [...VARIANTS, 'durable-functions'] as const;
export type Service = (typeof SERVICES)[number];

export function serviceDir(variant: Service): string {
  return path.join(PROJECT_ROOT, 'services', variant);
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

/** `a,b` -> services (any under services/, compared in the main job or not). */
export function parseServiceList(list: string): Service[] {
  const names = list.split(',').map((v) => v.trim());
  for (const name of names)
    if (!(SERVICES as readonly string[]).includes(name))
      throw new Error(`unknown service "${name}": choose among ${SERVICES.join(', ')}`);
  return (names as Service[]).filter((v, i, all) => all.indexOf(v) === i);
}
