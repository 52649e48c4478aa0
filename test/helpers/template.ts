import type { CfnResource, CfnTemplate } from '#lib/package-service';

export { packageService, type CfnResource, type CfnTemplate } from '#lib/package-service';

export function resourcesOfType(template: CfnTemplate, type: string): Array<[string, CfnResource]> {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

export function statementsOf(role: CfnResource): Statement[] {
  const policies = (role.Properties?.Policies ?? []) as Array<{ PolicyDocument: { Statement: Statement[] } }>;
  return policies.flatMap((p) => p.PolicyDocument.Statement);
}

const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Actions AWS offers no resource-level permission for: a "*" resource is the only option. */
const STAR_RESOURCE_ALLOWED = new Set([
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
]);

/** Every `Ref` / `Fn::GetAtt` / `${X}` in `Fn::Sub` names a resource, parameter or pseudo parameter. */
export function unresolvedReferences(template: CfnTemplate): string[] {
  const known = new Set([
    ...Object.keys(template.Resources),
    ...Object.keys((template as { Parameters?: object }).Parameters ?? {}),
  ]);
  const missing: string[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (!value || typeof value !== 'object') return;
    for (const [key, v] of Object.entries(value)) {
      if (key === 'Ref' && typeof v === 'string' && !v.startsWith('AWS::') && !known.has(v)) missing.push(`Ref ${v}`);
      else if (key === 'Fn::GetAtt') {
        const id = Array.isArray(v) ? String(v[0]) : String(v).split('.')[0];
        if (!known.has(id ?? '')) missing.push(`GetAtt ${id}`);
      } else if (key === 'Fn::Sub') {
        const text = Array.isArray(v) ? String(v[0]) : String(v);
        const vars = Array.isArray(v) ? Object.keys((v[1] ?? {}) as object) : [];
        for (const [, name] of text.matchAll(/\$\{([^}!]+)\}/g)) {
          const id = (name ?? '').split('.')[0] ?? '';
          if (!id.startsWith('AWS::') && !vars.includes(id) && !known.has(id)) missing.push(`Sub ${name}`);
        }
      }
      visit(v);
    }
  };
  visit(template.Resources);
  visit(template.Outputs ?? {});
  return missing;
}

/**
 * Walks a packaged template and names every breach of the project's deploy rules (DESIGN.md,
 * "Deploy"): least-privilege roles per function, encrypted queues with DLQs and depth alarms,
 * on-demand encrypted tables with PITR, tracing, log retention, API throttling, IAM authorization
 * (AWS_IAM) on every route, an ApiUrl output, and references that resolve.
 */
export function findBreaches(template: CfnTemplate): string[] {
  const breaches: string[] = [];
  const queues = resourcesOfType(template, 'AWS::SQS::Queue');
  const dlqIds = new Set(
    queues.flatMap(([, q]) => {
      const target = (q.Properties?.RedrivePolicy as { deadLetterTargetArn?: { 'Fn::GetAtt'?: string[] } } | undefined)
        ?.deadLetterTargetArn;
      return target?.['Fn::GetAtt']?.[0] ? [target['Fn::GetAtt'][0]] : [];
    }),
  );
  const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm').map(([, a]) => JSON.stringify(a.Properties ?? {}));
  for (const [id, queue] of queues) {
    const props = queue.Properties ?? {};
    if (props.SqsManagedSseEnabled !== true && !props.KmsMasterKeyId) breaches.push(`queue ${id} has no SSE`);
    const isDlq = dlqIds.has(id) || String(props.QueueName ?? '').endsWith('-dlq');
    if (!isDlq && !props.RedrivePolicy) breaches.push(`queue ${id} has no DLQ (RedrivePolicy)`);
    if (isDlq && !alarms.some((a) => a.includes(`"${id}"`))) breaches.push(`DLQ ${id} has no depth alarm`);
  }
  for (const [id, table] of resourcesOfType(template, 'AWS::DynamoDB::Table')) {
    const p = table.Properties ?? {};
    if (p.BillingMode !== 'PAY_PER_REQUEST') breaches.push(`table ${id} is not on-demand`);
    if ((p.SSESpecification as { SSEEnabled?: boolean } | undefined)?.SSEEnabled !== true)
      breaches.push(`table ${id} has no SSE`);
    if (
      (p.PointInTimeRecoverySpecification as { PointInTimeRecoveryEnabled?: boolean } | undefined)
        ?.PointInTimeRecoveryEnabled !== true
    )
      breaches.push(`table ${id} has no point-in-time recovery`);
  }
  const functions = resourcesOfType(template, 'AWS::Lambda::Function');
  const roles = new Map<string, string>();
  for (const [id, fn] of functions) {
    const p = fn.Properties ?? {};
    if ((p.TracingConfig as { Mode?: string } | undefined)?.Mode !== 'Active')
      breaches.push(`function ${id} has no X-Ray tracing`);
    const role = (p.Role as { 'Fn::GetAtt'?: string[] } | undefined)?.['Fn::GetAtt']?.[0];
    if (!role) breaches.push(`function ${id} does not use a role of its own stack`);
    else if (roles.has(role)) breaches.push(`functions ${roles.get(role)} and ${id} share role ${role}`);
    else roles.set(role, id);
  }
  for (const [id, role] of resourcesOfType(template, 'AWS::IAM::Role')) {
    for (const statement of statementsOf(role)) {
      const actions = asList(statement.Action);
      if (actions.some((a) => a === '*' || a.endsWith(':*')))
        breaches.push(`role ${id} grants a wildcard action: ${actions.join(', ')}`);
      const resources = asList(statement.Resource);
      if (resources.some((r) => r === '*') && !actions.every((a) => STAR_RESOURCE_ALLOWED.has(a)))
        breaches.push(`role ${id} grants ${actions.join(', ')} on "*"`);
    }
  }
  for (const [id, group] of resourcesOfType(template, 'AWS::Logs::LogGroup')) {
    if (!group.Properties?.RetentionInDays) breaches.push(`log group ${id} keeps logs forever (no RetentionInDays)`);
  }
  for (const [id, stage] of resourcesOfType(template, 'AWS::ApiGatewayV2::Stage')) {
    const settings = stage.Properties?.DefaultRouteSettings as
      | { ThrottlingRateLimit?: number; ThrottlingBurstLimit?: number }
      | undefined;
    if (!settings?.ThrottlingRateLimit || !settings.ThrottlingBurstLimit)
      breaches.push(`API stage ${id} has no throttling`);
  }
  // Issue 15: nobody else can use a deployed stage; opening one is an explicit parameter.
  for (const [id, route] of resourcesOfType(template, 'AWS::ApiGatewayV2::Route')) {
    if (route.Properties?.AuthorizationType !== 'AWS_IAM')
      breaches.push(`route ${id} (${String(route.Properties?.RouteKey)}) does not require IAM authorization (AWS_IAM)`);
  }
  if (!template.Outputs?.ApiUrl) breaches.push('no ApiUrl output for the load test');
  breaches.push(...unresolvedReferences(template).map((r) => `unresolved reference: ${r}`));
  return breaches;
}
