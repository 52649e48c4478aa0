/** The target types the local EventBridge can deliver to, read from their ARNs. */
export type TargetKind = { kind: 'lambda' } | { kind: 'sqs'; queueName: string };

const LAMBDA_ARN = /^arn:aws[\w-]*:lambda:[^:]*:\d*:function:[\w-]+(:[\w$-]+)?$/;
const SQS_ARN = /^arn:aws[\w-]*:sqs:[^:]*:\d*:([\w.-]+)$/;

export function targetKind(arn: string): TargetKind | undefined {
  if (LAMBDA_ARN.test(arn)) return { kind: 'lambda' };
  const queueName = SQS_ARN.exec(arn)?.[1];
  return queueName ? { kind: 'sqs', queueName } : undefined;
}

export function sqsQueueName(arn: string): string | undefined {
  const kind = targetKind(arn);
  return kind?.kind === 'sqs' ? kind.queueName : undefined;
}

/** InputPath in the dotted JSONPath form rules use in practice: `$`, `$.detail`, `$.detail.order`. */
const INPUT_PATH = /^\$(\.[^.[\]]+)*$/;

export function isSupportedInputPath(path: string): boolean {
  return INPUT_PATH.test(path);
}

/** The part of the event an InputPath selects; a path that selects nothing yields null. */
export function selectInputPath(event: unknown, path: string | undefined): unknown {
  if (path === undefined) return event;
  const selected = path
    .split('.')
    .slice(1)
    .reduce<unknown>((node, key) => (isRecord(node) ? node[key] : undefined), event);
  return selected ?? null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
