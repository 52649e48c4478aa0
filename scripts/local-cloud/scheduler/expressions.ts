/**
 * EventBridge Scheduler's schedule expressions, as the Scheduler User Guide (schedule-types) writes them:
 * `at(yyyy-mm-ddThh:mm:ss)` (one-time, wall time in ScheduleExpressionTimezone), `rate(value unit)` and
 * `cron(minutes hours day-of-month month day-of-week year)` (recurring), with the time-zone arithmetic that
 * turns them into instants: a cron time that daylight saving skips is skipped, one it repeats runs once.
 */

export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export type ScheduleExpression =
  | { kind: 'at'; wall: WallTime }
  | { kind: 'rate'; intervalMs: number }
  | { kind: 'cron'; cron: CronExpression };

const AT = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/;
const RATE = /^rate\(([1-9]\d*) (minute|minutes|hour|hours|day|days)\)$/;
const CRON = /^cron\(([^()]*)\)$/;
const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** Parses an expression; undefined when AWS would answer "Invalid Schedule Expression". */
export function parseScheduleExpression(text: string): ScheduleExpression | undefined {
  const at = AT.exec(text);
  if (at) {
    const [year, month, day, hour, minute, second] = at.slice(1).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const wall = { year, month, day, hour, minute, second };
    return isRealWallTime(wall) ? { kind: 'at', wall } : undefined;
  }
  const rate = RATE.exec(text);
  if (rate) {
    const unit = (rate[2] ?? '').replace(/s$/, '');
    return { kind: 'rate', intervalMs: Number(rate[1]) * (UNIT_MS[unit] ?? 0) };
  }
  const cron = CRON.exec(text);
  if (cron) {
    const parsed = parseCron(cron[1] ?? '');
    return parsed ? { kind: 'cron', cron: parsed } : undefined;
  }
  return undefined;
}

function isRealWallTime(w: WallTime): boolean {
  return (
    w.month >= 1 &&
    w.month <= 12 &&
    w.day >= 1 &&
    w.day <= daysInMonth(w.year, w.month) &&
    w.hour <= 23 &&
    w.minute <= 59 &&
    w.second <= 59
  );
}

// ---------------------------------------------------------------------------------------------
// Time zones

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/**
 * Whether AWS takes this as a ScheduleExpressionTimezone: a time zone database name, spelled as the
 * database spells it (`America/New_York`, `UTC`, `Etc/GMT+5`); a UTC offset or a differently cased
 * name is not one.
 */
export function isTimeZone(name: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name)) return false;
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
    // Intl resolves any casing; a name that only differs from its canonical form by case is not exact.
    return resolved === name || resolved.toLowerCase() !== name.toLowerCase();
  } catch {
    return false;
  }
}

