import { BlockList, isIP } from 'node:net';
import { bool } from './fields.js';

/**
 * Whether callback URLs (an NS's `asyncUrl`, where Joinery POSTs asynchronous answers) may point at loopback,
 * private, link-local and other non-public addresses. Off by default: every JoinReq makes Joinery connect there, so a
 * tenant could otherwise aim Joinery at the operator's own network. Lab set-ups with a local NS turn it on.
 */
export const allowPrivateCallbacksSetting = bool('JOINERY_ALLOW_PRIVATE_ASYNC_URLS', { default: false });

/** IPv4 ranges that are not public unicast (RFC 6890 special-purpose registry, multicast, reserved). */
const notPublicV4: readonly [string, number][] = [
  ['0.0.0.0', 8], // "this network", incl. the unspecified address
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // shared address space (CGNAT)
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, incl. cloud metadata services
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, incl. broadcast
];

/** Inside 2000::/3 (global unicast), the ranges that are not an ordinary public host. */
const notPublicV6: readonly [string, number][] = [
  ['2001::', 32], // Teredo (embeds an IPv4 address)
  ['2001:2::', 48], // benchmarking
  ['2001:10::', 28], // ORCHID
  ['2001:20::', 28], // ORCHIDv2
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4 (embeds an IPv4 address)
  ['3fff::', 20], // documentation
];

const blockedV4 = new BlockList();
for (const [net, prefix] of notPublicV4) blockedV4.addSubnet(net, prefix, 'ipv4');
const blockedV6 = new BlockList();
for (const [net, prefix] of notPublicV6) blockedV6.addSubnet(net, prefix, 'ipv6');
const globalUnicast = new BlockList();
globalUnicast.addSubnet('2000::', 3, 'ipv6');
const v4Mapped = new BlockList();
v4Mapped.addSubnet('::ffff:0:0', 96, 'ipv6');

/**
 * Whether an IP address (any textual form node accepts) is public unicast. IPv4-mapped IPv6 addresses are judged by
 * their IPv4 address; other IPv6 addresses must be global unicast (2000::/3) outside the special ranges, so
 * loopback, unspecified, unique-local, link-local, site-local, multicast, NAT64 and IPv4-compatible forms are not.
 */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !blockedV4.check(address, 'ipv4');
  if (family !== 6) return false;
  // BlockList matches an IPv4-mapped address against IPv4 rules.
  if (v4Mapped.check(address, 'ipv6')) return !blockedV4.check(address, 'ipv6');
  return globalUnicast.check(address, 'ipv6') && !blockedV6.check(address, 'ipv6');
}

/** Names that only ever mean this host or a local network (RFC 6761, RFC 6762, RFC 8375, common private suffixes). */
const localSuffixes = [
  '.localhost',
  '.local',
  '.internal',
  '.home.arpa',
  '.localdomain',
  '.lan',
  '.intranet',
];

/** Why a callback URL's host is refused, or undefined when it may be used. */
export type CallbackHostRefusal = 'not_public_address' | 'local_name';

/**
 * Judges the host of a parsed URL (the WHATWG parser has already turned decimal, octal, hex and short IPv4 forms into
 * dotted quads and IPv6 into its canonical form). IP literals must be public; names must not be `localhost`, a
 * single label (a service name inside the operator's network) or under a local-only suffix. A name is checked again
 * where it is resolved, since it may resolve to anything.
 */
export function callbackHostRefusal(url: URL): CallbackHostRefusal | undefined {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (isIP(host) !== 0) return isPublicAddress(host) ? undefined : 'not_public_address';
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || !name.includes('.') || localSuffixes.some((s) => name.endsWith(s)))
    return 'local_name';
  return undefined;
}
