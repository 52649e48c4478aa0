/**
 * String operators from the user guide page "Content filtering in Amazon EventBridge event
 * patterns" (prefix, suffix, equals-ignore-case, wildcard), with the validation event-ruler
 * applies to each.
 */
import { ec2Event, type PatternCase, section } from './case.ts';

const prefix = section('Content filtering > Prefix matching')
  .match(
    'matches a value that starts with the prefix (guide example)',
    { time: [{ prefix: '2017-10-02' }] },
    ec2Event(),
  )
  .noMatch('fails a value with another start', { time: [{ prefix: '2017-10-03' }] }, ec2Event())
  .noMatch('is case-sensitive', { source: [{ prefix: 'AWS.' }] }, ec2Event())
  .match('matches a value equal to the prefix', { source: [{ prefix: 'aws.ec2' }] }, ec2Event())
  .noMatch('never applies to a number', { detail: { code: [{ prefix: '12' }] } }, ec2Event({ code: 123 }))
  .noMatch('never applies to a boolean', { detail: { ok: [{ prefix: 't' }] } }, ec2Event({ ok: true }))
  .match('an empty prefix matches any string', { detail: { state: [{ prefix: '' }] } }, ec2Event())
  .noMatch('an empty prefix does not match a number', { detail: { n: [{ prefix: '' }] } }, ec2Event({ n: 1 }))
  .invalid('the prefix must be a string', { source: [{ prefix: 1 }] }, 'prefix match pattern must be a string')
  .invalid('the prefix must not be a list', { source: [{ prefix: ['a'] }] }, 'prefix match pattern must be a string');

const prefixIgnoreCase = section('Content filtering > Prefix matching while ignoring case')
  .match(
    'matches the prefix in any case (guide example)',
    { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } },
    ec2Event({ service: 'eventbridge' }),
  )
  .match(
    'matches an upper-case value',
    { detail: { service: [{ prefix: { 'equals-ignore-case': 'eventb' } }] } },
    ec2Event({ service: 'EVENTBRIDGE' }),
  )
  .noMatch(
    'fails when the letters differ',
    { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } },
    ec2Event({ service: 'Events' }),
  )
  .invalid(
    'only equals-ignore-case can qualify a prefix',
    { source: [{ prefix: { suffix: 'x' } }] },
    'Unsupported prefix pattern: suffix',
  )
  .invalid(
    'the ignore-case prefix must be a string',
    { source: [{ prefix: { 'equals-ignore-case': 5 } }] },
    'equals-ignore-case match pattern must be a string',
  );

const suffix = section('Content filtering > Suffix matching')
  .match(
    'matches a value that ends with the suffix (guide example)',
    { detail: { FileName: [{ suffix: '.png' }] } },
    ec2Event({ FileName: 'image.png' }),
  )
  .noMatch('is case-sensitive', { detail: { FileName: [{ suffix: '.png' }] } }, ec2Event({ FileName: 'image.PNG' }))
  .noMatch('fails another ending', { detail: { FileName: [{ suffix: '.png' }] } }, ec2Event({ FileName: 'a.jpg' }))
  .noMatch('never applies to a number', { detail: { code: [{ suffix: '3' }] } }, ec2Event({ code: 123 }))
  .match('an empty suffix matches any string', { detail: { state: [{ suffix: '' }] } }, ec2Event())
  .invalid('the suffix must be a string', { source: [{ suffix: null }] }, 'suffix match pattern must be a string');

const suffixIgnoreCase = section('Content filtering > Suffix matching while ignoring case')
  .match(
    'matches the suffix in any case (guide example)',
    { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } },
    ec2Event({ FileName: 'image.PNG' }),
  )
  .noMatch(
    'fails another extension',
    { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } },
    ec2Event({ FileName: 'image.jpg' }),
  )
  .invalid(
    'only equals-ignore-case can qualify a suffix',
    { source: [{ suffix: { prefix: 'x' } }] },
    'Unsupported suffix pattern: prefix',
  );

const equalsIgnoreCase = section('Content filtering > Equals-ignore-case matching')
  .match(
    'matches any casing (guide example)',
    { detail: { Name: [{ 'equals-ignore-case': 'alice' }] } },
    ec2Event({ Name: 'ALICE' }),
  )
  .match('matches mixed casing', { detail: { Name: [{ 'equals-ignore-case': 'alice' }] } }, ec2Event({ Name: 'aLiCe' }))
  .noMatch(
    'fails a different word',
    { detail: { Name: [{ 'equals-ignore-case': 'alice' }] } },
    ec2Event({ Name: 'alicia' }),
  )
  .noMatch(
    'is not a prefix match',
    { detail: { Name: [{ 'equals-ignore-case': 'ali' }] } },
    ec2Event({ Name: 'Alice' }),
  )
  .noMatch('never applies to a number', { detail: { n: [{ 'equals-ignore-case': '5' }] } }, ec2Event({ n: 5 }))
  .match(
    'an empty value matches an empty string',
    { detail: { n: [{ 'equals-ignore-case': '' }] } },
    ec2Event({ n: '' }),
  )
  .invalid(
    'the value must be a string',
    { detail: { Name: [{ 'equals-ignore-case': 5 }] } },
    'equals-ignore-case match pattern must be a string',
  )
  .invalid(
    'the value must not be a list',
    { detail: { Name: [{ 'equals-ignore-case': ['a', 'b'] }] } },
    'equals-ignore-case match pattern must be a string',
  );

