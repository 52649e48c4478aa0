/**
 * "Content filtering > Anything-but matching" in the user guide, with every form event-ruler
 * documents (value, list, prefix, suffix, equals-ignore-case, wildcard, and their list forms) and
 * the validation it applies to them.
 */
import { ec2Event, type PatternCase, section } from './case.ts';

const plain = section('Content filtering > Anything-but matching')
  .match(
    'matches any other string (guide example)',
    { detail: { state: [{ 'anything-but': 'initializing' }] } },
    ec2Event({ state: 'running' }),
  )
  .noMatch(
    'fails the excluded string',
    { detail: { state: [{ 'anything-but': 'initializing' }] } },
    ec2Event({ state: 'initializing' }),
  )
  .noMatch('needs the field to be present', { detail: { missing: [{ 'anything-but': 'initializing' }] } }, ec2Event())
  .noMatch(
    'an empty event array has no value to match',
    { detail: { tags: [{ 'anything-but': 'x' }] } },
    ec2Event({ tags: [] }),
  )
  .match(
    'matches any other number (guide example)',
    { detail: { 'x-limit': [{ 'anything-but': 123 }] } },
    ec2Event({ 'x-limit': 124 }),
  )
  .noMatch(
    'fails the excluded number',
    { detail: { 'x-limit': [{ 'anything-but': 123 }] } },
    ec2Event({ 'x-limit': 123 }),
  )
  .noMatch(
    'fails the excluded number in another notation',
    { detail: { n: [{ 'anything-but': 100 }] } },
    ec2Event({ n: 1.0e2 }),
  )
  .match(
    'an excluded number does not exclude the same digits as a string',
    { detail: { n: [{ 'anything-but': 123 }] } },
    ec2Event({ n: '123' }),
  )
  .match(
    'an excluded string does not exclude the same digits as a number',
    { detail: { n: [{ 'anything-but': '123' }] } },
    ec2Event({ n: 123 }),
  )
  .match(
    'a null value is not an excluded string',
    { detail: { state: [{ 'anything-but': 'running' }] } },
    ec2Event({ state: null }),
  )
  .match(
    'a boolean value is not an excluded string',
    { detail: { ok: [{ 'anything-but': 'true' }] } },
    ec2Event({ ok: true }),
  )
  .match(
    'matches a string outside an excluded list (guide example)',
    { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
    ec2Event({ state: 'running' }),
  )
  .noMatch(
    'fails a string of the excluded list',
    { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
    ec2Event({ state: 'overloaded' }),
  )
  .match(
    'matches a number outside an excluded list (guide example)',
    { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } },
    ec2Event({ 'x-limit': 150 }),
  )
  .noMatch(
    'fails a number of the excluded list',
    { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } },
    ec2Event({ 'x-limit': 200 }),
  )
  .match(
    'an event array matches when one element is not excluded',
    { detail: { tags: [{ 'anything-but': ['a'] }] } },
    ec2Event({ tags: ['a', 'b'] }),
  )
  .noMatch(
    'an event array fails when every element is excluded',
    { detail: { tags: [{ 'anything-but': ['a', 'b'] }] } },
    ec2Event({ tags: ['a', 'b'] }),
  )
  .match(
    'combines with another matcher of the same field (OR)',
    { detail: { tier: [{ 'anything-but': ['gold', 'silver'] }, { exists: false }] } },
    ec2Event(),
  )
  .noMatch(
    'an excluded value fails even beside exists:false',
    { detail: { tier: [{ 'anything-but': ['gold', 'silver'] }, { exists: false }] } },
    ec2Event({ tier: 'gold' }),
  )
  .invalid(
    'a list mixing strings and numbers is rejected',
    { detail: { f: [{ 'anything-but': ['a', 1] }] } },
    'Inside anything but list, either all values are number or string, mixed type is not supported',
  )
  .invalid(
    'an empty list is rejected',
    { detail: { f: [{ 'anything-but': [] }] } },
    'Inside anything but list, either all values are number or string, mixed type is not supported',
  )
  .invalid(
    'null inside the list is rejected',
    { detail: { f: [{ 'anything-but': ['a', null] }] } },
    'Inside anything but list, start|null|boolean is not supported.',
  )
  .invalid(
    'a boolean inside the list is rejected',
    { detail: { f: [{ 'anything-but': [true] }] } },
    'Inside anything but list, start|null|boolean is not supported.',
  )
  .invalid(
    'a null value is rejected',
    { detail: { f: [{ 'anything-but': null }] } },
    'Value of anything-but must be an array or single string/number value.',
  )
  .invalid(
    'a boolean value is rejected',
    { detail: { f: [{ 'anything-but': false }] } },
    'Value of anything-but must be an array or single string/number value.',
  )
  .invalid(
    'an excluded number must be within the numeric range',
    { detail: { f: [{ 'anything-but': 6e9 }] } },
    'Value must be between -5.0E9 and 5.0E9, inclusive',
  )
  .invalid(
    'another operator cannot be negated',
    { detail: { f: [{ 'anything-but': { numeric: ['>', 1] } }] } },
    'Unsupported anything-but pattern: numeric',
  )
  .invalid(
    'anything-but cannot be nested',
    { detail: { f: [{ 'anything-but': { 'anything-but': 'a' } }] } },
    'Unsupported anything-but pattern: anything-but',
  )
  .invalid(
    'exists cannot be negated',
    { detail: { f: [{ 'anything-but': { exists: true } }] } },
    'Unsupported anything-but pattern: exists',
  )
  .invalid(
    'an empty negated object is rejected',
    { detail: { f: [{ 'anything-but': {} }] } },
    'Anything-But expression name not found',
  )
  .invalid(
    'a negated object holds one operator only',
    { detail: { f: [{ 'anything-but': { prefix: 'a', suffix: 'b' } }] } },
    'Too many elements in numeric expression',
  );

