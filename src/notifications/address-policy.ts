import { BlockList, isIP } from 'node:net';

/**
 * Where Slipway sends notifications (docs/notifications.md#addresses): only to the URL a user
 * configured, over http(s), never to this machine, a link-local address or a cloud metadata
 * service, whatever the name resolves to — unless the operator lists the host in
 * SLIPWAY_NOTIFICATION_ALLOW_HOSTS (e.g. 127.0.0.1 for tests). Checked when a notification is
 * created (the URL's literal address) and at every try (each address the name resolves to).
 */
const REFUSED = new BlockList();
REFUSED.addSubnet('0.0.0.0', 8, 'ipv4'); // "this network", 0.0.0.0 reaches the local host
REFUSED.addSubnet('127.0.0.0', 8, 'ipv4'); // loopback
REFUSED.addSubnet('169.254.0.0', 16, 'ipv4'); // link-local, with 169.254.169.254 (metadata)
REFUSED.addSubnet('100.100.100.200', 32, 'ipv4'); // Alibaba Cloud's metadata service
REFUSED.addSubnet('224.0.0.0', 4, 'ipv4'); // multicast
REFUSED.addSubnet('255.255.255.255', 32, 'ipv4');
REFUSED.addAddress('::', 'ipv6');
REFUSED.addAddress('::1', 'ipv6');
REFUSED.addSubnet('fe80::', 10, 'ipv6'); // link-local
REFUSED.addSubnet('ff00::', 8, 'ipv6'); // multicast
REFUSED.addAddress('fd00:ec2::254', 'ipv6'); // AWS's metadata service over IPv6

/** Names of metadata services, refused before any look-up. */
const REFUSED_NAMES = new Set(['localhost', 'metadata', 'metadata.google.internal', 'metadata.goog']);

export class AddressPolicy {
  private readonly allowed: Set<string>;

  /** `allowHosts`: `host` or `host:port` entries exempt from the refusal. */
  constructor(allowHosts: readonly string[] = []) {
    this.allowed = new Set(allowHosts.map((h) => h.trim().toLowerCase()).filter((h) => h !== ''));
  }

  /** Why the URL cannot be a notification's, or null. Checks what the URL itself says (no look-up). */
  refuseUrl(raw: string): string | null {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return 'not a URL';
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'only http and https URLs are allowed';
    if (url.username !== '' || url.password !== '') return 'credentials in the URL are not allowed: use the notification secret to authenticate';
    if (this.isAllowed(url)) return null;
    const host = bareHost(url);
    if (REFUSED_NAMES.has(host) || host.endsWith('.localhost')) return `${host} is this machine or a metadata service: refused`;
    return isIP(host) !== 0 ? this.refuseAddress(url, host) : null;
  }

  /** Why Slipway must not connect to this resolved address for this URL, or null. */
  refuseAddress(url: URL, address: string): string | null {
    if (this.isAllowed(url)) return null;
    const family = isIP(address);
    if (family === 0) return `${address} is not an address`;
    const mapped = family === 6 ? ipv4Mapped(address) : undefined;
    const refused = mapped ? REFUSED.check(mapped, 'ipv4') : REFUSED.check(address, family === 4 ? 'ipv4' : 'ipv6');
    return refused
      ? `${url.hostname} is ${address}, a loopback, link-local or metadata address: refused (an operator may allow the host in SLIPWAY_NOTIFICATION_ALLOW_HOSTS)`
      : null;
  }

  private isAllowed(url: URL): boolean {
    const host = bareHost(url);
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    return this.allowed.has(host) || this.allowed.has(`${host}:${port}`) || this.allowed.has(`[${host}]:${port}`);
  }
}

/** The URL's host without IPv6 brackets, lower-case. */
function bareHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

/** `::ffff:127.0.0.1` (or `::ffff:7f00:1`, as URLs write it) → `127.0.0.1`. */
function ipv4Mapped(address: string): string | undefined {
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (dotted) return dotted[1];
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex) return undefined;
  const high = parseInt(hex[1]!, 16);
  const low = parseInt(hex[2]!, 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}
