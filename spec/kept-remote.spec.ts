/**
 * Our own restart keeps the peer's generation (lib/agent/kept-remote.ts):
 * after {@link KEPT_REMOTE_WAIT} without an answer the new session checks the
 * peer's current generation under our new ufrag and nominates nothing until
 * the peer confirms, except facing a lite peer (which never could, and runs
 * no consent). A session that followed newer remote credentials answers
 * checks of the generation it replaced, but they nominate nothing.
 */
import type { Subscription } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { candidatePriority } from '../lib/candidate.js';
import type { IceCredentials } from '../lib/core/credentials.js';
import { KEPT_REMOTE_WAIT } from '../lib/core/remote-restart.js';
import type { CandidatePairStats } from '../lib/index.js';
import { buildBindingRequest, decodeStun, shortTermKey } from '../lib/stun/message.js';
import type { StunMessageView } from '../lib/stun/types.js';
import { pairWithUnansweredRestart, stopAll } from './helpers/liveness-kit.js';
import { hostCandidate, newSession } from './helpers/session-kit.js';
import { newTestScheduler } from './helpers/virtual-pair.js';

const LOCAL: IceCredentials = { ufrag: 'ufragB', pwd: 'passwordBBBBBBBBBBBBBBBB' };
const OLD: IceCredentials = { ufrag: 'ufragA1', pwd: 'passwordA1A1A1A1A1A1A1A1' };
const NEW: IceCredentials = { ufrag: 'ufragA2', pwd: 'passwordA2A2A2A2A2A2A2A2' };

describe('a session that followed new remote credentials', () => {
  it("answers a check of the peer generation it replaced, but that check's USE-CANDIDATE nominates nothing", () => {
    const b = newSession({ role: 'controlled', tieBreaker: 1n, localCredentials: LOCAL, ta: 50 });
    b.addLocalCandidate({ candidate: hostCandidate('10.0.0.2', 2000), socketId: 1 }, 0);
    b.setRemoteCredentials(OLD, 0);
    b.followRemoteCredentials(NEW, 0, true);
    const nominate = (remoteUfrag: string) => {
      const { bytes } = buildBindingRequest({
        username: `${LOCAL.ufrag}:${remoteUfrag}`,
        key: shortTermKey(LOCAL.pwd),
        priority: candidatePriority('prflx', 65535, 1),
        role: 'controlling',
        tieBreaker: 5n,
        useCandidate: true,
      });
      b.handleStun(1, '10.0.0.1', 1000, decodeStun(bytes) as StunMessageView, 0);
      const out: StunMessageView[] = [];
      for (let t = b.pollTransmit(); t !== undefined; t = b.pollTransmit()) {
        out.push(decodeStun(t.data) as StunMessageView);
      }
      return out;
    };

    const fromOld = nominate(OLD.ufrag);
    expect(fromOld.map((m) => m.cls)).toEqual(['success']); // answered: the old session's consent holds
    expect(b.checklist.pairs.map((p) => p.remoteNominated)).toEqual([false]);
    expect(b.selectedPair).toBeUndefined();

    const fromNew = nominate(NEW.ufrag);
    expect(fromNew.map((m) => m.cls)).toEqual(['success']);
    expect(b.checklist.pairs.map((p) => p.remoteNominated)).toEqual([true]);
  });
});

describe('our own restart without an answer', () => {
  /** a restarts at 1000 and its credentials never reach b; returns a's pairs as pairs$ showed them at 1000 + wait + 500. */
  function pairsAfterWait(lite: boolean): { pairs: CandidatePairStats[]; selected: boolean } {
    const ts = newTestScheduler();
    let seen: readonly CandidatePairStats[] = [];
    let watch: Subscription | undefined;
    let selected = false;
    ts.run(() => {
      const { a, b } = pairWithUnansweredRestart(
        ts,
        1000,
        lite ? { a: { remoteIceLite: true }, b: { lite: true } } : {},
      );
      ts.schedule(() => {
        // Scheduled after the restart at the same instant: pairs$ shows the new session.
        watch = a.pairs$.subscribe((pairs) => {
          seen = pairs;
        });
      }, 1000);
      ts.schedule(
        () => {
          selected = a.getStats().selectedPair !== undefined; // the new session's
          watch?.unsubscribe();
          stopAll(a, b);
        },
        1000 + KEPT_REMOTE_WAIT + 500,
      );
    });
    return { pairs: [...seen], selected };
  }

  it("keeps the peer's generation after the wait and checks it, nominating nothing the peer has not confirmed", () => {
    const { pairs, selected } = pairsAfterWait(false);
    expect(selected).toBe(false);
    expect(pairs.length).toBeGreaterThan(0);
    expect(pairs.every((p) => !p.nominated)).toBe(true);
    expect(pairs.some((p) => p.state === 'succeeded')).toBe(true); // b answers: its session checks only its own ufrag
  });

  it('facing a lite peer, which sends no checks and runs no consent, nominates what answers without confirmation', () => {
    // (Explore seed 20261224, #19924: both restarted within a millisecond facing a lite peer; the lite
    // peer followed, and the full side waited for credentials it would never get.)
    const { pairs, selected } = pairsAfterWait(true);
    expect(pairs.some((p) => p.nominated)).toBe(true);
    expect(selected).toBe(true);
  });
});
