/**
 * Cases taken from the AWS EventBridge user guide ("Event patterns", "Comparison operators for use
 * in event patterns", "Matching on multiple field values"), each paired with an event that must not
 * match. The names say which behaviour of AWS the case pins down.
 */
import { describe, expect, it } from '@jest/globals';
import {
  InvalidEventPatternException,
  matchesEventPattern,
  parseEventPattern,
  validateEventPattern,
} from '#cloud/eventbridge/event-pattern';

/** The EC2 state-change event the AWS guide uses throughout. */
function ec2Event(detail: Record<string, unknown> = {}, overrides: Record<string, unknown> = {}) {
  return {
    version: '0',
    id: '7bf73129-1428-4cd3-a780-95db273d1602',
    'detail-type': 'EC2 Instance State-change Notification',
    source: 'aws.ec2',
    account: '123456789012',
    time: '2017-10-02T18:43:48Z',
    region: 'us-east-1',
    resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111'],
    detail: { 'instance-id': 'i-abcd1111', state: 'pending', ...detail },
    ...overrides,
  };
}

type Case = [name: string, pattern: object, event: object, expected: boolean];

function check(cases: Case[]): void {
  it.each(cases)('%s', (_name, pattern, event, expected) => {
    expect(matchesEventPattern(pattern, event)).toBe(expected);
  });
}

describe('exact values and structure', () => {
  check([
    [
      'matches on source, detail-type and a nested detail field',
      {
        source: ['aws.ec2'],
        'detail-type': ['EC2 Instance State-change Notification'],
        detail: { state: ['pending'] },
      },
      ec2Event(),
      true,
    ],
    [
      'fails when one field of several differs (AND across fields)',
      { source: ['aws.ec2'], detail: { state: ['terminated'] } },
      ec2Event(),
      false,
    ],
    ['matches any value of the list (OR within a field)', { source: ['aws.ec2', 'aws.fargate'] }, ec2Event(), true],
    ['fails when no value of the list matches', { source: ['aws.s3', 'aws.fargate'] }, ec2Event(), false],
    [
      'fails when a field of the pattern is missing from the event',
      { detail: { 'missing-field': ['x'] } },
      ec2Event(),
      false,
    ],
    [
      'matches a field nested several levels deep',
      { detail: { a: { b: { c: ['deep'] } } } },
      ec2Event({ a: { b: { c: 'deep' } } }),
      true,
    ],
    [
      'fails when a nested value differs',
      { detail: { a: { b: { c: ['deep'] } } } },
      ec2Event({ a: { b: { c: 'shallow' } } }),
      false,
    ],
    [
      'fails when the pattern expects an object where the event has a value',
      { detail: { state: { name: ['pending'] } } },
      ec2Event(),
      false,
    ],
    ['matches booleans by value', { detail: { ok: [true] } }, ec2Event({ ok: true }), true],
    [
      'never matches the string "true" to the boolean true',
      { detail: { ok: [true] } },
      ec2Event({ ok: 'true' }),
      false,
    ],
    ['compares strings case-sensitively', { source: ['AWS.EC2'] }, ec2Event(), false],
  ]);
});

