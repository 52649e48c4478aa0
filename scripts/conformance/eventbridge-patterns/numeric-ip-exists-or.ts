/**
 * "Content filtering" in the user guide: numeric matching, IP address matching, exists matching,
 * the complex examples and `$or` matching, with the validation event-ruler applies to each.
 */
import { ec2Event, type PatternCase, section } from './case.ts';

const guideNumeric = {
  detail: {
    'c-count': [{ numeric: ['>', 0, '<=', 5] }],
    'd-count': [{ numeric: ['<', 10] }],
    'x-limit': [{ numeric: ['=', 3.018e2] }],
  },
};

const numeric = section('Content filtering > Numeric matching')
  .match(
    'every range holds (guide example)',
    guideNumeric,
    ec2Event({ 'c-count': 5, 'd-count': 9.5, 'x-limit': 301.8 }),
  )
  .noMatch(
    'a value below an open lower bound fails',
    guideNumeric,
    ec2Event({ 'c-count': 0, 'd-count': 9.5, 'x-limit': 301.8 }),
  )
  .noMatch(
    'a value at an open upper bound fails',
    guideNumeric,
    ec2Event({ 'c-count': 1, 'd-count': 10, 'x-limit': 301.8 }),
  )
  .match('= matches an equal number', { detail: { n: [{ numeric: ['=', 301.8] }] } }, ec2Event({ n: 3.018e2 }))
  .noMatch('= fails another number', { detail: { n: [{ numeric: ['=', 5] }] } }, ec2Event({ n: 5.5 }))
  .match('< holds below the bound', { detail: { n: [{ numeric: ['<', 10] }] } }, ec2Event({ n: -3 }))
  .noMatch('< fails at the bound', { detail: { n: [{ numeric: ['<', 10] }] } }, ec2Event({ n: 10 }))
  .match('<= holds at the bound', { detail: { n: [{ numeric: ['<=', 10] }] } }, ec2Event({ n: 10 }))
  .noMatch('<= fails above the bound', { detail: { n: [{ numeric: ['<=', 10] }] } }, ec2Event({ n: 10.5 }))
  .match('> holds above the bound', { detail: { n: [{ numeric: ['>', 0] }] } }, ec2Event({ n: 0.5 }))
  .noMatch('> fails at the bound', { detail: { n: [{ numeric: ['>', 0] }] } }, ec2Event({ n: 0 }))
  .match('>= holds at the bound', { detail: { n: [{ numeric: ['>=', 1] }] } }, ec2Event({ n: 1 }))
  .noMatch('>= fails below the bound', { detail: { n: [{ numeric: ['>=', 1] }] } }, ec2Event({ n: 0.999 }))
  .match('>= with <= holds at both bounds', { detail: { n: [{ numeric: ['>=', 1, '<=', 2] }] } }, ec2Event({ n: 2 }))
  .match('works with negative numbers', { detail: { n: [{ numeric: ['>', -10, '<', -5] }] } }, ec2Event({ n: -7.5 }))
  .match(
    'matches at the limit of the numeric range',
    { detail: { n: [{ numeric: ['>=', 5e9] }] } },
    ec2Event({ n: 5e9 }),
  )
  .noMatch('never matches a string', { detail: { n: [{ numeric: ['>', 0] }] } }, ec2Event({ n: '5' }))
  .noMatch('never matches a boolean or null', { detail: { n: [{ numeric: ['>', -1] }] } }, ec2Event({ n: null }))
  .noMatch('needs the field to be present', { detail: { n: [{ numeric: ['>', 0] }] } }, ec2Event())
  .noMatch(
    'an event number beyond the numeric range does not match',
    { detail: { n: [{ numeric: ['>', 0] }] } },
    ec2Event({ n: 6e9 }),
  )
  .match(
    'six digits after the decimal point count',
    { detail: { n: [{ numeric: ['>', 0] }] } },
    ec2Event({ n: 0.000001 }),
  )
  .noMatch(
    'a value with more than six decimals is not compared numerically',
    { detail: { n: [{ numeric: ['>', 0] }] } },
    ec2Event({ n: 1.0000001 }),
  )
  .match(
    'two ranges in one list are alternatives',
    { detail: { n: [{ numeric: ['<', 0] }, { numeric: ['>', 100] }] } },
    ec2Event({ n: 101 }),
  )
  .invalid('the value must be a list', { detail: { n: [{ numeric: '>' }] } }, 'Value of numeric must be an array.')
  .invalid('an empty list is rejected', { detail: { n: [{ numeric: [] }] } }, 'Invalid member in numeric match: ]')
  .invalid(
    'the operator must come first',
    { detail: { n: [{ numeric: [5, '>'] }] } },
    'Invalid member in numeric match: 5',
  )
  .invalid(
    'an unknown operator is rejected',
    { detail: { n: [{ numeric: ['!=', 1] }] } },
    'Unrecognized numeric range operator: !=',
  )
  .invalid('the operand must be a number', { detail: { n: [{ numeric: ['>', '1'] }] } }, 'Value of > must be numeric')
  .invalid('= takes a number', { detail: { n: [{ numeric: ['=', null] }] } }, 'Value of equals must be numeric')
  .invalid(
    'an operand beyond 5.0e9 is rejected',
    { detail: { n: [{ numeric: ['>', 6e9] }] } },
    'Value must be between -5.0E9 and 5.0E9, inclusive',
  )
  .invalid(
    'an operand below -5.0e9 is rejected',
    { detail: { n: [{ numeric: ['<', -6e9] }] } },
    'Value must be between -5.0E9 and 5.0E9, inclusive',
  )
  .invalid(
    'a range needs its bottom below its top',
    { detail: { n: [{ numeric: ['>', 5, '<', 1] }] } },
    'Bottom must be less than top',
  )
  .invalid(
    'a range needs distinct bounds',
    { detail: { n: [{ numeric: ['>=', 5, '<=', 5] }] } },
    'Bottom must be less than top',
  )
  .invalid(
    'a range starts with its lower bound',
    { detail: { n: [{ numeric: ['<', 10, '>', 0] }] } },
    'Too many elements in numeric expression',
  )
  .invalid(
    'a range has one lower and one upper bound',
    { detail: { n: [{ numeric: ['>', 1, '>=', 2] }] } },
    'Bad numeric range operator: >=',
  )
  .invalid(
    '= takes no second comparison',
    { detail: { n: [{ numeric: ['=', 1, '<', 2] }] } },
    'Too many elements in numeric expression',
  )
  .invalid(
    'a range has two comparisons at most',
    { detail: { n: [{ numeric: ['>', 0, '<', 5, '<', 6] }] } },
    'Too many terms in numeric range expression',
  );