const withPrefix = section('Content filtering > Anything-but matching > with prefix')
  .match(
    'matches a value without the prefix',
    { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
    ec2Event({ state: 'running' }),
  )
  .noMatch(
    'fails a value with the prefix (guide example)',
    { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
    ec2Event({ state: 'initializing' }),
  )
  .match(
    'matches a region outside the US (guide example)',
    { region: [{ 'anything-but': { prefix: 'us-' } }] },
    ec2Event({}, { region: 'eu-west-1' }),
  )
  .noMatch('fails a US region (guide example)', { region: [{ 'anything-but': { prefix: 'us-' } }] }, ec2Event())
  .noMatch(
    'fails a value equal to the prefix',
    { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
    ec2Event({ state: 'init' }),
  )
  .match(
    'is case-sensitive',
    { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
    ec2Event({ state: 'INITIALIZING' }),
  )
  .match(
    'a number is never excluded by a prefix',
    { detail: { n: [{ 'anything-but': { prefix: '1' } }] } },
    ec2Event({ n: 123 }),
  )
  .noMatch('needs the field to be present', { detail: { n: [{ 'anything-but': { prefix: '1' } }] } }, ec2Event())
  .match(
    'a list form excludes each prefix: other values match',
    { detail: { state: [{ 'anything-but': { prefix: ['init', 'error'] } }] } },
    ec2Event({ state: 'running' }),
  )
  .noMatch(
    'a list form excludes each prefix: the first',
    { detail: { state: [{ 'anything-but': { prefix: ['init', 'error'] } }] } },
    ec2Event({ state: 'initializing' }),
  )
  .noMatch(
    'a list form excludes each prefix: the second',
    { detail: { state: [{ 'anything-but': { prefix: ['init', 'error'] } }] } },
    ec2Event({ state: 'error-42' }),
  )
  .invalid(
    'an empty prefix is rejected',
    { detail: { f: [{ 'anything-but': { prefix: '' } }] } },
    'Null prefix/suffix not allowed',
  )
  .invalid(
    'an empty prefix in the list form is rejected',
    { detail: { f: [{ 'anything-but': { prefix: ['a', ''] } }] } },
    'Null prefix/suffix not allowed',
  )
  .invalid(
    'a number prefix is rejected',
    { detail: { f: [{ 'anything-but': { prefix: 1 } }] } },
    'prefix/suffix match pattern must be a string',
  )
  .invalid(
    'a number in the prefix list is rejected',
    { detail: { f: [{ 'anything-but': { prefix: ['a', 1] } }] } },
    'prefix/suffix match pattern must be a string',
  )
  .invalid(
    'a null prefix is rejected',
    { detail: { f: [{ 'anything-but': { prefix: null } }] } },
    'Value of anything-but must be an array or single string/number value.',
  )
  .invalid(
    'a prefix cannot be ignore-case inside anything-but',
    { detail: { f: [{ 'anything-but': { prefix: { 'equals-ignore-case': 'a' } } }] } },
    'Value of anything-but must be an array or single string/number value.',
  );

const withSuffix = section('Content filtering > Anything-but matching > with suffix')
  .match(
    'matches a value without the suffix',
    { detail: { FileName: [{ 'anything-but': { suffix: '.png' } }] } },
    ec2Event({ FileName: 'a.txt' }),
  )
  .noMatch(
    'fails a value with the suffix (guide example)',
    { detail: { FileName: [{ 'anything-but': { suffix: '.png' } }] } },
    ec2Event({ FileName: 'a.png' }),
  )
  .match(
    'is case-sensitive',
    { detail: { FileName: [{ 'anything-but': { suffix: '.png' } }] } },
    ec2Event({ FileName: 'a.PNG' }),
  )
  .match(
    'a number is never excluded by a suffix',
    { detail: { n: [{ 'anything-but': { suffix: '3' } }] } },
    ec2Event({ n: 123 }),
  )
  .match(
    'a list form excludes each suffix: other values match',
    { detail: { 'instance-id': [{ 'anything-but': { suffix: ['1234', '6789'] } }] } },
    ec2Event({ 'instance-id': 'i-0000' }),
  )
  .noMatch(
    'a list form excludes each suffix: the second',
    { detail: { 'instance-id': [{ 'anything-but': { suffix: ['1234', '6789'] } }] } },
    ec2Event({ 'instance-id': 'i-6789' }),
  )
  .noMatch('needs the field to be present', { detail: { f: [{ 'anything-but': { suffix: ['a'] } }] } }, ec2Event())
  .invalid(
    'an empty suffix is rejected',
    { detail: { f: [{ 'anything-but': { suffix: '' } }] } },
    'Null prefix/suffix not allowed',
  )
  .invalid(
    'an empty suffix in the list form is rejected',
    { detail: { f: [{ 'anything-but': { suffix: ['', 'b'] } }] } },
    'Null prefix/suffix not allowed',
  )
  .invalid(
    'a number suffix is rejected',
    { detail: { f: [{ 'anything-but': { suffix: 5 } }] } },
    'prefix/suffix match pattern must be a string',
  )
  .invalid(
    'null in the suffix list is rejected',
    { detail: { f: [{ 'anything-but': { suffix: ['a', null] } }] } },
    'prefix/suffix match pattern must be a string',
  );

const ignoreCase = section('Content filtering > Anything-but matching > while ignoring case')
  .match(
    'matches a value unlike the excluded one in any case',
    { detail: { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] } },
    ec2Event({ state: 'running' }),
  )
  .noMatch(
    'fails the excluded value in another case (guide example)',
    { detail: { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] } },
    ec2Event({ state: 'INITIALIZING' }),
  )
  .noMatch(
    'a list form excludes each value in any case',
    { detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['Stopped', 'OverLoaded'] } }] } },
    ec2Event({ state: 'STOPPED' }),
  )
  .match(
    'a list form matches other values',
    { detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['Stopped', 'OverLoaded'] } }] } },
    ec2Event({ state: 'running' }),
  )
  .match(
    'a number is never excluded',
    { detail: { n: [{ 'anything-but': { 'equals-ignore-case': '5' } }] } },
    ec2Event({ n: 5 }),
  )
  .noMatch(
    'needs the field to be present',
    { detail: { n: [{ 'anything-but': { 'equals-ignore-case': 'a' } }] } },
    ec2Event(),
  )
  .invalid(
    'a number is rejected',
    { detail: { f: [{ 'anything-but': { 'equals-ignore-case': 5 } }] } },
    'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.',
  )
  .invalid(
    'a number in the list is rejected',
    { detail: { f: [{ 'anything-but': { 'equals-ignore-case': ['a', 5] } }] } },
    'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.',
  );