/** The wall time in `timeZone` at an instant. */
export function wallTimeAt(instantMs: number, timeZone: string): WallTime {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(instantMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? 1970,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

function asUtc(w: WallTime): number {
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
}

/** Offset of `timeZone` from UTC at an instant, in ms (positive east of Greenwich). */
function offsetAt(instantMs: number, timeZone: string): number {
  return asUtc(wallTimeAt(instantMs, timeZone)) - Math.floor(instantMs / 1000) * 1000;
}

/**
 * The instant a wall time names in `timeZone`. A wall time daylight saving repeats is its first
 * occurrence; one it skips is `undefined` when `skipGaps`, else the instant the clock jumps to.
 */
export function instantOf(wall: WallTime, timeZone: string, skipGaps = false): number | undefined {
  const local = asUtc(wall);
  // The two offsets around the wall time (before and after a transition within a day of it).
  const candidates = [offsetAt(local - 86_400_000, timeZone), offsetAt(local + 86_400_000, timeZone)];
  const exact = candidates
    .map((offset) => local - offset)
    .filter((instant) => asUtc(wallTimeAt(instant, timeZone)) === local)
    .sort((a, b) => a - b);
  if (exact.length > 0) return exact[0];
  if (skipGaps) return undefined;
  // In a gap: the wall time does not exist; take it with the offset before the jump.
  return local - (candidates[0] ?? 0);
}

// ---------------------------------------------------------------------------------------------
// cron(minutes hours day-of-month month day-of-week year)

type DayOfMonth =
  | { kind: 'any' }
  | { kind: 'values'; values: Set<number> }
  | { kind: 'last' }
  | { kind: 'weekday'; day: number };
type DayOfWeek =
  | { kind: 'any' }
  | { kind: 'values'; values: Set<number> }
  | { kind: 'last'; weekday: number }
  | { kind: 'nth'; weekday: number; n: number };

export interface CronExpression {
  minutes: number[];
  hours: number[];
  daysOfMonth: DayOfMonth;
  months: Set<number>;
  daysOfWeek: DayOfWeek;
  years: Set<number>;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MIN_YEAR = 1970;
const MAX_YEAR = 2199;

function parseCron(body: string): CronExpression | undefined {
  const fields = body.split(' ');
  if (fields.length !== 6 || fields.some((field) => field === '')) return undefined;
  const [minute, hour, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  // One of the day fields is `?` and the other is not: AWS cannot combine them.
  if ((dom === '?') === (dow === '?')) return undefined;
  const minutes = parseList(minute, 0, 59);
  const hours = parseList(hour, 0, 23);
  const months = parseList(month, 1, 12, MONTHS);
  const years = parseList(year, MIN_YEAR, MAX_YEAR);
  const daysOfMonth = parseDayOfMonth(dom);
  const daysOfWeek = parseDayOfWeek(dow);
  if (!minutes || !hours || !months || !years || !daysOfMonth || !daysOfWeek) return undefined;
  return {
    minutes: [...minutes].sort((a, b) => a - b),
    hours: [...hours].sort((a, b) => a - b),
    daysOfMonth,
    months,
    daysOfWeek,
    years,
  };
}

/** `*`, `v`, `a-b`, `*\/s`, `a/s`, `a-b/s`, comma-separated; names (JAN, MON) where the field has them. */
function parseList(field: string, min: number, max: number, names?: string[]): Set<number> | undefined {
  const values = new Set<number>();
  for (const item of field.split(',')) {
    const [range = '', stepText] = item.split('/');
    if (item.split('/').length > 2) return undefined;
    const step = stepText === undefined ? 1 : integer(stepText);
    if (step === undefined || step < 1) return undefined;
    let from: number | undefined;
    let to: number | undefined;
    if (range === '*') [from, to] = [min, max];
    else {
      const bounds = range.split('-');
      if (bounds.length > 2) return undefined;
      from = value(bounds[0] ?? '', names, min);
      to = bounds.length === 2 ? value(bounds[1] ?? '', names, min) : stepText === undefined ? from : max;
    }
    if (from === undefined || to === undefined || from < min || to > max || from > to) return undefined;
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

function value(text: string, names: string[] | undefined, min: number): number | undefined {
  const named = names?.indexOf(text.toUpperCase()) ?? -1;
  return named >= 0 ? named + min : integer(text);
}

function integer(text: string): number | undefined {
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

function parseDayOfMonth(field: string): DayOfMonth | undefined {
  if (field === '?') return { kind: 'any' };
  if (field === 'L') return { kind: 'last' };
  const weekday = /^(\d{1,2})W$/.exec(field);
  if (weekday) {
    const day = Number(weekday[1]);
    return day >= 1 && day <= 31 ? { kind: 'weekday', day } : undefined;
  }
  const values = parseList(field, 1, 31);
  return values ? { kind: 'values', values } : undefined;
}

/** Day-of-week runs 1-7 from Sunday (SUN-SAT); `L` alone is Saturday, `nL` the last n, `n#k` the k-th n. */
function parseDayOfWeek(field: string): DayOfWeek | undefined {
  if (field === '?') return { kind: 'any' };
  if (field === 'L') return { kind: 'last', weekday: 7 };
  const last = /^([1-7]|[A-Z]{3})L$/i.exec(field);
  if (last) {
    const weekday = value(last[1] ?? '', WEEKDAYS, 1);
    return weekday !== undefined && weekday >= 1 && weekday <= 7 ? { kind: 'last', weekday } : undefined;
  }
  const nth = /^([1-7]|[A-Z]{3})#([1-5])$/i.exec(field);
  if (nth) {
    const weekday = value(nth[1] ?? '', WEEKDAYS, 1);
    return weekday !== undefined && weekday >= 1 && weekday <= 7
      ? { kind: 'nth', weekday, n: Number(nth[2]) }
      : undefined;
  }
  const values = parseList(field, 1, 7, WEEKDAYS);
  return values ? { kind: 'values', values } : undefined;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** 1 (Sunday) to 7 (Saturday), as cron numbers them. */
function weekdayOf(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
}

function matchesDay(cron: CronExpression, year: number, month: number, day: number): boolean {
  const last = daysInMonth(year, month);
  const dom = cron.daysOfMonth;
  if (dom.kind === 'values' && !dom.values.has(day)) return false;
  if (dom.kind === 'last' && day !== last) return false;
  if (dom.kind === 'weekday') {
    // The weekday nearest the given day, within the month.
    const target = Math.min(dom.day, last);
    const weekday = weekdayOf(year, month, target);
    let nearest = target;
    if (weekday === 7) nearest = target === 1 ? 3 : target - 1;
    else if (weekday === 1) nearest = target === last ? target - 2 : target + 1;
    if (day !== nearest) return false;
  }
  const dow = cron.daysOfWeek;
  const weekday = weekdayOf(year, month, day);
  if (dow.kind === 'values' && !dow.values.has(weekday)) return false;
  if (dow.kind === 'last' && (weekday !== dow.weekday || day + 7 <= last)) return false;
  if (dow.kind === 'nth' && (weekday !== dow.weekday || Math.ceil(day / 7) !== dow.n)) return false;
  return true;
}

/** The first time the cron expression names strictly after `afterMs`, in `timeZone`; undefined if none is left. */
export function nextCronTime(cron: CronExpression, afterMs: number, timeZone: string): number | undefined {
  const start = wallTimeAt(afterMs, timeZone);
  for (let year = start.year; year <= MAX_YEAR; year++) {
    if (!cron.years.has(year)) continue;
    for (let month = year === start.year ? start.month : 1; month <= 12; month++) {
      if (!cron.months.has(month)) continue;
      const sameMonth = year === start.year && month === start.month;
      for (let day = sameMonth ? start.day : 1; day <= daysInMonth(year, month); day++) {
        if (!matchesDay(cron, year, month, day)) continue;
        const startDay = sameMonth && day === start.day;
        for (const hour of cron.hours) {
          // Earlier hours of the first day are past (a daylight-saving shift is at most a few hours).
          if (startDay && hour < start.hour - 3) continue;
          for (const minute of cron.minutes) {
            const instant = instantOf({ year, month, day, hour, minute, second: 0 }, timeZone, true);
            if (instant !== undefined && instant > afterMs) return instant;
          }
        }
      }
    }
  }
  return undefined;
}
