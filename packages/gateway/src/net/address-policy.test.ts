import { describe, expect, it } from 'vitest';
import { checkAddress, isHostOrCidr, PrivateAllowlist } from './address-policy.ts';

const refused: Array<[string, RegExp]> = [
  ['127.0.0.1', /loopback/],
  ['127.255.255.254', /loopback/],
  ['10.0.0.1', /private/],
  ['10.255.255.255', /private/],
  ['172.16.0.1', /private/],
  ['172.31.255.255', /private/],
  ['192.168.1.1', /private/],
  ['100.64.0.1', /carrier-grade NAT/],
  ['100.127.255.255', /carrier-grade NAT/],
  ['169.254.169.254', /link-local/],
  ['0.0.0.0', /unspecified/],
  ['0.1.2.3', /unspecified/],
  ['224.0.0.1', /multicast/],
  ['239.255.255.250', /multicast/],
  ['255.255.255.255', /broadcast/],
  ['240.0.0.1', /reserved/],
  ['192.0.2.10', /reserved/],
  ['198.18.0.1', /reserved|benchmarking/],
  ['::1', /loopback/],
  ['::', /unspecified/],
  ['fc00::1', /unique-local/],
  ['fd12:3456:789a::1', /unique-local/],
  ['fe80::1', /link-local/],
  ['ff02::1', /multicast/],
  ['fec0::1', /site-local/],
  ['2001:db8::1', /reserved/],
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', /Teredo/],
  ['::ffff:127.0.0.1', /loopback.*in IPv6 form/],
  ['::ffff:7f00:1', /loopback.*in IPv6 form/],
  ['::ffff:10.0.0.1', /private.*in IPv6 form/],
  ['::ffff:169.254.169.254', /link-local.*in IPv6 form/],
  // The WHATWG URL parser prints [::127.0.0.1] as [::7f00:1].
  ['::7f00:1', /IPv4-compatible/],
  ['::a00:1', /IPv4-compatible/],
  // ipaddr.js reads the dotted IPv4-compatible form as IPv4-mapped: refused either way.
  ['::127.0.0.1', /loopback/],
  ['::10.0.0.1', /private/],
  ['64:ff9b::7f00:1', /loopback.*in IPv6 form/],
  ['64:ff9b::a9fe:a9fe', /link-local.*in IPv6 form/],
  ['64:ff9b:1::1', /NAT64/],
  ['2002:7f00:1::', /loopback.*in IPv6 form/],
  ['2002:c0a8:101::1', /private.*in IPv6 form/],
  ['100::1', /discard/],
  ['4000::1', /outside 2000::\/3/],
];

describe('address policy', () => {
  it.each(refused)('refuses %s, naming why', (address, why) => {
    const check = checkAddress(address);
    expect(check.public).toBe(false);
    expect(check.public ? '' : check.why).toMatch(why);
  });

  it.each([
    '93.184.216.34',
    '8.8.8.8',
    '172.32.0.1',
    '100.128.0.1',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
  ])('lets the public address %s through', (address) => {
    expect(checkAddress(address)).toEqual({ public: true });
  });

  it('matches allowlist hosts by name and addresses by CIDR, also in IPv4-mapped form', () => {
    const allowlist = new PrivateAllowlist(['Images.Internal', '10.1.0.0/16', '127.0.0.1', 'fd00::/8']);
    expect(allowlist.hasHost('images.internal.')).toBe(true);
    expect(allowlist.hasHost('other.internal')).toBe(false);
    expect(allowlist.hasAddress('10.1.200.3')).toBe(true);
    expect(allowlist.hasAddress('10.2.0.1')).toBe(false);
    expect(allowlist.hasAddress('::ffff:10.1.0.9')).toBe(true);
    expect(allowlist.hasAddress('127.0.0.1')).toBe(true);
    expect(allowlist.hasAddress('127.0.0.2')).toBe(false);
    expect(allowlist.hasAddress('fd00::5')).toBe(true);
    expect(new PrivateAllowlist([]).empty).toBe(true);
  });

  it('accepts host names, addresses and CIDRs as allowlist entries, and nothing else', () => {
    for (const entry of ['example.com', 'minio', '10.0.0.0/8', '127.0.0.1', '::1', 'fd00::/8'])
      expect(isHostOrCidr(entry), entry).toBe(true);
    for (const entry of ['http://example.com', '10.0.0.0/33', 'exa mple.com', '', '-bad.com'])
      expect(isHostOrCidr(entry), entry).toBe(false);
  });
});