describe('top-level envelope fields', () => {
  check([
    ['matches account', { account: ['123456789012'] }, ec2Event(), true],
    ['fails on another account', { account: ['111122223333'] }, ec2Event(), false],
    ['matches region', { region: ['us-east-1'] }, ec2Event(), true],
    ['fails on another region', { region: ['eu-west-1'] }, ec2Event(), false],
    ['matches detail-type', { 'detail-type': ['EC2 Instance State-change Notification'] }, ec2Event(), true],
    ['fails on another detail-type', { 'detail-type': ['EC2 Spot Instance Interruption Warning'] }, ec2Event(), false],
    // The guide's "Matching on multiple field values" example: the first pattern ARN equals the
    // event's second resource.
    [
      'matches resources when the pattern and event arrays intersect',
      {
        resources: [
          'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
          'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
          'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
        ],
      },
      ec2Event(
        {},
        {
          resources: [
            'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:' +
              'autoScalingGroupName/ASGTerminate',
            'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
          ],
        },
      ),
      true,
    ],
    [
      'fails on resources when the arrays do not intersect',
      { resources: ['arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f'] },
      ec2Event({}, { resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f'] }),
      false,
    ],
    [
      'fails on resources when the event has none',
      { resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f'] },
      ec2Event({}, { resources: [] }),
      false,
    ],
  ]);
});

describe('array-valued event fields', () => {
  check([
    [
      'matches when any element of an event array matches',
      { detail: { tags: ['blue'] } },
      ec2Event({ tags: ['red', 'blue'] }),
      true,
    ],
    [
      'fails when no element of an event array matches',
      { detail: { tags: ['green'] } },
      ec2Event({ tags: ['red', 'blue'] }),
      false,
    ],
    [
      'matches inside an array of objects',
      { detail: { items: { sku: ['B'] } } },
      ec2Event({ items: [{ sku: 'A' }, { sku: 'B' }] }),
      true,
    ],
    [
      'never combines fields of two different array elements',
      { detail: { items: { sku: ['A'], qty: [2] } } },
      ec2Event({
        items: [
          { sku: 'A', qty: 1 },
          { sku: 'B', qty: 2 },
        ],
      }),
      false,
    ],
  ]);
});

describe('null and empty values', () => {
  check([
    [
      'matches [null] to a JSON null',
      { detail: { responseElements: [null] } },
      ec2Event({ responseElements: null }),
      true,
    ],
    ['fails [null] on a missing field', { detail: { responseElements: [null] } }, ec2Event(), false],
    [
      'fails [null] on the string "null"',
      { detail: { responseElements: [null] } },
      ec2Event({ responseElements: 'null' }),
      false,
    ],
    ['matches [""] to an empty string', { detail: { eventVersion: [''] } }, ec2Event({ eventVersion: '' }), true],
    ['fails [""] on null', { detail: { eventVersion: [''] } }, ec2Event({ eventVersion: null }), false],
  ]);
});

describe('prefix and suffix', () => {
  check([
    ['matches a prefix of time', { time: [{ prefix: '2017-10-02' }] }, ec2Event(), true],
    ['fails another prefix', { time: [{ prefix: '2017-10-03' }] }, ec2Event(), false],
    [
      'matches a prefix ignoring case',
      { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } },
      ec2Event({ service: 'eventbridge' }),
      true,
    ],
    [
      'fails a prefix ignoring case when the letters differ',
      { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } },
      ec2Event({ service: 'Events' }),
      false,
    ],
    ['never applies a prefix to a number', { detail: { code: [{ prefix: '12' }] } }, ec2Event({ code: 123 }), false],
    ['matches a suffix', { detail: { FileName: [{ suffix: '.png' }] } }, ec2Event({ FileName: 'image.png' }), true],
    [
      'fails a suffix in another case',
      { detail: { FileName: [{ suffix: '.png' }] } },
      ec2Event({ FileName: 'image.PNG' }),
      false,
    ],
    [
      'matches a suffix ignoring case',
      { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } },
      ec2Event({ FileName: 'image.PNG' }),
      true,
    ],
    [
      'fails a suffix ignoring case on another extension',
      { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } },
      ec2Event({ FileName: 'image.jpg' }),
      false,
    ],
  ]);
});

describe('equals-ignore-case', () => {
  check([
    [
      'matches any casing',
      { detail: { Name: [{ 'equals-ignore-case': 'alice' }] } },
      ec2Event({ Name: 'ALICE' }),
      true,
    ],
    [
      'fails a different word',
      { detail: { Name: [{ 'equals-ignore-case': 'alice' }] } },
      ec2Event({ Name: 'alicia' }),
      false,
    ],
  ]);
});