const ip = section('Content filtering > IP address matching')
  .match(
    'matches an IPv4 address in the block (guide example)',
    { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } },
    ec2Event({ sourceIPAddress: '10.0.0.255' }),
  )
  .noMatch(
    'fails an IPv4 address outside the block',
    { detail: { ip: [{ cidr: '10.0.0.0/24' }] } },
    ec2Event({ ip: '10.0.1.1' }),
  )
  .match(
    'matches the first address of the block',
    { detail: { ip: [{ cidr: '10.0.0.0/8' }] } },
    ec2Event({ ip: '10.0.0.0' }),
  )
  .match(
    'a block written with host bits covers its network',
    { detail: { ip: [{ cidr: '10.0.0.7/24' }] } },
    ec2Event({ ip: '10.0.0.200' }),
  )
  .match(
    'matches an IPv6 address in the block',
    { detail: { ip: [{ cidr: '2001:db8::/32' }] } },
    ec2Event({ ip: '2001:db8:ffff::1' }),
  )
  .noMatch(
    'fails an IPv6 address outside the block',
    { detail: { ip: [{ cidr: '2001:db8::/32' }] } },
    ec2Event({ ip: '2001:db9::1' }),
  )
  .match(
    'matches an IPv6 address written in full',
    { detail: { ip: [{ cidr: '2001:db8::/64' }] } },
    ec2Event({ ip: '2001:0db8:0000:0000:0000:0000:0000:0001' }),
  )
  .noMatch(
    'fails a value that is not an IP address',
    { detail: { ip: [{ cidr: '10.0.0.0/24' }] } },
    ec2Event({ ip: 'example.com' }),
  )
  .noMatch(
    'fails an IPv4 address against an IPv6 block',
    { detail: { ip: [{ cidr: '::/0' }] } },
    ec2Event({ ip: '10.0.0.1' }),
  )
  .noMatch('never matches a number', { detail: { ip: [{ cidr: '10.0.0.0/8' }] } }, ec2Event({ ip: 10 }))
  .match(
    'an IPv4-mapped IPv6 address is its IPv4 address',
    { detail: { ip: [{ cidr: '10.0.0.0/8' }] } },
    ec2Event({ ip: '::ffff:10.1.2.3' }),
  )
  .match('an exact IP address matches the same address', { detail: { ip: ['10.0.0.1'] } }, ec2Event({ ip: '10.0.0.1' }))
  .match(
    'an exact IPv6 address matches another notation of it',
    { detail: { ip: ['2001:db8::1'] } },
    ec2Event({ ip: '2001:DB8:0:0:0:0:0:1' }),
  )
  .invalid('a mask is required', { detail: { ip: [{ cidr: '10.0.0.1' }] } }, "Malformed CIDR, one '/' required")
  .invalid('a /32 IPv4 block is rejected', { detail: { ip: [{ cidr: '10.0.0.1/32' }] } }, 'IPv4 mask bits must be < 32')
  .invalid(
    'an IPv4 mask beyond 32 is rejected',
    { detail: { ip: [{ cidr: '10.0.0.0/33' }] } },
    'IPv4 mask bits must be < 32',
  )
  .invalid(
    'a /128 IPv6 block is rejected',
    { detail: { ip: [{ cidr: '2001:db8::1/128' }] } },
    'IPv6 mask bits must be < 128',
  )
  .invalid(
    'the mask must be an integer',
    { detail: { ip: [{ cidr: '10.0.0.0/a' }] } },
    'Malformed CIDR, mask bits must be an integer',
  )
  .invalid(
    'the mask must not be negative',
    { detail: { ip: [{ cidr: '10.0.0.0/-1' }] } },
    'Malformed CIDR, mask bits must not be negative',
  )
  .invalid(
    'the address must be an IP literal',
    { detail: { ip: [{ cidr: 'example.com/24' }] } },
    'Nonstandard IP address: example.com',
  )
  .invalid(
    'an IPv4 address needs valid octets',
    { detail: { ip: [{ cidr: '300.0.0.0/8' }] } },
    'Invalid IP address: 300.0.0.0',
  )
  .invalid('the block must be a string', { detail: { ip: [{ cidr: 10 }] } }, 'prefix match pattern must be a string');

