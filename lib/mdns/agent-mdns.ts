/**
 * What an agent does with mDNS (RFC 6762) names in ICE: resolve the remote's
 * `<uuid>.local` candidates with one-shot queries, and optionally hide its own
 * host addresses behind such names, as browsers do.
 */
import { isIP } from 'node:net';
import {
  catchError,
  EMPTY,
  filter,
  finalize,
  type Observable,
  type SchedulerLike,
  Subscription,
  take,
  timeout,
} from 'rxjs';
import { cryptoEntropy, type Entropy } from '../entropy.js';
import { LimitExceededError } from '../errors.js';
import { randomMdnsHostname } from './names.js';

/**
 * Resolves a `.local` name: emits its address (first one wins) or completes
 * empty. Calls `onMalformed` for each datagram it drops because it did not
 * decode as DNS (the agent counts them as `mdnsMalformedPackets`).
 */
export type MdnsResolver = (hostname: string, onMalformed?: () => void) => Observable<string>;

/** Answers queries for `name → address` records until unsubscribed; `onMalformed` as for {@link MdnsResolver}. */
export type MdnsPublisher = (
  records: ReadonlyMap<string, string>,
  onMalformed?: () => void,
) => Observable<never>;

/**
 * `resolve` (default): resolve remote `.local` candidates; `publish`: also
 * signal host candidates under `.local` names and answer for them; `off`:
 * ignore `.local` candidates (counted in stats).
 */
export type MdnsMode = 'resolve' | 'publish' | 'off';

/** mDNS counters, merged into the agent's stats. */
export interface MdnsCounters {
  /** `.local` remote candidates looked up. */
  mdnsQueries: number;
  /** Looked-up names that resolved (their candidates were added). */
  mdnsResolved: number;
  /** Names that did not resolve in time; the agent still connects through peer-reflexive candidates. */
  mdnsFailures: number;
  /** Datagrams on the agent's mDNS sockets (look-ups and publication) that did not decode as DNS; dropped. */
  mdnsMalformedPackets: number;
}

/** Zeroed mDNS counters. */
export function createMdnsCounters(): MdnsCounters {
  return { mdnsQueries: 0, mdnsResolved: 0, mdnsFailures: 0, mdnsMalformedPackets: 0 };
}

/** Resolves remote `.local` candidates for one agent: bounded in number, each bounded in time on the scheduler. */
export class RemoteNameResolver {
  private readonly pending = new Set<Subscription>();
  private closed = false;

  constructor(
    private readonly resolver: MdnsResolver,
    private readonly scheduler: SchedulerLike,
    private readonly timeoutMs: number,
    private readonly limit: number,
    private readonly counters: MdnsCounters,
  ) {}

  /**
   * Looks `hostname` up and calls `onAddress` once with an IP address, or
   * never when the name does not resolve within the timeout. Throws
   * {@link LimitExceededError} when `limit` look-ups are already pending.
   */
  resolve(hostname: string, onAddress: (address: string) => void): void {
    if (this.pending.size >= this.limit) {
      throw new LimitExceededError(
        `too many pending mDNS look-ups (${this.limit}); ${hostname} not resolved`,
      );
    }
    this.counters.mdnsQueries++;
    let answered = false;
    const holder = new Subscription();
    this.pending.add(holder);
    holder.add(
      this.resolver(hostname, () => this.counters.mdnsMalformedPackets++)
        .pipe(
          filter((address) => isIP(address) !== 0),
          take(1),
          timeout({ first: this.timeoutMs, with: () => EMPTY, scheduler: this.scheduler }),
          catchError(() => EMPTY),
          finalize(() => {
            this.pending.delete(holder);
            if (!answered && !this.closed) this.counters.mdnsFailures++;
          }),
        )
        .subscribe((address) => {
          answered = true;
          this.counters.mdnsResolved++;
          onAddress(address);
        }),
    );
  }

  /** Cancels every pending look-up. */
  close(): void {
    this.closed = true;
    for (const subscription of this.pending) subscription.unsubscribe();
    this.pending.clear();
  }
}

/** Gives each local host address a stable `<uuid>.local` name and keeps answering queries for them. */
export class LocalNamePublisher {
  private readonly names = new Map<string, string>();
  private publication: Subscription | undefined;

  /**
   * @param limit most names published (one per host address; more addresses are signaled as they are)
   * @param entropy where the names are drawn from (the agent's option)
   * @param counters where datagrams that did not decode are counted (`mdnsMalformedPackets`)
   */
  constructor(
    private readonly publisher: MdnsPublisher,
    private readonly limit = 64,
    private readonly entropy: Entropy = cryptoEntropy,
    private readonly counters: MdnsCounters = createMdnsCounters(),
  ) {}

  /** The name `address` is published under (a new one the first time), or the address itself past the limit. */
  nameFor(address: string): string {
    const known = this.names.get(address);
    if (known !== undefined) return known;
    if (this.names.size >= this.limit) return address;
    const name = randomMdnsHostname(this.entropy);
    this.names.set(address, name);
    this.publication?.unsubscribe();
    const records = new Map([...this.names].map(([ip, hostname]) => [hostname, ip]));
    this.publication = this.publisher(records, () => this.counters.mdnsMalformedPackets++).subscribe({
      error: () => undefined,
    });
    return name;
  }

  /** Stops answering queries. */
  close(): void {
    this.publication?.unsubscribe();
    this.publication = undefined;
  }
}
