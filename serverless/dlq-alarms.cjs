'use strict';
/**
 * A depth alarm on every dead-letter queue a service lists in `custom.deadLetterQueues` (logical
 * ids): a message there is an order parked FAILED, or a hand-off that never succeeded, and
 * someone has to fix the fault and redrive it. The threshold is the `dlqAlarmThreshold` param
 * (default 1: the first dead letter).
 *
 *   custom:
 *     deadLetterQueues: [ValidateOrderDlq, ChargePaymentDlq]
 *   resources:
 *     - ${file(../../serverless/dlq-alarms.cjs)}
 */
module.exports = async ({ resolveVariable }) => {
  const service = await resolveVariable('self:service');
  const queues = (await resolveVariable('self:custom.deadLetterQueues')) || [];
  const threshold = Number(await resolveVariable('param:dlqAlarmThreshold, 1'));
  const Resources = {};
  for (const queue of queues) {
    Resources[`${queue}DepthAlarm`] = {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        AlarmDescription:
          `Messages parked in ${queue} (an order FAILED, or a hand-off that never succeeded); ` +
          `fix the fault, then npm run redrive -- ${service}`,
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
        Statistic: 'Maximum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: threshold,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      },
    };
  }
  return { Resources };
};
