/**
 * The local Scheduler's schedule expressions: when an at(), rate() or cron() schedule fires, in its
 * time zone, across daylight saving time, as the Scheduler User Guide (schedule-types) describes.
 */
import { describe, expect, it } from '@jest/globals';
import {
  instantOf,
  isTimeZone,
  nextCronTime,
  parseScheduleExpression,
  type CronExpression,
} from '#cloud/scheduler/expressions';

function cron(expression: string): CronExpression {
  const parsed = parseScheduleExpression(`cron(${expression})`);
  if (parsed?.kind !== 'cron') throw new Error(`not a cron expression: ${expression}`);
  return parsed.cron;
}

const utc = (iso: string) => Date.parse(`${iso}Z`);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('schedule expressions', () => {
  it('reads at() as a wall time, and refuses a date that does not exist', () => {
    expect(parseScheduleExpression('at(2030-02-28T23:59:59)')).toEqual({
      kind: 'at',
      wall: { year: 2030, month: 2, day: 28, hour: 23, minute: 59, second: 59 },
    });
    expect(parseScheduleExpression('at(2030-02-29T00:00:00)')).toBeUndefined();
    expect(parseScheduleExpression('at(2030-01-01T24:00:00)')).toBeUndefined();
  });

  it('reads rate() in minutes, hours and days, and refuses seconds or a zero', () => {
    expect(parseScheduleExpression('rate(1 minute)')).toEqual({ kind: 'rate', intervalMs: 60_000 });
    expect(parseScheduleExpression('rate(3 hours)')).toEqual({ kind: 'rate', intervalMs: 3 * 3_600_000 });
    expect(parseScheduleExpression('rate(2 days)')).toEqual({ kind: 'rate', intervalMs: 2 * 86_400_000 });
    expect(parseScheduleExpression('rate(30 seconds)')).toBeUndefined();
    expect(parseScheduleExpression('rate(0 minutes)')).toBeUndefined();
  });

  it('takes time zone database names exactly as the database spells them', () => {
    expect(['UTC', 'America/New_York', 'Europe/Paris', 'Etc/GMT+5', 'US/Eastern'].filter(isTimeZone)).toHaveLength(5);
    expect(['america/new_york', '+02:00', 'Mars/Base', '', 'UTC '].filter(isTimeZone)).toEqual([]);
  });

  it('turns a wall time into the instant it names in its time zone', () => {
    const wall = { year: 2030, month: 1, day: 15, hour: 9, minute: 0, second: 0 };
    expect(iso(instantOf(wall, 'UTC'))).toBe('2030-01-15T09:00:00.000Z');
    expect(iso(instantOf(wall, 'Asia/Tokyo'))).toBe('2030-01-15T00:00:00.000Z');
    expect(iso(instantOf(wall, 'America/New_York'))).toBe('2030-01-15T14:00:00.000Z');
  });

  it('fires a cron time that daylight saving repeats once, and skips one it skips', () => {
    // New York, 2030: clocks go forward on 10 March at 02:00, back on 3 November at 02:00.
    const daily0230 = cron('30 2 * * ? *');
    expect(iso(nextCronTime(daily0230, utc('2030-03-09T12:00:00'), 'America/New_York'))).toBe(
      '2030-03-11T06:30:00.000Z',
    );
    const daily0130 = cron('30 1 * * ? *');
    const first = nextCronTime(daily0130, utc('2030-11-03T00:00:00'), 'America/New_York');
    expect(iso(first)).toBe('2030-11-03T05:30:00.000Z');
    expect(iso(nextCronTime(daily0130, first as number, 'America/New_York'))).toBe('2030-11-04T06:30:00.000Z');
  });

  it('finds the next cron time with steps, names, L, W and # in the day fields', () => {
    const from = utc('2030-01-01T00:00:00');
    expect(iso(nextCronTime(cron('*/15 * * * ? *'), from, 'UTC'))).toBe('2030-01-01T00:15:00.000Z');
    expect(iso(nextCronTime(cron('0 18 ? * MON-FRI *'), from, 'UTC'))).toBe('2030-01-01T18:00:00.000Z');
    // The last day of February 2030, the weekday nearest 15 June 2030 (a Saturday), the third Friday.
    expect(iso(nextCronTime(cron('0 8 L 2 ? *'), from, 'UTC'))).toBe('2030-02-28T08:00:00.000Z');
    expect(iso(nextCronTime(cron('0 8 15W 6 ? *'), from, 'UTC'))).toBe('2030-06-14T08:00:00.000Z');
    expect(iso(nextCronTime(cron('15 10 ? * 6#3 *'), from, 'UTC'))).toBe('2030-01-18T10:15:00.000Z');
    expect(iso(nextCronTime(cron('0 10 ? * 6L *'), from, 'UTC'))).toBe('2030-01-25T10:00:00.000Z');
    expect(nextCronTime(cron('0 0 1 1 ? 2029'), from, 'UTC')).toBeUndefined();
  });

  it('refuses a cron expression with both day fields, or neither, or a value out of range', () => {
    for (const bad of ['0 1 * * * *', '0 1 ? * ? *', '71 8 1 * ? *', '0 8 32 * ? *', '0 8 ? * 8 *', '0 8 1 * ?'])
      expect(parseScheduleExpression(`cron(${bad})`)).toBeUndefined();
  });
});
