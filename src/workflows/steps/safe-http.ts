import { BlockList, isIP } from 'node:net';
import { lookup } from 'node:dns';
import { Agent } from 'undici';

/** Addresses a tenant's HTTP step may not reach unless allowed: loopback, private, link-local, shared and unspecified ranges. */
const INTERNAL: [string, number, 'ipv4' | 'ipv6'][] = [
  ['0.0.0.0', 8, 'ipv4'], ['10.0.0.0', 8, 'ipv4'], ['100.64.0.0', 10, 'ipv4'], ['127.0.0.0', 8, 'ipv4'], ['169.254.0.0', 16, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'], ['192.168.0.0', 16, 'ipv4'], ['192.0.0.0', 24, 'ipv4'], ['198.18.0.0', 15, 'ipv4'], ['224.0.0.0', 3, 'ipv4'],
  ['::', 128, 'ipv6'], ['::1', 128, 'ipv6'], ['fc00::', 7, 'ipv6'], ['fe80::', 10, 'ipv6'], ['ff00::', 8, 'ipv6'],
];

export class ForbiddenAddressError extends Error {}

function blockList(entries: [string, number, 'ipv4' | 'ipv6'][]): BlockList {
  const list = new BlockList();
  for (const [net, prefix, family] of entries) list.addSubnet(net, prefix, family);
  return list;
}

function cidrs(specs: readonly string[]): [string, number, 'ipv4' | 'ipv6'][] {
  return specs.map((spec) => {
    const [net, bits] = spec.split('/');
    const family = isIP(net) === 6 ? 'ipv6' : 'ipv4';
    return [net, Number(bits ?? (family === 'ipv6' ? 128 : 32)), family];
  });
}

/**
 * Outbound HTTP for workflow steps that take any URL: every address a host name resolves to is
 * checked at connect time (no DNS-rebinding gap), internal ranges refused unless a CIDR in
 * `allowed` covers them, no redirects followed, and connect, header and body timeouts set.
 */
export class SafeHttpAgent {
  readonly dispatcher: Agent;
  private readonly internal = blockList(INTERNAL);
  private readonly allowed: BlockList;

  constructor(allowedNetworks: readonly string[], timeoutMs = 30_000) {
    this.allowed = blockList(cidrs(allowedNetworks));
    this.dispatcher = new Agent({
      connections: 32,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      connect: {
        timeout: Math.min(timeoutMs, 10_000),
        lookup: (hostname, options, callback) =>
          lookup(hostname, { ...options, all: true }, (err, addresses) => {
            if (err) return callback(err, '', 0);
            const list = addresses as unknown as { address: string; family: number }[];
            const bad = list.find((a) => this.forbidden(a.address));
            if (bad) return callback(new ForbiddenAddressError(`${hostname} resolves to ${bad.address}, an internal address this workflow may not reach`), '', 0);
            if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: typeof list) => void)(null, list);
            return callback(null, list[0].address, list[0].family);
          }),
      },
    });
  }

  /** Throws for a URL that is not http(s) or names an internal address literally. */
  check(url: URL): void {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ForbiddenAddressError(`only http and https URLs, not ${url.protocol}`);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) && this.forbidden(host)) throw new ForbiddenAddressError(`${host} is an internal address this workflow may not reach`);
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }

  private forbidden(address: string): boolean {
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    const mapped = family === 'ipv6' && /^::ffff:/i.test(address) ? address.slice(7) : null;
    if (mapped && isIP(mapped) === 4) return this.forbidden(mapped);
    return this.internal.check(address, family) && !this.allowed.check(address, family);
  }
}
