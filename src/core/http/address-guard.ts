import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { Agent } from 'undici';

/** Networks a tenant's URL must not reach: private, loopback, link-local, shared, reserved, documentation, multicast. */
const BLOCKED_V4 = [
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24', '192.0.2.0/24',
  '192.168.0.0/16', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24', '224.0.0.0/4', '240.0.0.0/4',
];
const BLOCKED_V6 = ['::/128', '::1/128', '64:ff9b::/96', '100::/64', '2001:db8::/32', 'fc00::/7', 'fe80::/10', 'ff00::/8'];

/** The code of the error a guarded connection fails with, on the error or its cause. */
export const ADDRESS_REFUSED = 'EADDRREFUSED_SSRF';

/** Whether a request failed because the guard refused the address its host resolved to. */
export function isAddressRefused(e: unknown): boolean {
  const err = e as { code?: string; cause?: { code?: string } } | null;
  return err?.code === ADDRESS_REFUSED || err?.cause?.code === ADDRESS_REFUSED;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * The SSRF guard of every request to a URL a tenant gives (outbound webhooks, alert channels,
 * workflow HTTP steps, media to publish). Hostnames are checked where the connection is made (the
 * lookup the HTTP agent uses), so a name cannot resolve to a public address when checked and to an
 * internal one when connected. An operator may open networks (the *_ALLOWED_NETWORKS settings).
 */
export class AddressGuard {
  private readonly blocked = new BlockList();
  private readonly allowed = new BlockList();

  constructor(allowedNetworks: readonly string[]) {
    for (const c of BLOCKED_V4) this.add(this.blocked, c);
    for (const c of BLOCKED_V6) this.add(this.blocked, c);
    for (const c of allowedNetworks) this.add(this.allowed, c);
  }

  /** Why this address may not be reached, or null when it may. */
  refusal(address: string): string | null {
    let ip = address.replace(/^\[|\]$/g, '');
    // an IPv4-mapped IPv6 address reaches the IPv4 address it maps
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
    if (mapped) ip = mapped[1];
    const family = isIP(ip);
    if (family === 0) return `${address} is not an IP address`;
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (this.allowed.check(ip, type)) return null;
    return this.blocked.check(ip, type) ? `${address} is a private, loopback or link-local address` : null;
  }

  /** What is wrong with a URL a tenant gives, before any lookup: its scheme, or an IP that may not be reached. */
  urlProblem(url: string): string | null {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return 'must be an absolute http(s) URL';
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return 'must be an http(s) URL';
    if (u.username || u.password) return 'must not carry credentials';
    const host = u.hostname.replace(/^\[|\]$/g, '');
    return isIP(host) ? this.refusal(host) : null;
  }

  /** A dns.lookup that fails on any refused address; give it to the HTTP agent's connect options. */
  readonly lookup = (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, []);
      const refused = addresses.map((a) => this.refusal(a.address)).find((r) => r !== null);
      if (refused) return callback(Object.assign(new Error(`refused to connect to ${hostname}: ${refused}`), { code: ADDRESS_REFUSED }), []);
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };

  /**
   * An HTTP agent whose every connection goes through `lookup`, with header and body timeouts and a
   * connect timeout (the same unless given).
   */
  agent(timeoutMs: number, opts: { connectTimeoutMs?: number; connections?: number } = {}): Agent {
    return new Agent({
      ...(opts.connections ? { connections: opts.connections } : {}),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      connect: { timeout: opts.connectTimeoutMs ?? timeoutMs, lookup: this.lookup },
    });
  }

  private add(list: BlockList, cidr: string): void {
    const [net, prefix] = cidr.split('/');
    list.addSubnet(net, Number(prefix), isIP(net) === 6 ? 'ipv6' : 'ipv4');
  }
}