const wildcard = section('Content filtering > Wildcard matching')
  .match(
    'a star stands for any characters (guide example)',
    { detail: { eventSourceArn: [{ wildcard: 'arn:aws:s3:::bucket/*.png' }] } },
    ec2Event({ eventSourceArn: 'arn:aws:s3:::bucket/dir/a.png' }),
  )
  .noMatch(
    'the fixed parts must match',
    { detail: { eventSourceArn: [{ wildcard: 'arn:aws:s3:::bucket/*.png' }] } },
    ec2Event({ eventSourceArn: 'arn:aws:s3:::bucket/dir/a.jpg' }),
  )
  .match('a star matches no character at all', { detail: { f: [{ wildcard: 'a*b' }] } }, ec2Event({ f: 'ab' }))
  .match(
    'several stars in one value',
    { detail: { path: [{ wildcard: '*/lib/*' }] } },
    ec2Event({ path: '/usr/lib/x' }),
  )
  .noMatch('the whole value must match, not a part', { detail: { f: [{ wildcard: 'a*' }] } }, ec2Event({ f: 'ba' }))
  .match('a lone star matches any string', { detail: { f: [{ wildcard: '*' }] } }, ec2Event({ f: 'anything' }))
  .match('a lone star matches the empty string', { detail: { f: [{ wildcard: '*' }] } }, ec2Event({ f: '' }))
  .match('a value without a star is an exact match', { detail: { f: [{ wildcard: 'abc' }] } }, ec2Event({ f: 'abc' }))
  .noMatch('is case-sensitive', { detail: { f: [{ wildcard: 'A*' }] } }, ec2Event({ f: 'abc' }))
  .match('\\* matches a literal star', { detail: { name: [{ wildcard: 'a\\*b' }] } }, ec2Event({ name: 'a*b' }))
  .noMatch('\\* matches nothing but a star', { detail: { name: [{ wildcard: 'a\\*b' }] } }, ec2Event({ name: 'axb' }))
  .match('\\\\ matches a literal backslash', { detail: { p: [{ wildcard: 'C:\\\\*' }] } }, ec2Event({ p: 'C:\\dir' }))
  .noMatch(
    'regular-expression characters are literal',
    { detail: { n: [{ wildcard: 'v1.?*' }] } },
    ec2Event({ n: 'v1x2' }),
  )
  .noMatch('never applies to a number', { detail: { code: [{ wildcard: '1*' }] } }, ec2Event({ code: 123 }))
  .match(
    'a pattern of moderate complexity is accepted (guide advice)',
    { detail: { arn: [{ wildcard: 'arn:aws:events:*:*:event-bus/*' }] } },
    ec2Event({ arn: 'arn:aws:events:us-east-1:123456789012:event-bus/orders' }),
  )
  .invalid(
    'consecutive wildcard characters are rejected',
    { detail: { f: [{ wildcard: 'a**b' }] } },
    'Consecutive wildcard characters at pos 2',
  )
  .invalid(
    'escaping another character is rejected',
    { detail: { f: [{ wildcard: 'a\\b' }] } },
    'Invalid escape character at pos 2',
  )
  .invalid(
    'a trailing backslash is rejected',
    { detail: { f: [{ wildcard: 'ab\\' }] } },
    'Invalid escape character at pos 3',
  )
  .invalid(
    'the value must be a string',
    { detail: { f: [{ wildcard: 5 }] } },
    'wildcard match pattern must be a string',
  )
  .invalid(
    'a pattern that is too complex is rejected',
    { detail: { arn: [{ wildcard: '*:*:*:*:*:event-bus/*' }] } },
    'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character',
  )
  .invalid(
    'many repeated characters after wildcards are too complex',
    { detail: { f: [{ wildcard: '*a*a*a*a*a*' }] } },
    'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character',
  )
  .invalid(
    'complexity adds up over the wildcards of one field',
    { detail: { f: [{ wildcard: 'a*aaa' }, { wildcard: 'aa*aa' }, { wildcard: 'aaa*a' }, { wildcard: '*aaaa' }] } },
    'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character',
  );

export const stringOperatorCases: PatternCase[] = [
  ...prefix.cases,
  ...prefixIgnoreCase.cases,
  ...suffix.cases,
  ...suffixIgnoreCase.cases,
  ...equalsIgnoreCase.cases,
  ...wildcard.cases,
];
