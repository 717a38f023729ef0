/**
 * A discrete-event network for hand-driven {@link IceSession}s: every
 * datagram gets a fate (a delay in ms, or dropped) from a function the test
 * supplies, so a test can lose exactly the nominating check, delay one
 * answer past another, or put a peer behind a NAT-like public address.
 */
import { expect } from 'vitest';
import type { Candidate } from '../../lib/candidate-types.js';
import type { IceSession, SessionEvent, Transmit } from '../../lib/core/session.js';
import { decodeStun } from '../../lib/stun/message.js';
import type { StunMessageView } from '../../lib/stun/types.js';
import { hostCandidate } from './session-kit.js';

/** One endpoint: a session behind one socket (id 1). */
export interface NetPeer {
  readonly name: string;
  readonly session: IceSession;
  /** Its host candidate (the socket's own address). */
  readonly candidate: Candidate;
  /** Where its packets appear to come from, as others see them (a NAT mapping); default its host address. */
  readonly publicAddress: { readonly address: string; readonly port: number };
  readonly events: SessionEvent[];
}

/** One datagram on the wire. */
export interface Datagram {
  readonly at: number;
  readonly from: NetPeer;
  readonly to: NetPeer | undefined;
  readonly transmit: Transmit;
  readonly message: StunMessageView | undefined;
}

/** What happens to a datagram: delivered after this many ms, or dropped. */
export type Fate = number | 'drop';

/** A peer with a host candidate at `address:port`, optionally seen by others as `publicAddress`. */
export function netPeer(
  name: string,
  session: IceSession,
  address: string,
  port: number,
  publicAddress?: { address: string; port: number },
): NetPeer {
  return {
    name,
    session,
    candidate: hostCandidate(address, port),
    publicAddress: publicAddress ?? { address, port },
    events: [],
  };
}

/** Adds the peers' host candidates and hands each the other's credentials and host candidate at `now`. */
export function introduce(a: NetPeer, b: NetPeer, now = 0): void {
  a.session.addLocalCandidate({ candidate: a.candidate, socketId: 1 }, now);
  b.session.addLocalCandidate({ candidate: b.candidate, socketId: 1 }, now);
  a.session.addRemoteCandidate(b.candidate, now);
  b.session.addRemoteCandidate(a.candidate, now);
  a.session.setRemoteCredentials(b.session.localCredentials, now);
  b.session.setRemoteCredentials(a.session.localCredentials, now);
}

const key = (address: string, port: number) => `${address}:${port}`;

/** Runs sessions against each other in virtual time. */
export class SessionNet {
  now = 0;
  readonly log: Datagram[] = [];
  private readonly deliveries: { at: number; seq: number; datagram: Datagram }[] = [];
  private seq = 0;
  private readonly byAddress = new Map<string, NetPeer>();

  constructor(
    readonly peers: readonly NetPeer[],
    private readonly fate: (d: Datagram) => Fate = () => 10,
  ) {
    for (const p of peers) {
      this.byAddress.set(key(p.candidate.address, p.candidate.port), p);
      this.byAddress.set(key(p.publicAddress.address, p.publicAddress.port), p);
    }
  }

  /** Runs until nothing is left to do or the clock would pass `until`; the clock then reads `until`. */
  run(until: number): void {
    for (let steps = 0; steps < 1_000_000; steps++) {
      this.drain();
      const next = this.nextEventAt();
      if (next === undefined || next > until) {
        this.now = Math.max(this.now, until);
        return;
      }
      expect(next).toBeGreaterThanOrEqual(this.now); // time never runs backwards
      this.now = next;
      while (this.deliveries.length > 0 && (this.deliveries[0]?.at ?? Infinity) <= this.now) {
        const { datagram } = this.deliveries.shift() as { datagram: Datagram };
        const to = datagram.to as NetPeer;
        const from = datagram.from.publicAddress;
        if (datagram.message) to.session.handleStun(1, from.address, from.port, datagram.message, this.now);
        this.drain();
      }
      for (const p of this.peers) {
        const at = p.session.nextTimeout(this.now);
        if (at !== undefined && at <= this.now) p.session.handleTimeout(this.now);
      }
    }
    throw new Error('SessionNet did not settle');
  }

  /** Requests `name` sent (first transmissions and retransmissions). */
  requestsFrom(name: string): Datagram[] {
    return this.log.filter((d) => d.from.name === name && d.message?.cls === 'request');
  }

  /** The states `peer` went through. */
  static states(peer: NetPeer): string[] {
    return peer.events.flatMap((e) => (e.type === 'state' ? [e.state] : []));
  }

  /**
   * The explorer's "never stuck" invariant for one session: not terminal
   * means a next deadline or a named awaited input.
   */
  static expectNotStuck(peer: NetPeer, now: number): void {
    const s = peer.session;
    if (s.state === 'failed' || s.state === 'closed') return;
    const deadline = s.nextTimeout(now);
    const awaited = s.awaiting(now);
    expect(
      deadline !== undefined || awaited !== undefined,
      `${peer.name} is stalled in ${s.state}: no deadline and no awaited input`,
    ).toBe(true);
  }

  private nextEventAt(): number | undefined {
    let next = this.deliveries[0]?.at;
    for (const p of this.peers) {
      const at = p.session.nextTimeout(this.now);
      if (at !== undefined && (next === undefined || at < next)) next = at;
    }
    return next;
  }

  private drain(): void {
    for (const p of this.peers) {
      for (let t = p.session.pollTransmit(); t !== undefined; t = p.session.pollTransmit()) {
        const datagram: Datagram = {
          at: this.now,
          from: p,
          to: this.byAddress.get(key(t.address, t.port)),
          transmit: t,
          message: decodeStun(t.data),
        };
        this.log.push(datagram);
        const fate = this.fate(datagram);
        if (fate === 'drop' || datagram.to === undefined) continue;
        this.deliveries.push({ at: this.now + fate, seq: this.seq++, datagram });
        this.deliveries.sort((x, y) => x.at - y.at || x.seq - y.seq);
      }
      for (let e = p.session.pollEvent(); e !== undefined; e = p.session.pollEvent()) p.events.push(e);
    }
  }
}
