/**
 * `sls offline` starts the optional emulators a service uses, and only those: the Scheduler for a
 * service whose template or environment shows it calls EventBridge Scheduler.
 */
import { describe, expect, it } from '@jest/globals';
import { emulatorsNeeded } from '#cloud/offline';
import type { ResolvedService } from '#cloud/resolve-service';

function service(extra: Partial<ResolvedService> = {}): ResolvedService {
  return { service: 's', provider: {}, functions: { f: { handler: 'h.handler' } }, ...extra };
}

describe('the emulators sls offline starts', () => {
  it('starts none of the optional emulators for a service that uses none', () => {
    expect(emulatorsNeeded(service())).toEqual([]);
  });

  it('starts the Scheduler for a schedule group, a scheduler permission or role, or its endpoint variable', () => {
    const withResources = (Resources: NonNullable<ResolvedService['resources']>['Resources']) =>
      emulatorsNeeded(service({ resources: { Resources } }));
    expect(withResources({ Group: { Type: 'AWS::Scheduler::ScheduleGroup', Properties: { Name: 'g' } } })).toEqual([
      'scheduler',
    ]);
    const policy = { PolicyDocument: { Statement: [{ Effect: 'Allow', Action: ['scheduler:CreateSchedule'] }] } };
    expect(withResources({ Role: { Type: 'AWS::IAM::Role', Properties: { Policies: [policy] } } })).toEqual([
      'scheduler',
    ]);
    const trust = { AssumeRolePolicyDocument: { Statement: [{ Principal: { Service: 'scheduler.amazonaws.com' } }] } };
    expect(withResources({ Role: { Type: 'AWS::IAM::Role', Properties: trust } })).toEqual(['scheduler']);
    const functions = { f: { handler: 'h.handler', environment: { AWS_ENDPOINT_URL_SCHEDULER: '' } } };
    expect(emulatorsNeeded(service({ functions }))).toEqual(['scheduler']);
  });
});
