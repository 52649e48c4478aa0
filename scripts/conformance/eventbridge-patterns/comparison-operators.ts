/**
 * The summary table of the user guide page "Comparison operators for use in event patterns in
 * Amazon EventBridge": one match and one non-match per row, with the row's own example.
 */
import { ec2Event, type PatternCase, section } from './case.ts';

const table = section('Comparison operators')
  .match(
    'And: Location is "New York" and Day is "Monday"',
    { detail: { Location: ['New York'], Day: ['Monday'] } },
    ec2Event({ Location: 'New York', Day: 'Monday' }),
  )
  .noMatch(
    'And: fails when one of them differs',
    { detail: { Location: ['New York'], Day: ['Monday'] } },
    ec2Event({ Location: 'New York', Day: 'Tuesday' }),
  )
  .match(
    'Anything-but: state is any value besides "initializing"',
    { detail: { state: [{ 'anything-but': 'initializing' }] } },
    ec2Event({ state: 'running' }),
  )
  .match(
    'Anything-but (begins with): Region is not in the US',
    { detail: { Region: [{ 'anything-but': { prefix: 'us-' } }] } },
    ec2Event({ Region: 'eu-west-1' }),
  )
  .noMatch(
    'Anything-but (begins with): fails a US region',
    { detail: { Region: [{ 'anything-but': { prefix: 'us-' } }] } },
    ec2Event({ Region: 'us-east-1' }),
  )
  .match(
    'Anything-but (ends with): FileName does not end with .png',
    { detail: { FileName: [{ 'anything-but': { suffix: '.png' } }] } },
    ec2Event({ FileName: 'a.gif' }),
  )
  .noMatch(
    'Anything-but (ends with): fails a .png file',
    { detail: { FileName: [{ 'anything-but': { suffix: '.png' } }] } },
    ec2Event({ FileName: 'a.png' }),
  )
  .noMatch(
    'Anything-but (ignore case): fails "INITIALIZING"',
    { detail: { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] } },
    ec2Event({ state: 'INITIALIZING' }),
  )
  .noMatch(
    'Anything-but using a wildcard: fails a file path that includes /lib/',
    { detail: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] } },
    ec2Event({ FilePath: '/usr/lib/x' }),
  )
  .match(
    'Begins with: Region is in the US',
    { detail: { Region: [{ prefix: 'us-' }] } },
    ec2Event({ Region: 'us-west-2' }),
  )
  .match(
    'Begins with (ignore case): service name starts with "eventb" in any case',
    { detail: { service: [{ prefix: { 'equals-ignore-case': 'eventb' } }] } },
    ec2Event({ service: 'EventBridge' }),
  )
  .match('Empty: LastName is empty', { detail: { LastName: [''] } }, ec2Event({ LastName: '' }))
  .noMatch('Empty: fails a LastName with a value', { detail: { LastName: [''] } }, ec2Event({ LastName: 'Doe' }))
  .match('Equals: Name is "Alice"', { detail: { Name: ['Alice'] } }, ec2Event({ Name: 'Alice' }))
  .match(
    'Equals (ignore case): Name is "Alice" in any case',
    { detail: { Name: [{ 'equals-ignore-case': 'alice' }] } },
    ec2Event({ Name: 'Alice' }),
  )
  .match(
    'Ends with: FileName ends with .png',
    { detail: { FileName: [{ suffix: '.png' }] } },
    ec2Event({ FileName: 'a.png' }),
  )
  .match(
    'Ends with (ignore case): service name ends with "tbridge" in any case',
    { detail: { service: [{ suffix: { 'equals-ignore-case': 'tbridge' } }] } },
    ec2Event({ service: 'EVENTBRIDGE' }),
  )
  .match('Exists: ProductName exists', { detail: { ProductName: [{ exists: true }] } }, ec2Event({ ProductName: 'x' }))
  .match('Does not exist: ProductName does not exist', { detail: { ProductName: [{ exists: false }] } }, ec2Event())
  .match(
    'Not: Weather is anything but "Raining"',
    { detail: { Weather: [{ 'anything-but': ['Raining'] }] } },
    ec2Event({ Weather: 'Sunny' }),
  )
  .noMatch(
    'Not: fails "Raining"',
    { detail: { Weather: [{ 'anything-but': ['Raining'] }] } },
    ec2Event({ Weather: 'Raining' }),
  )
  .match('Null: UserID is null', { detail: { UserID: [null] } }, ec2Event({ UserID: null }))
  .match('Numeric (equals): Price is 100', { detail: { Price: [{ numeric: ['=', 100] }] } }, ec2Event({ Price: 100 }))
  .match(
    'Numeric (range): Price is more than 10 and at most 20',
    { detail: { Price: [{ numeric: ['>', 10, '<=', 20] }] } },
    ec2Event({ Price: 20 }),
  )
  .noMatch(
    'Numeric (range): fails a Price of 10',
    { detail: { Price: [{ numeric: ['>', 10, '<=', 20] }] } },
    ec2Event({ Price: 10 }),
  )
  .match(
    'Or: PaymentType is "Credit" or "Debit"',
    { detail: { PaymentType: ['Credit', 'Debit'] } },
    ec2Event({ PaymentType: 'Debit' }),
  )
  .match(
    'Or (multiple fields): Location is "New York", or Day is "Monday"',
    { detail: { $or: [{ Location: ['New York'] }, { Day: ['Monday'] }] } },
    ec2Event({ Location: 'Paris', Day: 'Monday' }),
  )
  .match(
    'Wildcard: any file with a .png extension',
    { detail: { FileName: [{ wildcard: '*.png' }] } },
    ec2Event({ FileName: 'dir/a.png' }),
  )
  .noMatch(
    'Wildcard: fails another extension',
    { detail: { FileName: [{ wildcard: '*.png' }] } },
    ec2Event({ FileName: 'a.gif' }),
  );

export const comparisonOperatorCases: PatternCase[] = table.cases;
