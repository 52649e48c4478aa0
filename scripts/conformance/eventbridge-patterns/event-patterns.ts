/**
 * Rules from the EventBridge user guide pages "Amazon EventBridge event patterns", "Event pattern
 * syntax", "Arrays in Amazon EventBridge event patterns" and "Matching null values and empty
 * strings", plus event-ruler's README where the guide defers to it ("JSON keys with dots",
 * "JSON Array Matching").
 */
import { ec2Event, type PatternCase, section } from './case.ts';

const values = section('Event pattern syntax > Matching event values')
  .match(
    'matches source, detail-type and a nested detail field (guide example)',
    { source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'], detail: { state: ['pending'] } },
    ec2Event(),
  )
  .noMatch(
    'every field of the pattern must match (AND)',
    { source: ['aws.ec2'], detail: { state: ['running'] } },
    ec2Event(),
  )
  .match('any value of a field list matches (OR)', { source: ['aws.ec2', 'aws.fargate'] }, ec2Event())
  .noMatch('no value of a field list matches', { source: ['aws.s3', 'aws.fargate'] }, ec2Event())
  .match('fields of the event the pattern does not name are ignored', { region: ['us-east-1'] }, ec2Event())
  .noMatch('a field the pattern names must be in the event', { detail: { 'missing-field': ['x'] } }, ec2Event())
  .noMatch('matching is case-sensitive', { source: ['AWS.EC2'] }, ec2Event())
  .noMatch('matching is character by character, without trimming', { source: ['aws.ec2 '] }, ec2Event())
  .match('matches account', { account: ['123456789012'] }, ec2Event())
  .noMatch('fails on another account', { account: ['111122223333'] }, ec2Event())
  .match('matches time exactly', { time: ['2017-10-02T18:43:48Z'] }, ec2Event())
  .match('matches a numeric value', { detail: { count: [5] } }, ec2Event({ count: 5 }))
  .match('matches a number written in another notation', { detail: { count: [3.0e2] } }, ec2Event({ count: 300 }))
  .noMatch('the number 5 never matches the string "5"', { detail: { count: [5] } }, ec2Event({ count: '5' }))
  .noMatch('the string "5" never matches the number 5', { detail: { count: ['5'] } }, ec2Event({ count: 5 }))
  .match('matches true', { detail: { ok: [true] } }, ec2Event({ ok: true }))
  .noMatch('true never matches false', { detail: { ok: [true] } }, ec2Event({ ok: false }))
  .noMatch('the boolean true never matches the string "true"', { detail: { ok: [true] } }, ec2Event({ ok: 'true' }))
  .noMatch('the string "true" never matches the boolean true', { detail: { ok: ['true'] } }, ec2Event({ ok: true }))
  .match('matches false', { detail: { ok: [false] } }, ec2Event({ ok: false }))
  .match('mixes value types in one list', { detail: { code: ['a', 7, true, null] } }, ec2Event({ code: 7 }));

const structure = section('Event pattern syntax > Event pattern considerations')
  .match(
    'a field several levels deep keeps the event nesting',
    { detail: { a: { b: { c: ['deep'] } } } },
    ec2Event({ a: { b: { c: 'deep' } } }),
  )
  .noMatch('a nested value must be equal', { detail: { a: { b: ['x'] } } }, ec2Event({ a: { b: 'y' } }))
  .noMatch(
    'an object in the pattern never matches a value in the event',
    { detail: { state: { name: ['pending'] } } },
    ec2Event(),
  )
  .noMatch(
    'a list of values never matches an object in the event',
    { detail: { state: ['pending'] } },
    ec2Event({ state: { name: 'pending' } }),
  )
  .invalid('a pattern must be a JSON object', ['aws.ec2'], 'Filter is not an object')
  .invalid(
    'a field value must be a list, not a string',
    { source: 'aws.ec2' },
    '"source" must be an object or an array',
  )
  .invalid('a field value must be a list, not a number', { detail: { n: 5 } }, '"n" must be an object or an array')
  .invalid('a field value must be a list, not null', { detail: { n: null } }, '"n" must be an object or an array')
  .invalid('a field value must be a list, not a boolean', { detail: { n: true } }, '"n" must be an object or an array')
  .invalid('an empty match list is rejected', { source: [] }, 'Empty arrays are not allowed')
  .invalid('an empty pattern is rejected', {}, 'Empty objects are not allowed')
  .invalid('an empty nested object is rejected', { detail: {} }, 'Empty objects are not allowed')
  .invalid(
    'a list inside a match list is rejected',
    { source: [['aws.ec2']] },
    'Match value must be String, number, true, false, or null',
  )
  .invalid('an unknown operator is rejected', { source: [{ contains: 'ec2' }] }, 'Unrecognized match type contains')
  .invalid(
    'an operator name inherited from Object.prototype is an unknown operator',
    { source: [{ toString: 'x' }] },
    'Unrecognized match type toString',
  )
  .invalid('an empty matcher object is rejected', { source: [{}] }, 'Match expression name not found')
  .invalid(
    'a matcher holds one operator only',
    { source: [{ prefix: 'a', suffix: 'b' }] },
    'Only one key allowed in match expression',
  );

const nulls = section('Matching null values and empty strings')
  .match('[null] matches a JSON null', { detail: { responseElements: [null] } }, ec2Event({ responseElements: null }))
  .noMatch('[null] does not match a missing field', { detail: { responseElements: [null] } }, ec2Event())
  .noMatch('[null] does not match the string "null"', { detail: { r: [null] } }, ec2Event({ r: 'null' }))
  .noMatch('[null] does not match an empty string', { detail: { r: [null] } }, ec2Event({ r: '' }))
  .match('[""] matches an empty string', { detail: { eventVersion: [''] } }, ec2Event({ eventVersion: '' }))
  .noMatch('[""] does not match null', { detail: { eventVersion: [''] } }, ec2Event({ eventVersion: null }))
  .noMatch('[""] does not match a missing field', { detail: { eventVersion: [''] } }, ec2Event())
  .match(
    'null and empty string together match either',
    { detail: { LastName: ['', null] } },
    ec2Event({ LastName: null }),
  )
  .noMatch('[null] does not match an empty array', { detail: { r: [null] } }, ec2Event({ r: [] }))
  .match('[null] matches a null inside an array', { detail: { r: [null] } }, ec2Event({ r: ['a', null] }));

const arrays = section('Arrays in event patterns')
  .match(
    'matches when the pattern list and the event array intersect (guide example)',
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
          'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate',
          'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        ],
      },
    ),
  )
  .noMatch(
    'fails when the pattern list and the event array do not intersect',
    { resources: ['arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f'] },
    ec2Event({}, { resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f'] }),
  )
  .noMatch('an empty event array matches no value', { resources: ['arn:aws:ec2:x'] }, ec2Event({}, { resources: [] }))
  .match('any element of an event array can match', { detail: { tags: ['blue'] } }, ec2Event({ tags: ['red', 'blue'] }))
  .noMatch('no element of an event array matches', { detail: { tags: ['green'] } }, ec2Event({ tags: ['red', 'blue'] }))
  .match(
    'elements of nested arrays are values of the field',
    { detail: { tags: ['c'] } },
    ec2Event({ tags: [['a', 'b'], ['c']] }),
  )
  .match(
    'a field inside an array of objects matches on any element',
    { detail: { employees: { firstName: ['Anna'] } } },
    ec2Event({
      employees: [
        { firstName: 'John', lastName: 'Doe' },
        { firstName: 'Anna', lastName: 'Smith' },
      ],
    }),
  )
  .match(
    'several fields of an array of objects match within one element',
    { detail: { employees: { firstName: ['Anna'], lastName: ['Smith'] } } },
    ec2Event({
      employees: [
        { firstName: 'John', lastName: 'Doe' },
        { firstName: 'Anna', lastName: 'Smith' },
      ],
    }),
  )
  .noMatch(
    'fields of different elements of one array are never combined',
    { detail: { employees: { firstName: ['Anna'], lastName: ['Jones'] } } },
    ec2Event({
      employees: [
        { firstName: 'Anna', lastName: 'Smith' },
        { firstName: 'Peter', lastName: 'Jones' },
      ],
    }),
  )
  .match(
    'arrays of arrays of objects are flattened ("crushed out")',
    { detail: { employees: { firstName: ['Peter'], lastName: ['Jones'] } } },
    ec2Event({
      employees: [[{ firstName: 'John', lastName: 'Doe' }], [{ firstName: 'Peter', lastName: 'Jones' }]],
    }),
  )
  .noMatch(
    'elements of an inner array stay apart across the outer array',
    { detail: { employees: { firstName: ['John'], lastName: ['Jones'] } } },
    ec2Event({
      employees: [[{ firstName: 'John', lastName: 'Doe' }], [{ firstName: 'Peter', lastName: 'Jones' }]],
    }),
  )
  .match(
    'fields in one element plus a field outside the array',
    { detail: { items: { sku: ['A'], qty: [2] }, currency: ['EUR'] } },
    ec2Event({
      currency: 'EUR',
      items: [
        { sku: 'B', qty: 1 },
        { sku: 'A', qty: 2 },
      ],
    }),
  )
  .match(
    'an element deeper in an array of objects keeps its own nesting',
    { detail: { orders: { lines: { sku: ['A'], qty: [1] } } } },
    ec2Event({ orders: [{ lines: [{ sku: 'B', qty: 1 }] }, { lines: [{ sku: 'A', qty: 1 }] }] }),
  )
  .noMatch(
    'fields in different inner elements of one outer element are not combined',
    { detail: { orders: { lines: { sku: ['A'], qty: [1] } } } },
    ec2Event({
      orders: [
        {
          lines: [
            { sku: 'A', qty: 2 },
            { sku: 'B', qty: 1 },
          ],
        },
      ],
    }),
  )
  .match(
    'an operator applies to each element of an event array',
    { detail: { sizes: [{ numeric: ['>', 10] }] } },
    ec2Event({ sizes: [1, 5, 20] }),
  );

const dots = section('Event pattern considerations > Keys containing dots')
  .match(
    'a dotted key in the pattern matches nested keys in the event',
    { detail: { 'state.status': ['running'] } },
    ec2Event({ state: { status: 'running' } }),
  )
  .match(
    'nested keys in the pattern match a dotted key in the event',
    { detail: { state: { status: ['running'] } } },
    ec2Event({ 'state.status': 'running' }),
  )
  .match(
    'a dotted key in the pattern matches the same dotted key in the event',
    { detail: { 'state.status': ['running'] } },
    ec2Event({ 'state.status': 'running' }),
  )
  .match('a dotted top-level key reaches into detail', { 'detail.state': ['pending'] }, ec2Event())
  .noMatch(
    'a dotted key still needs the value to be equal',
    { detail: { 'state.status': ['running'] } },
    ec2Event({ 'state.status': 'stopped' }),
  )
  .match(
    'dotted keys work with operators',
    { 'detail.file.name': [{ suffix: '.png' }] },
    ec2Event({ 'file.name': 'image.png' }),
  );

export const eventPatternCases: PatternCase[] = [
  ...values.cases,
  ...structure.cases,
  ...nulls.cases,
  ...arrays.cases,
  ...dots.cases,
];
