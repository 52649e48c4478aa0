/**
 * PutEvents entries: the per-entry checks AWS makes, and the event envelope AWS builds from an
 * accepted entry (the JSON that rules match and targets receive).
 */
import { randomUUID } from 'node:crypto';

/** One entry of a PutEvents request, as the AWS JSON protocol carries it. */
export interface PutEventsEntry {
  Time?: number | string;
  Source?: string;
  Resources?: string[];
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  TraceHeader?: string;
}

export interface EventEnvelope {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

/** A per-entry failure, reported in the PutEvents result while the other entries go through. */
export interface EntryError {
  ErrorCode: string;
  ErrorMessage: string;
}

export interface Identity {
  region: string;
  account: string;
}

/** AWS limit on the total size of a PutEvents request, counted as AWS counts entry sizes. */
export const MAX_REQUEST_BYTES = 256 * 1024;

export function buildEnvelope(entry: PutEventsEntry, identity: Identity): EventEnvelope | EntryError {
  const missing = missingArgument(entry);
  if (missing) return invalidArgument(missing);
  // Only AWS services may put events with an `aws.` source.
  if (entry.Source!.startsWith('aws.')) {
    return { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' };
  }
  const detail = parseDetail(entry.Detail!);
  if (!detail) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': entry.DetailType!,
    source: entry.Source!,
    account: identity.account,
    time: formatEventTime(eventTime(entry.Time)),
    region: identity.region,
    resources: entry.Resources ?? [],
    detail,
  };
}

export function isEntryError(result: EventEnvelope | EntryError): result is EntryError {
  return 'ErrorCode' in result;
}

/** The size AWS charges an entry against the request limit: 14 bytes for Time plus UTF-8 lengths. */
export function entrySize(entry: PutEventsEntry): number {
  const strings = [entry.Source, entry.DetailType, entry.Detail, ...(entry.Resources ?? [])];
  return (entry.Time === undefined ? 0 : 14) + strings.reduce((sum, text) => sum + Buffer.byteLength(text ?? ''), 0);
}

/** AWS event times are ISO 8601 in UTC without milliseconds: `2017-12-22T18:43:48Z`. */
export function formatEventTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function missingArgument(entry: PutEventsEntry): string | undefined {
  const required = { Source: entry.Source, DetailType: entry.DetailType, Detail: entry.Detail };
  return Object.entries(required).find(([, value]) => typeof value !== 'string' || value === '')?.[0];
}

function invalidArgument(parameter: string): EntryError {
  return {
    ErrorCode: 'InvalidArgument',
    ErrorMessage: `Parameter ${parameter} is not valid. Reason: ${parameter} is a required argument.`,
  };
}

/** Detail must be a JSON object: arrays, strings and numbers are malformed for AWS too. */
function parseDetail(text: string): Record<string, unknown> | undefined {
  try {
    const detail: unknown = JSON.parse(text);
    return typeof detail === 'object' && detail !== null && !Array.isArray(detail)
      ? (detail as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The JSON protocol sends timestamps as epoch seconds; an ISO string is accepted too. */
function eventTime(time: number | string | undefined): Date {
  if (time === undefined) return new Date();
  const date = new Date(typeof time === 'number' ? time * 1000 : time);
  return Number.isNaN(date.getTime()) ? new Date() : date;
}
