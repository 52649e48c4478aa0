import { isIPv4, isIPv6 } from 'node:net';

/** An address block: the address as a 32- or 128-bit integer and the prefix length in bits. */
export interface CidrBlock {
  bits: 32 | 128;
  network: bigint;
  prefixLength: number;
}

/**
 * Parses `10.0.0.0/24` or `2001:db8::/32`; a bare address is a single-address block, as
 * EventBridge accepts it. Returns undefined for anything that is not a valid block.
 */
export function parseCidr(text: string): CidrBlock | undefined {
  const [address = '', length, ...rest] = text.split('/');
  if (rest.length > 0) return undefined;
  const parsed = parseIpAddress(address);
  if (!parsed) return undefined;
  if (length !== undefined && !/^\d{1,3}$/.test(length)) return undefined;
  const prefixLength = length === undefined ? parsed.bits : Number(length);
  if (prefixLength > parsed.bits) return undefined;
  return { bits: parsed.bits, network: parsed.value & mask(parsed.bits, prefixLength), prefixLength };
}

/** True when `address` is an IP address of the block's family inside the block. */
export function isInCidr(block: CidrBlock, address: string): boolean {
  const parsed = parseIpAddress(address);
  if (!parsed || parsed.bits !== block.bits) return false;
  return (parsed.value & mask(block.bits, block.prefixLength)) === block.network;
}

function parseIpAddress(text: string): { bits: 32 | 128; value: bigint } | undefined {
  if (isIPv4(text)) return { bits: 32, value: ipv4ToBigInt(text) };
  if (isIPv6(text)) return { bits: 128, value: ipv6ToBigInt(text) };
  return undefined;
}

function ipv4ToBigInt(text: string): bigint {
  return text.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

/** Expands `::` and an embedded IPv4 tail (`::ffff:10.0.0.1`) into eight 16-bit groups. */
function ipv6ToBigInt(text: string): bigint {
  const withoutZone = text.split('%')[0] ?? '';
  const lastColon = withoutZone.lastIndexOf(':');
  const tail = withoutZone.slice(lastColon + 1);
  const hex = isIPv4(tail) ? `${withoutZone.slice(0, lastColon + 1)}${ipv4TailToGroups(tail)}` : withoutZone;
  const [head = '', rest] = hex.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const missing = 8 - headGroups.length - restGroups.length;
  const groups = [...headGroups, ...Array<string>(rest === undefined ? 0 : missing).fill('0'), ...restGroups];
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)), 0n);
}

function ipv4TailToGroups(ipv4: string): string {
  const value = ipv4ToBigInt(ipv4);
  return `${(value >> 16n).toString(16)}:${(value & 0xffffn).toString(16)}`;
}

function mask(bits: number, prefixLength: number): bigint {
  const all = (1n << BigInt(bits)) - 1n;
  return (all >> BigInt(bits - prefixLength)) << BigInt(bits - prefixLength);
}