const withWildcard = section('Content filtering > Anything-but matching > using a wildcard')
  .match(
    'matches a path outside the wildcard',
    { detail: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] } },
    ec2Event({ FilePath: '/usr/bin/env' }),
  )
  .noMatch(
    'fails a path inside the wildcard (guide example)',
    { detail: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] } },
    ec2Event({ FilePath: '/usr/lib/libc.so' }),
  )
  .noMatch(
    'a list form excludes each wildcard',
    { detail: { FilePath: [{ 'anything-but': { wildcard: ['*/bin/*.jar', '*/bin/*.class'] } }] } },
    ec2Event({ FilePath: '/opt/bin/app.class' }),
  )
  .match(
    'a list form matches other values',
    { detail: { FilePath: [{ 'anything-but': { wildcard: ['*/bin/*.jar', '*/bin/*.class'] } }] } },
    ec2Event({ FilePath: '/opt/bin/app.py' }),
  )
  .match('a number is never excluded', { detail: { n: [{ 'anything-but': { wildcard: '*' } }] } }, ec2Event({ n: 1 }))
  .noMatch(
    'a lone star excludes every string',
    { detail: { s: [{ 'anything-but': { wildcard: '*' } }] } },
    ec2Event({ s: 'x' }),
  )
  .match(
    'an empty wildcard excludes only the empty string',
    { detail: { s: [{ 'anything-but': { wildcard: '' } }] } },
    ec2Event({ s: 'x' }),
  )
  .invalid(
    'consecutive wildcard characters are rejected',
    { detail: { f: [{ 'anything-but': { wildcard: 'a**' } }] } },
    'Consecutive wildcard characters at pos 2',
  )
  .invalid(
    'consecutive wildcard characters in the list are rejected',
    { detail: { f: [{ 'anything-but': { wildcard: ['a*', '**'] } }] } },
    'Consecutive wildcard characters at pos 1',
  )
  .invalid(
    'a number is rejected',
    { detail: { f: [{ 'anything-but': { wildcard: 5 } }] } },
    'wildcard match pattern must be a string',
  )
  .invalid(
    'a too complex wildcard is rejected',
    { detail: { f: [{ 'anything-but': { wildcard: '*a*a*a*a*a*' } }] } },
    'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character',
  );

export const anythingButCases: PatternCase[] = [
  ...plain.cases,
  ...withPrefix.cases,
  ...withSuffix.cases,
  ...ignoreCase.cases,
  ...withWildcard.cases,
];
