/**
 * Who a request comes from, for logs and the per-address connection cap.
 *
 * Behind a reverse proxy every connection comes from the proxy; with `trustProxy` the client
 * is the last `X-Forwarded-For` entry — the one our own proxy appended. Earlier entries are
 * whatever the client sent and are never trusted.
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const peer = unmapIpv4(req.socket.remoteAddress ?? 'unknown');
  if (!trustProxy) return peer;
  const last = lastForwardedEntry(req.headers['x-forwarded-for']);
  return last !== undefined && isIP(last) !== 0 ? unmapIpv4(last) : peer;
}

/** The last entry of a (repeated or comma-separated) `X-Forwarded-*` header: the one our proxy set. */
export function lastForwardedEntry(header: string | string[] | undefined): string | undefined {
  const joined = Array.isArray(header) ? header.join(',') : header;
  return joined?.split(',').map((s) => s.trim()).filter((s) => s.length > 0).at(-1);
}

/** `::ffff:10.0.0.1` (IPv4 on a dual-stack socket) → `10.0.0.1`. */
function unmapIpv4(address: string): string {
  const match = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return match?.[1] ?? address;
}

/**
 * The key the per-address cap counts under: an IPv4 address, or the /64 prefix of an IPv6
 * address — one subscriber usually holds a whole /64 and could otherwise rotate through it.
 */
export function addressKey(address: string): string {
  if (isIP(address) !== 6) return address;
  const groups = expandIpv6(address);
  return groups ? `${groups.slice(0, 4).join(':')}::/64` : address;
}

/** The eight 16-bit groups of an IPv6 address, or null if it cannot be parsed. */
function expandIpv6(address: string): string[] | null {
  let text = address.split('%', 1)[0] ?? address;
  // A trailing embedded IPv4 (::ffff:1.2.3.4) becomes two hex groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const missing = 8 - left.length - right.length;
  if (missing < 0 || (tail === undefined && missing !== 0)) return null;
  return [...left, ...Array<string>(missing).fill('0'), ...right].map((g) => g.toLowerCase().padStart(4, '0'));
}

/** Counts open connections per address key. */
export class AddressCounter {
  private readonly counts = new Map<string, number>();

  /** Counts one more connection for `key` unless it already has `max`; false = over the cap. */
  tryAdd(key: string, max: number): boolean {
    const count = this.counts.get(key) ?? 0;
    if (count >= max) return false;
    this.counts.set(key, count + 1);
    return true;
  }

  remove(key: string): void {
    const count = this.counts.get(key) ?? 0;
    // Deleting at zero keeps the map as small as the set of addresses connected right now.
    if (count <= 1) this.counts.delete(key);
    else this.counts.set(key, count - 1);
  }

  count(key: string): number {
    return this.counts.get(key) ?? 0;
  }
}

/** True when `host` (a listen address) is reachable only from this machine. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d+\.\d+\.\d+$/.test(bare) || /^::ffff:127\./.test(bare);
}
