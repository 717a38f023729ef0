/**
 * mDNS (RFC 6762) over real multicast, with the `multicast-dns` package doing
 * the DNS wire format and the multicast socket. Both functions return cold
 * Observables: the socket lives exactly as long as the subscription, and
 * timeouts are the caller's (on its own scheduler).
 */
import makeMulticastDns from 'multicast-dns';
import { Observable } from 'rxjs';
import { canonicalMdnsHostname } from './names.js';

/** Where the multicast socket listens and sends. */
export interface MulticastDnsOptions {
  /** Local IPv4 address of the interface to use; default: every interface. */
  readonly interface?: string;
  /** UDP port; default 5353 (tests may use another). */
  readonly port?: number;
  /** Called once for each datagram on the socket that does not decode as DNS (it is dropped). */
  readonly onMalformed?: () => void;
}

function openSocket(options: MulticastDnsOptions) {
  // Bind the wildcard address: a socket bound to a unicast address never sees group traffic.
  const mdns = makeMulticastDns({
    interface: options.interface,
    port: options.port,
    bind: '0.0.0.0',
    reuseAddr: true,
  });
  // multicast-dns reports a datagram that fails to decode as a 'warning' and drops it. Its other
  // warnings come from socket calls (addMembership, setMulticastInterface, send), whose errors name
  // the `syscall`: those are not packets and are not counted.
  const { onMalformed } = options;
  if (onMalformed) {
    mdns.on('warning', (error) => {
      if (!isSocketError(error)) onMalformed();
    });
  }
  return mdns;
}

function isSocketError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'syscall' in error;
}

/**
 * Resolves `hostname` with a one-shot query (A and AAAA). Emits the first
 * address answered for that name and completes; completes without a value if
 * the socket fails. Never errors.
 */
export function resolveMdns(hostname: string, options: MulticastDnsOptions = {}): Observable<string> {
  const wanted = canonicalMdnsHostname(hostname);
  return new Observable<string>((subscriber) => {
    const mdns = openSocket(options);
    mdns.on('response', (packet) => {
      for (const record of [...packet.answers, ...(packet.additionals ?? [])]) {
        const matches =
          (record.type === 'A' || record.type === 'AAAA') && canonicalMdnsHostname(record.name) === wanted;
        if (matches && typeof record.data === 'string') {
          subscriber.next(record.data);
          subscriber.complete();
          return;
        }
      }
    });
    mdns.on('error', () => subscriber.complete());
    mdns.query({
      questions: [
        { name: wanted, type: 'A' },
        { name: wanted, type: 'AAAA' },
      ],
    });
    return () => mdns.destroy();
  });
}

/**
 * Answers queries for the given names (name → IPv4 or IPv6 address) until
 * unsubscribed. Never emits; completes only if the socket fails.
 */
export function publishMdns(
  records: ReadonlyMap<string, string>,
  options: MulticastDnsOptions = {},
): Observable<never> {
  const byName = new Map([...records].map(([name, address]) => [canonicalMdnsHostname(name), address]));
  return new Observable<never>((subscriber) => {
    const mdns = openSocket(options);
    mdns.on('query', (query) => {
      for (const question of query.questions) {
        const address = byName.get(canonicalMdnsHostname(question.name));
        if (address === undefined) continue;
        const type = address.includes(':') ? 'AAAA' : 'A';
        if (question.type !== type) continue;
        mdns.respond({ answers: [{ name: question.name, type, ttl: 120, data: address }] });
      }
    });
    mdns.on('error', () => subscriber.complete());
    return () => mdns.destroy();
  });
}
