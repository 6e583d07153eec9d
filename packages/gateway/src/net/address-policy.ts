import ipaddr from 'ipaddr.js';

/**
 * Which addresses a user-supplied URL may reach. Only globally routable unicast is
 * public; the special-purpose ranges are IANA's registries:
 * @see https://www.iana.org/assignments/iana-ipv4-special-registry/
 * @see https://www.iana.org/assignments/iana-ipv6-special-registry/
 * IPv6 forms that carry an IPv4 address (IPv4-mapped, NAT64 64:ff9b::/96, 6to4) are
 * judged by that IPv4 address, so `::ffff:10.0.0.1` is as private as `10.0.0.1`.
 */

export type AddressCheck = { public: true } | { public: false; why: string };

const rangeNames: Record<string, string> = {
  unspecified: 'an unspecified address (0.0.0.0/8, ::)',
  broadcast: 'the broadcast address',
  multicast: 'a multicast address',
  linkLocal: 'a link-local address (169.254.0.0/16, fe80::/10: cloud metadata lives there)',
  loopback: 'a loopback address',
  carrierGradeNat: 'a carrier-grade NAT address (100.64.0.0/10)',
  private: 'a private address (10/8, 172.16/12, 192.168/16)',
  reserved: 'a reserved address',
  benchmarking: 'a benchmarking address',
  amt: 'an AMT relay address',
  as112: 'an AS112 address',
  as112v6: 'an AS112 address',
  uniqueLocal: 'a unique-local address (fc00::/7)',
  teredo: 'a Teredo tunnel address (2001::/32)',
  rfc6145: 'an IPv4-translated address',
  rfc6052: 'a local-use NAT64 address (64:ff9b:1::/48)',
  deprecatedSiteLocal: 'a site-local address (fec0::/10)',
  discard: 'a discard-only address (100::/64)',
  orchid2: 'an ORCHID address',
  deprecatedOrchid: 'an ORCHID address',
  droneRemoteIdProtocolEntityTags: 'a reserved address',
  segmentRouting: 'a segment-routing address',
};

const describeRange = (range: string): string => rangeNames[range] ?? `a special-purpose address (${range})`;

/** The IPv4 address an IPv6 one stands for, when it is one of the forms that embed one. */
function embeddedIpv4(address: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const parts = address.parts;
  const lastTwo = (high: number, low: number) =>
    new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
  if (address.isIPv4MappedAddress()) return address.toIPv4Address();
  // NAT64 well-known prefix 64:ff9b::/96 (RFC 6052 §2.1).
  if (parts[0] === 0x64 && parts[1] === 0xff9b && parts.slice(2, 6).every((part) => part === 0))
    return lastTwo(parts[6]!, parts[7]!);
  // 6to4 2002:AABB:CCDD::/48 (RFC 3056 §2).
  if (parts[0] === 0x2002) return lastTwo(parts[1]!, parts[2]!);
  return undefined;
}

function checkIpv4(address: ipaddr.IPv4): AddressCheck {
  const range = address.range();
  return range === 'unicast' ? { public: true } : { public: false, why: describeRange(range) };
}

/** `address` must be a literal IPv4 or IPv6 address (no brackets). */
export function checkAddress(address: string): AddressCheck {
  if (!ipaddr.isValid(address)) return { public: false, why: 'not an IP address' };
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv4') return checkIpv4(parsed as ipaddr.IPv4);
  const v6 = parsed as ipaddr.IPv6;
  const embedded = embeddedIpv4(v6);
  if (embedded) {
    const inner = checkIpv4(embedded);
    return inner.public ? inner : { public: false, why: `${inner.why}, in IPv6 form` };
  }
  const range = v6.range();
  if (range !== 'unicast') return { public: false, why: describeRange(range) };
  // ::a.b.c.d, IPv4-compatible (deprecated by RFC 4291 §2.5.5.1), and the rest of ::/8.
  if (v6.parts[0]! < 0x100)
    return { public: false, why: 'an IPv4-compatible or reserved IPv6 address (::/8)' };
  // Global unicast is 2000::/3; everything outside it is reserved by IANA.
  if ((v6.parts[0]! & 0xe000) !== 0x2000)
    return { public: false, why: 'a reserved IPv6 address (outside 2000::/3)' };
  return { public: true };
}

/** Unwraps IPv4-mapped IPv6 so `::ffff:127.0.0.1` matches an allowlisted `127.0.0.1/32`. */
function normalized(address: string): ipaddr.IPv4 | ipaddr.IPv6 {
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress())
    return (parsed as ipaddr.IPv6).toIPv4Address();
  return parsed;
}

const hostnamePattern =
  /^(?=.{1,253}\.?$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

/** A valid `network.allowPrivate` entry: a host name, an IP address or a CIDR. */
export function isHostOrCidr(value: string): boolean {
  return (
    ipaddr.isValidCIDR(value) ||
    ipaddr.IPv4.isValidFourPartDecimal(value) ||
    ipaddr.IPv6.isValid(value) ||
    hostnamePattern.test(value)
  );
}

const canonicalHost = (host: string): string => host.toLowerCase().replace(/\.$/, '');

/** The operator's `network.allowPrivate`: hosts by name, addresses by CIDR. */
export class PrivateAllowlist {
  readonly #hosts = new Set<string>();
  readonly #ranges: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]> = [];

  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      if (ipaddr.isValidCIDR(entry)) {
        const [base, bits] = ipaddr.parseCIDR(entry);
        this.#ranges.push([
          normalized(base.toString()),
          bits - (base.kind() === 'ipv6' && (base as ipaddr.IPv6).isIPv4MappedAddress() ? 96 : 0),
        ]);
      } else if (ipaddr.isValid(entry)) {
        const address = normalized(entry);
        this.#ranges.push([address, address.kind() === 'ipv4' ? 32 : 128]);
      } else this.#hosts.add(canonicalHost(entry));
    }
  }

  get empty(): boolean {
    return this.#hosts.size === 0 && this.#ranges.length === 0;
  }

  hasHost(hostname: string): boolean {
    return this.#hosts.has(canonicalHost(hostname));
  }

  hasAddress(address: string): boolean {
    if (!ipaddr.isValid(address)) return false;
    const parsed = normalized(address);
    return this.#ranges.some(([base, bits]) => base.kind() === parsed.kind() && parsed.match(base, bits));
  }
}