const exists = section('Content filtering > Exists matching')
  .match('exists:true matches a present field (guide example)', { detail: { state: [{ exists: true }] } }, ec2Event())
  .noMatch('exists:true fails a missing field', { detail: { 'c-count': [{ exists: true }] } }, ec2Event())
  .match(
    'exists:false matches a missing field (guide example)',
    { detail: { 'c-count': [{ exists: false }] } },
    ec2Event(),
  )
  .noMatch('exists:false fails a present field', { detail: { state: [{ exists: false }] } }, ec2Event())
  .match('exists:true matches a null value', { detail: { v: [{ exists: true }] } }, ec2Event({ v: null }))
  .noMatch('exists:false fails a null value', { detail: { v: [{ exists: false }] } }, ec2Event({ v: null }))
  .match('exists:true matches an empty string', { detail: { v: [{ exists: true }] } }, ec2Event({ v: '' }))
  .noMatch(
    'exists:true fails on an object, which is not a leaf node',
    { detail: { 'c-count': [{ exists: true }] } },
    ec2Event({ 'c-count': { c1: 100 } }),
  )
  .match(
    'exists:false holds on an object, which is not a leaf node (guide example)',
    { detail: { 'c-count': [{ exists: false }] } },
    ec2Event({ 'c-count': { c1: 100 } }),
  )
  .match('exists:true matches an array of values', { detail: { tags: [{ exists: true }] } }, ec2Event({ tags: ['a'] }))
  .noMatch('exists:true fails an empty array', { detail: { tags: [{ exists: true }] } }, ec2Event({ tags: [] }))
  .match('exists:false holds on an empty array', { detail: { tags: [{ exists: false }] } }, ec2Event({ tags: [] }))
  .match(
    'exists:true reaches leaves inside an array of objects',
    { detail: { items: { sku: [{ exists: true }] } } },
    ec2Event({ items: [{ qty: 1 }, { sku: 'A' }] }),
  )
  .noMatch(
    'exists:false fails when any element of an array of objects has the field',
    { detail: { items: { sku: [{ exists: false }] } } },
    ec2Event({ items: [{ qty: 1 }, { sku: 'A' }] }),
  )
  .match(
    'exists:false looks only in the array element the other fields matched in',
    { detail: { items: { qty: [1], sku: [{ exists: false }] } } },
    ec2Event({
      items: [{ qty: 1 }, { qty: 2, sku: 'A' }],
    }),
  )
  .noMatch(
    'exists:false fails when the matched element has the field',
    { detail: { items: { qty: [2], sku: [{ exists: false }] } } },
    ec2Event({
      items: [{ qty: 1 }, { qty: 2, sku: 'A' }],
    }),
  )
  .match(
    'exists:false holds where the event has a value higher up the path',
    { detail: { state: { name: [{ exists: false }] } } },
    ec2Event(),
  )
  .match(
    'exists:true on a top-level field',
    { source: [{ exists: true }], 'detail-type': [{ exists: true }] },
    ec2Event(),
  )
  .invalid(
    'exists takes true or false',
    { detail: { f: [{ exists: 'yes' }] } },
    'exists match pattern must be either true or false.',
  )
  .invalid(
    'exists does not take null',
    { detail: { f: [{ exists: null }] } },
    'exists match pattern must be either true or false.',
  );

