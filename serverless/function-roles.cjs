'use strict';
/**
 * One least-privilege IAM role per function, the part every role shares written once: Lambda's
 * trust policy, writing to the function's own log group (no other), and X-Ray trace segments.
 * What a function does beyond that is listed in its service's `custom.functionRoles`, keyed by
 * function, with a comment naming the reason for each statement:
 *
 *   custom:
 *     functionRoles:
 *       getOrder:
 *         # OrdersTable: status + timeline of the order, read only.
 *         - { Effect: Allow, Action: [dynamodb:GetItem], Resource: !GetAtt OrdersTable.Arn }
 *   resources:
 *     - ${file(../../serverless/function-roles.cjs)}
 *
 * Each function names its role (`role: GetOrderRole`): the role's logical id is the function key
 * in PascalCase followed by `Role`.
 */
module.exports = async ({ resolveVariable }) => {
  const service = await resolveVariable('self:service');
  const stage = await resolveVariable('sls:stage');
  const functionRoles = (await resolveVariable('self:custom.functionRoles')) || {};
  const Resources = {};
  for (const [fn, statements] of Object.entries(functionRoles)) {
    const logGroup = `log-group:/aws/lambda/${service}-${stage}-${fn}:*`;
    Resources[`${fn.charAt(0).toUpperCase()}${fn.slice(1)}Role`] = {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        },
        Policies: [
          {
            PolicyName: fn,
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                // Its own log group only.
                {
                  Effect: 'Allow',
                  Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
                  Resource: { 'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:${logGroup}` },
                },
                // X-Ray trace segments have no resource-level permissions: AWS allows only "*".
                { Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' },
                ...(statements || []),
              ],
            },
          },
        ],
      },
    };
  }
  return { Resources };
};