describe('anything-but', () => {
  check([
    [
      'matches any other string',
      { detail: { state: [{ 'anything-but': 'initializing' }] } },
      ec2Event({ state: 'running' }),
      true,
    ],
    [
      'fails the excluded string',
      { detail: { state: [{ 'anything-but': 'initializing' }] } },
      ec2Event({ state: 'initializing' }),
      false,
    ],
    [
      'fails a missing field (the field must be present)',
      { detail: { missing: [{ 'anything-but': 'initializing' }] } },
      ec2Event(),
      false,
    ],
    [
      'matches any other number',
      { detail: { 'x-limit': [{ 'anything-but': 123 }] } },
      ec2Event({ 'x-limit': 124 }),
      true,
    ],
    [
      'fails the excluded number',
      { detail: { 'x-limit': [{ 'anything-but': 123 }] } },
      ec2Event({ 'x-limit': 123 }),
      false,
    ],
    [
      'treats the string "123" as not the number 123',
      { detail: { 'x-limit': [{ 'anything-but': 123 }] } },
      ec2Event({ 'x-limit': '123' }),
      true,
    ],
    [
      'matches a string outside the excluded list',
      { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
      ec2Event({ state: 'running' }),
      true,
    ],
    [
      'fails a string of the excluded list',
      { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
      ec2Event({ state: 'overloaded' }),
      false,
    ],
    [
      'matches a number outside the excluded list',
      { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } },
      ec2Event({ 'x-limit': 150 }),
      true,
    ],
    [
      'fails a number of the excluded list',
      { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } },
      ec2Event({ 'x-limit': 200 }),
      false,
    ],
    [
      'matches a value without the excluded prefix',
      { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
      ec2Event({ state: 'running' }),
      true,
    ],
    [
      'fails a value with the excluded prefix',
      { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
      ec2Event({ state: 'initializing' }),
      false,
    ],
    [
      'matches a region outside the US (guide example)',
      { region: [{ 'anything-but': { prefix: 'us-' } }] },
      ec2Event({}, { region: 'eu-west-1' }),
      true,
    ],
    ['fails a US region (guide example)', { region: [{ 'anything-but': { prefix: 'us-' } }] }, ec2Event(), false],
    [
      'matches a value without the excluded suffix',
      { detail: { FileName: [{ 'anything-but': { suffix: '.txt' } }] } },
      ec2Event({ FileName: 'notes.md' }),
      true,
    ],
    [
      'fails a value with the excluded suffix',
      { detail: { FileName: [{ 'anything-but': { suffix: '.txt' } }] } },
      ec2Event({ FileName: 'notes.txt' }),
      false,
    ],
    [
      'matches a value unlike any excluded one in any case',
      { detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['Stopped', 'OverLoaded'] } }] } },
      ec2Event({ state: 'running' }),
      true,
    ],
    [
      'fails an excluded value in another case',
      { detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['Stopped', 'OverLoaded'] } }] } },
      ec2Event({ state: 'STOPPED' }),
      false,
    ],
    [
      'matches a path outside the excluded wildcard',
      { detail: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] } },
      ec2Event({ FilePath: '/usr/bin/env' }),
      true,
    ],
    [
      'fails a path inside the excluded wildcard',
      { detail: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] } },
      ec2Event({ FilePath: '/usr/lib/libc.so' }),
      false,
    ],
    [
      'fails a path inside one of the excluded wildcards',
      { detail: { FilePath: [{ 'anything-but': { wildcard: ['*/lib/*', '*/bin/*'] } }] } },
      ec2Event({ FilePath: '/usr/bin/env' }),
      false,
    ],
  ]);
});

describe('numeric', () => {
  const pattern = {
    detail: {
      'c-count': [{ numeric: ['>', 0, '<=', 5] }],
      'd-count': [{ numeric: ['<', 10] }],
      'x-limit': [{ numeric: ['=', 3.018e2] }],
    },
  };
  check([
    [
      'matches when every range holds (guide example)',
      pattern,
      ec2Event({ 'c-count': 5, 'd-count': 9.5, 'x-limit': 301.8 }),
      true,
    ],
    [
      'fails when a value is outside its range',
      pattern,
      ec2Event({ 'c-count': 0, 'd-count': 9.5, 'x-limit': 301.8 }),
      false,
    ],
    ['fails at an open upper bound', pattern, ec2Event({ 'c-count': 1, 'd-count': 10, 'x-limit': 301.8 }), false],
    [
      'never matches a numeric range to a string',
      { detail: { 'c-count': [{ numeric: ['>', 0] }] } },
      ec2Event({ 'c-count': '5' }),
      false,
    ],
    ['never matches the number 5 to the string "5"', { detail: { count: [5] } }, ec2Event({ count: '5' }), false],
    ['never matches the string "5" to the number 5', { detail: { count: ['5'] } }, ec2Event({ count: 5 }), false],
    [
      'matches an exact number written in another notation',
      { detail: { count: [3.0e2] } },
      ec2Event({ count: 300 }),
      true,
    ],
    ['matches >= at its bound', { detail: { n: [{ numeric: ['>=', 1] }] } }, ec2Event({ n: 1 }), true],
  ]);
});