const complex = section('Content filtering > Complex example with multiple matching')
  .match(
    'combines prefix, anything-but, numeric and cidr on one event (guide example)',
    {
      time: [{ prefix: '2017-10-02' }],
      detail: {
        state: [{ 'anything-but': 'initializing' }],
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ 'anything-but': [100, 200, 300] }],
        'source-ip': [{ cidr: '10.0.0.0/8' }],
      },
    },
    ec2Event({ state: 'running', 'c-count': 5, 'd-count': 3, 'x-limit': 301.8, 'source-ip': '10.0.0.33' }),
  )
  .noMatch(
    'one failing field fails the whole pattern',
    {
      time: [{ prefix: '2017-10-02' }],
      detail: { state: [{ 'anything-but': 'initializing' }], 'x-limit': [{ 'anything-but': [100, 200, 300] }] },
    },
    ec2Event({ state: 'running', 'x-limit': 300 }),
  );

const or = section('Content filtering > Complex example with $or matching')
  .match(
    'matches when one alternative holds (guide example)',
    {
      source: ['aws.cloudwatch'],
      $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2'] }],
    },
    ec2Event({}, { source: 'aws.cloudwatch', namespace: 'AWS/EC2' }),
  )
  .noMatch(
    'fails when no alternative holds',
    {
      source: ['aws.cloudwatch'],
      $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2'] }],
    },
    ec2Event({}, { source: 'aws.cloudwatch', namespace: 'AWS/RDS', metricName: 'FreeStorageSpace' }),
  )
  .noMatch(
    'still requires the fields outside $or',
    { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }] },
    ec2Event({}, { namespace: 'AWS/EC2' }),
  )
  .match(
    'works inside detail (guide example)',
    {
      detail: {
        $or: [
          { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] },
          { 'd-count': [{ numeric: ['<', 10] }] },
          { 'x-limit': [{ numeric: ['=', 3.018e2] }] },
        ],
      },
    },
    ec2Event({ 'c-count': 50, 'd-count': 3 }),
  )
  .match(
    'an alternative can require several fields (AND inside OR)',
    { $or: [{ metricName: ['CPU'] }, { metricType: ['MetricType'], namespace: ['AWS/EC2'] }] },
    ec2Event({}, { metricType: 'MetricType', namespace: 'AWS/EC2' }),
  )
  .noMatch(
    'every field of the chosen alternative must hold',
    { $or: [{ metricName: ['CPU'] }, { metricType: ['MetricType'], namespace: ['AWS/EC2'] }] },
    ec2Event({}, { metricType: 'MetricType', namespace: 'AWS/ES' }),
  )
  .match(
    'alternatives can nest another $or',
    { $or: [{ scope: ['Service'] }, { namespace: ['AWS/EC2'], $or: [{ metricId: [1234] }, { spaceId: [1000] }] }] },
    ec2Event({}, { namespace: 'AWS/EC2', spaceId: 1000 }),
  )
  .noMatch(
    'a nested $or must hold too',
    { $or: [{ scope: ['Service'] }, { namespace: ['AWS/EC2'], $or: [{ metricId: [1234] }, { spaceId: [1000] }] }] },
    ec2Event({}, { namespace: 'AWS/EC2', spaceId: 1 }),
  )
  .match(
    'two $or at different levels must both hold (parallel OR)',
    {
      $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }],
      detail: { $or: [{ source: ['aws.cloudwatch'] }, { 'detail-type': ['CloudWatch Alarm State Change'] }] },
    },
    ec2Event({ 'detail-type': 'CloudWatch Alarm State Change' }, { namespace: 'AWS/EC2' }),
  )
  .noMatch(
    'parallel OR fails when one of them fails',
    {
      $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }],
      detail: { $or: [{ source: ['aws.cloudwatch'] }, { 'detail-type': ['CloudWatch Alarm State Change'] }] },
    },
    ec2Event({}, { namespace: 'AWS/EC2' }),
  )
  .match(
    'alternatives may use operators',
    { detail: { $or: [{ state: [{ prefix: 'run' }] }, { code: [{ numeric: ['>', 5] }] }] } },
    ec2Event({ code: 7 }),
  )
  .invalid(
    '$or needs at least two alternatives',
    { $or: [{ source: ['a'] }] },
    'There must have at least 2 Objects in $or relationship.',
  )
  .invalid('$or must be a list', { $or: { source: ['a'] } }, 'It must be an Array followed with $or.')
  .invalid(
    'each alternative must be an object',
    { $or: [{ source: ['a'] }, ['b']] },
    'Only JSON object is allowed in array of $or relationship.',
  )
  .invalid(
    'an operator name cannot be a field inside $or',
    { $or: [{ numeric: ['a'] }, { prefix: ['b'] }] },
    'numeric is Ruler reserved fieldName which cannot be used inside $or.',
  )
  .invalid('an empty alternative is rejected', { $or: [{}, { source: ['a'] }] }, 'Empty objects are not allowed');

export const numericIpExistsOrCases: PatternCase[] = [
  ...numeric.cases,
  ...ip.cases,
  ...exists.cases,
  ...complex.cases,
  ...or.cases,
];
