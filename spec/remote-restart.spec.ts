/**
 * What new remote credentials mean (lib/core/remote-restart.ts): a restart
 * of the peer's, to be answered with new credentials, or the peer's answer
 * to ours, to be followed without any; and candidates that overtake the
 * first credentials.
 */
import { filter } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { type RemoteRestartFacts, remoteCredentialsChange } from '../lib/core/remote-restart.js';
import { type IceAgent, serializeCandidate } from '../lib/index.js';
import { newTestScheduler, virtualPair } from './helpers/virtual-pair.js';

const r1 = { ufrag: 'r1r1', pwd: 'p'.repeat(22) };
const r2 = { ufrag: 'r2r2', pwd: 'q'.repeat(22) };

describe('remoteCredentialsChange', () => {
  const facts = (
    o: { known?: typeof r1; renewed?: boolean; followedUnproven?: boolean; heard?: string[] },
    incoming = r2,
  ): RemoteRestartFacts => ({
    known: o.known,
    incoming,
    renewed: o.renewed ?? false,
    followedUnproven: o.followedUnproven ?? false,
    heardFrom: (u) => (o.heard ?? []).includes(u),
  });

  it('takes the first credentials, and ignores the same ones again', () => {
    expect(remoteCredentialsChange(facts({}))).toBe('first');
    expect(remoteCredentialsChange(facts({ known: r1, renewed: true }, { ...r1 }))).toBe('same');
  });

  it('answers a restart of the peer with one of its own', () => {
    // First generation: whatever the peer sends next is a restart of its own.
    expect(remoteCredentialsChange(facts({ known: r1, heard: ['r1r1'] }))).toBe('restart');
    expect(remoteCredentialsChange(facts({ known: r1 }))).toBe('restart');
    // A renewed session whose peer generation proved it knew our credentials: the peer restarted again.
    expect(remoteCredentialsChange(facts({ known: r1, renewed: true, heard: ['r1r1'] }))).toBe('restart');
    // A renewed session that already followed once without proof: the peer restarted on its own.
    expect(remoteCredentialsChange(facts({ known: r1, renewed: true, followedUnproven: true }))).toBe(
      'restart',
    );
  });

  it('follows a peer generation that already checks us, or that answers our unanswered restart', () => {
    expect(remoteCredentialsChange(facts({ known: r1, heard: ['r2r2'] }))).toBe('follow');
    expect(
      remoteCredentialsChange(facts({ known: r1, renewed: true, followedUnproven: true, heard: ['r2r2'] })),
    ).toBe('follow');
    expect(remoteCredentialsChange(facts({ known: r1, renewed: true }))).toBe('follow');
  });
});

/** Signalling with a delay per direction, in order (like one ordered channel each way). */
function wire(
  from: IceAgent,
  to: IceAgent,
  delay: number,
  schedule: (f: () => void, d: number) => void,
): void {
  let sent = '';
  const credentials = () => {
    const { ufrag, pwd } = from.getLocalCredentials();
    if (ufrag === sent) return;
    sent = ufrag;
    schedule(() => to.setRemoteCredentials(ufrag, pwd), delay);
  };
  credentials();
  from.candidates$.subscribe((c) => {
    credentials(); // a restart shows up as new candidates: re-signal the credentials first
    const line = serializeCandidate({ ...c, ufrag: from.getLocalCredentials().ufrag });
    schedule(() => to.addRemoteCandidate(line), delay);
  });
  from.gatheringState$.pipe(filter((s) => s === 'complete')).subscribe(() => {
    const usernameFragment = from.getLocalCredentials().ufrag;
    schedule(() => to.addRemoteCandidate({ candidate: '', usernameFragment }), delay);
  });
}

describe('restarts that cross in signalling', () => {
  it('settle on one generation each and connect', () => {
    const ts = newTestScheduler();
    const ufrags = { a: new Set<string>(), b: new Set<string>() };
    let states = { a: '', b: '' };
    ts.run(() => {
      const { a, b } = virtualPair(ts);
      const schedule = (f: () => void, d: number) => ts.schedule(f, d);
      a.candidates$.subscribe(() => ufrags.a.add(a.getLocalCredentials().ufrag));
      b.candidates$.subscribe(() => ufrags.b.add(b.getLocalCredentials().ufrag));
      // b restarts before anything arrived; a's first credentials reach b only after b's restart.
      ts.schedule(() => b.restart(), 3);
      wire(a, b, 1900, schedule);
      wire(b, a, 8, schedule);
      a.gatherCandidates();
      b.gatherCandidates();
      ts.schedule(() => {
        states = { a: a.getStats().state, b: b.getStats().state };
        a.stop();
        b.stop();
      }, 20_000);
    });
    // a: its first ufrag and its answer to b's restart; b: its first and its own restart. No more.
    expect(ufrags.a.size).toBe(2);
    expect(ufrags.b.size).toBe(2);
    expect(states).toEqual({ a: 'completed', b: 'completed' });
  });
});

describe('candidates ahead of the first credentials', () => {
  it('wait for credentials of their ufrag, and are not given to a session of another ufrag', () => {
    const ts = newTestScheduler();
    const seen: Record<string, string[]> = {};
    ts.run(() => {
      const { a, b } = virtualPair(ts);
      b.gatherCandidates();
      b.candidates$.subscribe((c) => {
        const line = serializeCandidate({ ...c, ufrag: 'nextgen1' });
        a.addRemoteCandidate(line); // tagged with a ufrag a has no credentials for yet
      });
      ts.schedule(() => {
        seen.before = a.getRemoteCandidates().map((c) => c.type);
        a.setRemoteCredentials('other', 'x'.repeat(22));
        seen.other = a.getRemoteCandidates().map((c) => c.type);
        a.setRemoteCredentials('nextgen1', 'y'.repeat(22));
        seen.next = a.getRemoteCandidates().map((c) => c.type);
        a.stop();
        b.stop();
      }, 500);
    });
    expect(seen).toEqual({ before: [], other: [], next: ['host'] });
  });
});