describe('cidr', () => {
  check([
    [
      'matches an IPv4 address in the block',
      { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } },
      ec2Event({ sourceIPAddress: '10.0.0.255' }),
      true,
    ],
    [
      'fails an IPv4 address outside the block',
      { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } },
      ec2Event({ sourceIPAddress: '10.0.1.1' }),
      false,
    ],
    [
      'matches an IPv6 address in the block',
      { detail: { sourceIPAddress: [{ cidr: '2001:db8::/32' }] } },
      ec2Event({ sourceIPAddress: '2001:db8:ffff::1' }),
      true,
    ],
    [
      'fails an IPv6 address outside the block',
      { detail: { sourceIPAddress: [{ cidr: '2001:db8::/32' }] } },
      ec2Event({ sourceIPAddress: '2001:db9::1' }),
      false,
    ],
    [
      'fails a value that is not an IP address',
      { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } },
      ec2Event({ sourceIPAddress: 'example.com' }),
      false,
    ],
    [
      'fails an IPv4 address against an IPv6 block',
      { detail: { sourceIPAddress: [{ cidr: '::/0' }] } },
      ec2Event({ sourceIPAddress: '10.0.0.1' }),
      false,
    ],
  ]);
});

describe('exists', () => {
  check([
    ['matches a present field (guide example)', { detail: { state: [{ exists: true }] } }, ec2Event(), true],
    [
      'fails a missing field (guide example)',
      { detail: { state: [{ exists: true }] } },
      { 'detail-type': ['EC2 Instance State-change Notification'], detail: { 'c-count': { c1: 100 } } },
      false,
    ],
    ['exists:false matches a missing field', { detail: { 'c-count': [{ exists: false }] } }, ec2Event(), true],
    ['exists:false fails a present field', { detail: { state: [{ exists: false }] } }, ec2Event(), false],
    [
      'exists:true matches a null value, which is present',
      { detail: { value: [{ exists: true }] } },
      ec2Event({ value: null }),
      true,
    ],
    [
      'exists:true fails an object, which is not a leaf',
      { detail: { 'c-count': [{ exists: true }] } },
      ec2Event({ 'c-count': { c1: 100 } }),
      false,
    ],
    // event-ruler looks for leaf values at the path, so an object there counts as absent.
    [
      'exists:false holds on an object, which is not a leaf',
      { detail: { 'c-count': [{ exists: false }] } },
      ec2Event({ 'c-count': { c1: 100 } }),
      true,
    ],
    [
      'exists:false holds on an empty array, which has no leaf',
      { detail: { tags: [{ exists: false }] } },
      ec2Event({ tags: [] }),
      true,
    ],
  ]);
});

describe('wildcard', () => {
  check([
    [
      'matches with * standing for any characters',
      { detail: { eventSourceArn: [{ wildcard: 'arn:aws:s3:::bucket/*.png' }] } },
      ec2Event({ eventSourceArn: 'arn:aws:s3:::bucket/dir/a.png' }),
      true,
    ],
    [
      'fails when the fixed parts differ',
      { detail: { eventSourceArn: [{ wildcard: 'arn:aws:s3:::bucket/*.png' }] } },
      ec2Event({ eventSourceArn: 'arn:aws:s3:::bucket/dir/a.jpg' }),
      false,
    ],
    [
      'matches several wildcards',
      { detail: { path: [{ wildcard: '*/lib/*' }] } },
      ec2Event({ path: '/usr/lib/x' }),
      true,
    ],
    [
      'matches an escaped star literally',
      { detail: { name: [{ wildcard: 'a\\*b' }] } },
      ec2Event({ name: 'a*b' }),
      true,
    ],
    [
      'fails an escaped star against other characters',
      { detail: { name: [{ wildcard: 'a\\*b' }] } },
      ec2Event({ name: 'axxb' }),
      false,
    ],
    [
      'treats regular-expression characters literally',
      { detail: { name: [{ wildcard: 'v1.?*' }] } },
      ec2Event({ name: 'v1x2' }),
      false,
    ],
    [
      'never applies a wildcard to a number',
      { detail: { code: [{ wildcard: '1*' }] } },
      ec2Event({ code: 123 }),
      false,
    ],
  ]);
});

