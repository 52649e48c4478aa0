import { isIPv4, isIPv6 } from 'node:net';

/** An IP address as an integer of its family's width. */
export interface IpAddress {
  bits: 32 | 128;
  value: bigint;
}

/** An address block: the lowest and highest address it covers, both inclusive. */
export interface CidrBlock {
  bits: 32 | 128;
  low: bigint;
  high: bigint;
}

/** What the reference matcher (aws/event-ruler) takes for an IP literal before it parses it. */
const IPV4_SHAPE = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;
const IPV6_SHAPE = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;

/** True when `text` has the shape of an IPv4 or IPv6 literal (it may still fail to parse). */
export function looksLikeIpAddress(text: string): boolean {
  return IPV4_SHAPE.test(text) || IPV6_SHAPE.test(text);
}

/**
 * Parses `10.0.0.0/24` or `2001:db8::/32` the way EventBridge validates a `cidr` pattern: exactly one
 * `/`, an integer mask, and a mask shorter than the address (a /32 or /128 block is not accepted; an
 * exact address is written as a plain string). Returns the block, or the reason it is not one.
 */
export function parseCidr(text: string): CidrBlock | { error: string } {
  const parts = text.split('/');
  if (parts.length !== 2) return { error: "Malformed CIDR, one '/' required" };
  const [address = '', mask = ''] = parts;
  if (!/^[+-]?\d+$/.test(mask)) return { error: 'Malformed CIDR, mask bits must be an integer' };
  const maskBits = Number(mask);
  if (maskBits < 0) return { error: 'Malformed CIDR, mask bits must not be negative' };
  if (!looksLikeIpAddress(address)) return { error: `Nonstandard IP address: ${address}` };
  const parsed = parseIpAddress(address);
  if (!parsed) return { error: `Invalid IP address: ${address}` };
  if (parsed.bits === 32 && maskBits > 31) return { error: 'IPv4 mask bits must be < 32' };
  if (parsed.bits === 128 && maskBits > 127) return { error: 'IPv6 mask bits must be < 128' };
  const hostBits = BigInt(parsed.bits - maskBits);
  const hostMask = (1n << hostBits) - 1n;
  return { bits: parsed.bits, low: parsed.value & ~hostMask, high: parsed.value | hostMask };
}

/** True when `address` is an IP address of the block's family inside the block. */
export function isInCidr(block: CidrBlock, address: string): boolean {
  const parsed = parseIpAddress(address);
  return parsed !== undefined && parsed.bits === block.bits && parsed.value >= block.low && parsed.value <= block.high;
}

/** The address as an integer, or undefined when `text` is not an IPv4 or IPv6 literal. */
export function parseIpAddress(text: string): IpAddress | undefined {
  if (isIPv4(text)) return { bits: 32, value: ipv4ToBigInt(text) };
  if (!isIPv6(text) || text.includes('%')) return undefined;
  const value = ipv6ToBigInt(text);
  // An IPv4-mapped address (::ffff:a.b.c.d) is the IPv4 address, as Java's InetAddress (and so
  // event-ruler) reads it.
  if (value >> 32n === 0xffffn) return { bits: 32, value: value & 0xffffffffn };
  return { bits: 128, value };
}

function ipv4ToBigInt(text: string): bigint {
  return text.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

/** Expands `::` and an embedded IPv4 tail (`::ffff:10.0.0.1`) into eight 16-bit groups. */
function ipv6ToBigInt(text: string): bigint {
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  const hex = isIPv4(tail) ? `${text.slice(0, lastColon + 1)}${ipv4TailToGroups(tail)}` : text;
  const [head = '', rest] = hex.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const missing = 8 - headGroups.length - restGroups.length;
  const groups = [...headGroups, ...Array<string>(rest === undefined ? 0 : missing).fill('0'), ...restGroups];
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(Number.parseInt(group, 16)), 0n);
}

function ipv4TailToGroups(ipv4: string): string {
  const value = ipv4ToBigInt(ipv4);
  return `${(value >> 16n).toString(16)}:${(value & 0xffffn).toString(16)}`;
}
