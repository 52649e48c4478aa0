import path from 'node:path';
import { PROJECT_ROOT } from '../local-cloud/cloud.ts';

/** The three implementations of the pipeline, each a service under services/. */
export const VARIANTS = ['sqs-chain', 'eventbridge-flags', 'step-functions'] as const;
export type Variant = (typeof VARIANTS)[number];

export function serviceDir(variant: Variant): string {
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