describe('$or', () => {
  check([
    [
      'matches when one alternative of a top-level $or holds (guide example)',
      {
        source: ['aws.cloudwatch'],
        $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2'] }],
      },
      { source: 'aws.cloudwatch', namespace: 'AWS/EC2' },
      true,
    ],
    [
      'fails when no alternative holds',
      {
        source: ['aws.cloudwatch'],
        $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2'] }],
      },
      { source: 'aws.cloudwatch', namespace: 'AWS/RDS', metricName: 'FreeStorageSpace' },
      false,
    ],
    [
      'still requires the fields outside the $or',
      { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }] },
      { source: 'aws.ec2', namespace: 'AWS/EC2' },
      false,
    ],
    [
      'works nested inside detail',
      { detail: { $or: [{ 'c-count': [{ numeric: ['>', 0, '<=', 5] }] }, { 'd-count': [{ numeric: ['<', 10] }] }] } },
      ec2Event({ 'c-count': 50, 'd-count': 3 }),
      true,
    ],
  ]);
});

describe('validation', () => {
  const invalid: Array<[string, unknown]> = [
    ['a pattern that is not an object', ['aws.ec2']],
    ['a field that is a bare string', { source: 'aws.ec2' }],
    ['an empty match list', { source: [] }],
    ['an unknown operator', { source: [{ contains: 'ec2' }] }],
    ['two operators in one matcher', { source: [{ prefix: 'a', suffix: 'b' }] }],
    ['a nested array as a value', { source: [['aws.ec2']] }],
    ['a non-boolean exists', { detail: { state: [{ exists: 'yes' }] } }],
    ['a numeric operand out of range', { detail: { n: [{ numeric: ['>', 6e9] }] } }],
    ['a numeric range with the bounds inverted', { detail: { n: [{ numeric: ['>', 5, '<', 1] }] } }],
    ['a numeric range with two lower bounds', { detail: { n: [{ numeric: ['>', 1, '>=', 2] }] } }],
    ['an unknown numeric operator', { detail: { n: [{ numeric: ['!=', 1] }] } }],
    ['a numeric string operand', { detail: { n: [{ numeric: ['>', '1'] }] } }],
    ['a malformed cidr', { detail: { ip: [{ cidr: '10.0.0.0/33' }] } }],
    ['consecutive wildcards', { detail: { f: [{ wildcard: 'a**b' }] } }],
    ['an invalid escape in a wildcard', { detail: { f: [{ wildcard: 'a\\b' }] } }],
    ['a mixed anything-but list', { detail: { f: [{ 'anything-but': ['a', 1] }] } }],
    ['an anything-but prefix list', { detail: { f: [{ 'anything-but': { prefix: ['a', 'b'] } }] } }],
    ['an unsupported anything-but operator', { detail: { f: [{ 'anything-but': { numeric: ['>', 1] } }] } }],
    ['a $or that is not an array of objects', { $or: { a: ['x'] } }],
    ['an operator name inherited from Object.prototype', { source: [{ toString: 'x' }] }],
  ];
  it.each(invalid)('rejects %s', (_name, pattern) => {
    expect(() => validateEventPattern(pattern)).toThrow(InvalidEventPatternException);
    expect(() => matchesEventPattern(pattern, ec2Event())).toThrow(/Event pattern is not valid/);
  });

  it('names the error InvalidEventPatternException and says where the fault is', () => {
    const error = captureError(() => validateEventPattern({ detail: { state: [{ contains: 'x' }] } }));
    expect(error.name).toBe('InvalidEventPatternException');
    expect(error.message).toContain('Unrecognized match type contains');
    expect(error.message).toContain('detail.state');
  });

  it('parses a pattern given as JSON text and rejects text that is not JSON', () => {
    expect(parseEventPattern('{"source":["shop"]}')).toEqual({ source: ['shop'] });
    expect(() => parseEventPattern('{source:')).toThrow(InvalidEventPatternException);
  });
});

function captureError(action: () => void): Error {
  try {
    action();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}
