import type { DeployedStack } from '../deploy.ts';
import { functionLogicalId } from '../resolve-service.ts';
import type { StackView } from './server.ts';

/**
 * A deployed stack as CloudFormation describes it: logical id, physical id (what `Ref` returns:
 * function name, queue URL, table name, state machine ARN, `bus|rule` for a rule on a custom
 * bus) and resource type, with the API URL as the `HttpApiUrl` output.
 */
export function describeStack(stack: DeployedStack, createdAt: Date): StackView {
  const templateTypes = Object.fromEntries(
    Object.entries(stack.config.resources?.Resources ?? {}).map(([id, r]) => [id, r.Type]),
  );
  const functionIds = new Set(Object.keys(stack.functions).map(functionLogicalId));
  const typeOf = (id: string, ref: string): string =>
    templateTypes[id] ??
    (functionIds.has(id)
      ? 'AWS::Lambda::Function'
      : ref.startsWith('arn:aws:states:')
        ? 'AWS::StepFunctions::StateMachine'
        : id === 'HttpApi'
          ? 'AWS::ApiGatewayV2::Api'
          : id.includes('EventBridgeRule')
            ? 'AWS::Events::Rule'
            : 'AWS::CloudFormation::CustomResource');
  return {
    name: `${stack.service}-${stack.stage}`,
    createdAt,
    resources: [...stack.resources.entries()].map(([logicalId, r]) => ({
      logicalId,
      physicalId: r.ref,
      type: typeOf(logicalId, r.ref),
    })),
    outputs: stack.apiUrl ? { HttpApiUrl: stack.apiUrl } : {},
  };
}
