/**
 * CloudFormation intrinsic functions, resolved against the local cloud's physical resources, so
 * a service's own serverless.yml (with `!Ref`, `!GetAtt`, `!Sub`) is the one description of its
 * stack locally too.
 */
export interface PhysicalResource {
  /** What `Ref` returns (queue URL, table name, function name, state machine ARN, ...). */
  ref: string;
  /** What `Fn::GetAtt` returns per attribute (Arn, QueueName, ...). */
  attributes: Record<string, string>;
}

export interface IntrinsicContext {
  region: string;
  account: string;
  stackName: string;
  resources: ReadonlyMap<string, PhysicalResource>;
}

export class UnresolvedIntrinsicError extends Error {
  override readonly name = 'UnresolvedIntrinsicError';
}

function pseudo(name: string, ctx: IntrinsicContext): string | undefined {
  const values: Record<string, string> = {
    'AWS::Region': ctx.region,
    'AWS::AccountId': ctx.account,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': ctx.stackName,
    'AWS::StackId': `arn:aws:cloudformation:${ctx.region}:${ctx.account}:stack/${ctx.stackName}/local`,
  };
  return values[name];
}

function ref(name: string, ctx: IntrinsicContext): string {
  const value = pseudo(name, ctx) ?? ctx.resources.get(name)?.ref;
  if (value === undefined) throw new UnresolvedIntrinsicError(`Ref ${name}: no such resource in the local stack`);
  return value;
}

function getAtt(logicalId: string, attribute: string, ctx: IntrinsicContext): string {
  const value = ctx.resources.get(logicalId)?.attributes[attribute];
  if (value === undefined)
    throw new UnresolvedIntrinsicError(`Fn::GetAtt ${logicalId}.${attribute}: not available in the local stack`);
  return value;
}

function sub(template: string, vars: Record<string, unknown>, ctx: IntrinsicContext): string {
  return template.replace(/\$\{([^}!][^}]*)\}/g, (_match, name: string) => {
    if (name in vars) return String(resolveIntrinsics(vars[name], ctx));
    const dot = name.indexOf('.');
    return dot > 0 && !name.startsWith('AWS::') ? getAtt(name.slice(0, dot), name.slice(dot + 1), ctx) : ref(name, ctx);
  });
}

/** Resolves every intrinsic in a value (deeply); plain values come back unchanged. */
export function resolveIntrinsics(value: unknown, ctx: IntrinsicContext): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveIntrinsics(item, ctx));
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 1) {
    const [key] = keys as [string];
    const arg = obj[key];
    switch (key) {
      case 'Ref':
        return ref(String(arg), ctx);
      case 'Fn::GetAtt': {
        const [id, attr] = Array.isArray(arg) ? (arg as string[]) : String(arg).split(/\.(.+)/);
        return getAtt(String(id), String(attr), ctx);
      }
      case 'Fn::Sub':
        return Array.isArray(arg)
          ? sub(String(arg[0]), (arg[1] ?? {}) as Record<string, unknown>, ctx)
          : sub(String(arg), {}, ctx);
      case 'Fn::Join': {
        const [sep, parts] = arg as [string, unknown[]];
        return (resolveIntrinsics(parts, ctx) as unknown[]).join(sep);
      }
      case 'Fn::Select': {
        const [index, list] = arg as [number, unknown];
        return (resolveIntrinsics(list, ctx) as unknown[])[Number(index)];
      }
      case 'Fn::Split': {
        const [sep, source] = arg as [string, unknown];
        return String(resolveIntrinsics(source, ctx)).split(sep);
      }
      case 'Fn::ImportValue':
        throw new UnresolvedIntrinsicError('Fn::ImportValue: cross-stack imports are not emulated');
      default:
        break;
    }
  }
  return Object.fromEntries(keys.map((key) => [key, resolveIntrinsics(obj[key], ctx)]));
}
