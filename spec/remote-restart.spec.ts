/**
 * What new remote credentials mean (lib/core/remote-restart.ts): a restart
 * of the peer's, to be answered with new credentials, or the peer's answer
 * to ours, to be followed without any; and candidates that overtake the
 * first credentials.
 */
import { filter } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { type RemoteRestartFacts, remoteCredentialsChange } from '../lib/core/remote-restart.js';
import { type IceAgent, InvalidArgumentError, serializeCandidate } from '../lib/index.js';
import { newTestScheduler, virtualPair } from './helpers/virtual-pair.js';

const r1 = { ufrag: 'r1r1', pwd: 'p'.repeat(22) };
const r2 = { ufrag: 'r2r2', pwd: 'q'.repeat(22) };

describe('remoteCredentialsChange', () => {
  const facts = (
    o: { known?: typeof r1; renewed?: boolean; followedUnproven?: boolean; heard?: string[]; kept?: boolean },
    incoming = r2,
  ): RemoteRestartFacts => ({
    known: o.known,
    incoming,
    renewed: o.renewed ?? false,
    followedUnproven: o.followedUnproven ?? false,
    heardFrom: (u) => (o.heard ?? []).includes(u),
    kept: o.kept ?? false,
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
    expect(remoteCredentialsChange(facts({ known: r1, renewed: true, heard: ['r2r2'] }))).toBe('follow');
    expect(
      remoteCredentialsChange(facts({ known: r1, renewed: true, followedUnproven: true, heard: ['r2r2'] })),
    ).toBe('follow');
    expect(remoteCredentialsChange(facts({ known: r1, renewed: true }))).toBe('follow');
  });

  it('answers a restart whose session checks us under credentials it kept, when ours never changed', () => {
    // The peer restarted (r2) and its session checks us with our first credentials, which it kept
    // (lib/agent/kept-remote.ts). Nothing of ours is new, so r2 answers nothing: answer it with a
    // restart, as offer/answer would; the peer's kept session follows the answer (rule 2).
    expect(remoteCredentialsChange(facts({ known: r1, heard: ['r2r2'] }))).toBe('restart');
  });

  it('follows whatever comes while the credentials are kept, unless it is stale', () => {
    expect(remoteCredentialsChange(facts({ known: r1, renewed: true, kept: true }))).toBe('follow');
    expect(
      remoteCredentialsChange(facts({ known: r1, renewed: true, kept: true, followedUnproven: true })),
    ).toBe('follow');
    expect(remoteCredentialsChange({ ...facts({ known: r1, renewed: true, kept: true }), stale: true })).toBe(
      'same',
    );
  });
});

describe('remoteCredentialsChange, when signalling says what the credentials answer', () => {
  const facts = (
    answers: string | null,
    o: { stale?: boolean; heard?: string[] } = {},
  ): RemoteRestartFacts => ({
    known: r1,
    incoming: r2,
    renewed: true,
    followedUnproven: false,
    heardFrom: (u) => (o.heard ?? []).includes(u),
    answers,
    localUfrag: 'mine',
    stale: o.stale ?? false,
  });

  it('follows an answer to our current ufrag, even where the evidence would say restart', () => {
    expect(
      remoteCredentialsChange({ ...facts('mine'), followedUnproven: true, heardFrom: (u) => u === 'r1r1' }),
    ).toBe('follow');
  });

  it('answers credentials that answer nothing with a restart, even where rule 3 would follow', () => {
    expect(remoteCredentialsChange(facts(null))).toBe('restart');
    // Without the hint the same facts are followed (rule 3): the guess the hint replaces.
    expect(remoteCredentialsChange({ ...facts(null), answers: undefined })).toBe('follow');
  });

  it('ignores stale credentials, and falls back to the evidence for an answer to an older ufrag', () => {
    expect(remoteCredentialsChange(facts(null, { stale: true }))).toBe('same');
    expect(remoteCredentialsChange(facts('older', { heard: ['r2r2'] }))).toBe('follow');
    expect(remoteCredentialsChange({ ...facts('older'), renewed: false })).toBe('restart');
  });

  it('takes first credentials whatever they answer', () => {
    expect(remoteCredentialsChange({ ...facts(null), known: undefined })).toBe('first');
  });
});

describe('LocalIceCredentials.answers', () => {
  const p2 = { ufrag: 'peer2gen', pwd: 'r'.repeat(22) };
  const p3 = { ufrag: 'peer3gen', pwd: 's'.repeat(22) };
  const host = 'candidate:1 1 udp 2130706431 192.0.2.7 5000 typ host';

  it('is null first and after our own restart, and names the peer ufrag after answering its restart', () => {
    const ts = newTestScheduler();
    const seen: (string | null)[] = [];
    ts.run(() => {
      const { a, b } = virtualPair(ts);
      seen.push(a.getLocalCredentials().answers);
      const first = b.getLocalCredentials();
      a.setRemoteCredentials(first.ufrag, first.pwd, { answers: null });
      // The peer's own restart, said to answer nothing: a answers it with a restart of its own.
      a.setRemoteCredentials(p2.ufrag, p2.pwd, { answers: null });
      seen.push(a.getLocalCredentials().answers);
      a.restart();
      seen.push(a.getLocalCredentials().answers);
      a.stop();
      b.stop();
    });
    expect(seen).toEqual([null, p2.ufrag, null]);
  });

  it('takes an answer to our current ufrag at once, where without it the agent waits for evidence', () => {
    const ts = newTestScheduler();
    const remote: Record<string, string[]> = {};
    ts.run(() => {
      for (const hinted of [true, false]) {
        const { a, b } = virtualPair(ts);
        a.restart();
        const mine = a.getLocalCredentials().ufrag;
        a.setRemoteCredentials(p2.ufrag, p2.pwd); // first credentials of the new session
        a.addRemoteCandidate({ candidate: host, usernameFragment: p3.ufrag });
        a.setRemoteCredentials(p3.ufrag, p3.pwd, hinted ? { answers: mine } : undefined);
        remote[String(hinted)] = a.getRemoteCandidates().map((c) => c.address);
        expect(a.getLocalCredentials().ufrag).toBe(mine); // followed: no restart of ours
        a.stop();
        b.stop();
      }
    });
    expect(remote).toEqual({ true: ['192.0.2.7'], false: [] });
  });

  it('is validated: a ufrag or null', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { a, b } = virtualPair(ts);
      expect(() => a.setRemoteCredentials(p2.ufrag, p2.pwd, { answers: 5 as unknown as string })).toThrow(
        InvalidArgumentError,
      );
      expect(() => a.setRemoteCredentials(p2.ufrag, p2.pwd, { answers: 'ab' })).toThrow(InvalidArgumentError);
      expect(a.getRemoteCandidates()).toEqual([]);
      a.stop();
      b.stop();
    });
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
