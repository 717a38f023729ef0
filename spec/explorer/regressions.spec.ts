/**
 * Failing explorer sessions, replayed by name. Each case is a scenario
 * literal (as `npm run explore` prints it) and the defect it exposed; a case
 * passes once the defect is fixed; each failed on the code before its fix.
 * Replay one with a trace: `npm run explore -- --scenario '<JSON>'`.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from './runner.js';
import { parseScenario, pathExists, type Scenario } from './scenario.js';

/** Runs `scenario` (an object, or the one-line JSON `npm run explore` prints) and expects no invariant broken. */
function expectClean(scenario: Scenario | string): void {
  const { violations } = runScenario(typeof scenario === 'string' ? parseScenario(scenario) : scenario);
  expect(violations.map((v) => `${v.invariant}${v.side ? ` (${v.side})` : ''}: ${v.message}`)).toEqual([]);
}

const quiet = { latency: 0, jitter: 0, loss: 0, duplicate: 0, reorder: 0 };

describe('explorer regressions', () => {
  it('inv 1: candidates of a remote restart that overtake the first credentials reach the session of their generation', () => {
    // b (ICE-lite) restarts at 854 ms before a has any credentials. a gets b's generation-1 candidate
    // (ufrag tagged) at 2366, then b's stale generation-0 credentials at 2885, then the generation-1
    // credentials at 3739 and restarts. The candidate used to be filed into the first session and lost
    // (RemoteCandidateIntake held a tagged candidate only when credentials were known): no pair, failed at PAC.
    expectClean(
      '{"seed":9,"a":{"nat":"symmetric","role":"controlling","stun":false,"turn":false,"credentialsDelay":11,"candidateDelay":1992,"trickleStep":23,"endOfCandidates":"prompt","lateEndDelay":8665,"restartAt":null},"b":{"nat":"none","role":"controlled","stun":false,"turn":false,"credentialsDelay":2885,"candidateDelay":1512,"trickleStep":443,"endOfCandidates":"late","lateEndDelay":14996,"restartAt":854},"link":{"latency":299,"jitter":13,"loss":0,"duplicate":0,"reorder":0.17},"serverLinkA":{"latency":111,"jitter":0,"loss":0,"duplicate":0.04,"reorder":0},"serverLinkB":{"latency":3,"jitter":39,"loss":0.04,"duplicate":0,"reorder":0.01},"lite":true}',
    );
  });

  it('bounded: crossing restart answers do not ping-pong (restart, then stale credentials, then the answer)', () => {
    // b restarts at 3 ms, before anything arrives. a gets b0 (8 ms), then b1 (11 ms) and answers with a1. b
    // gets the stale a0 first (1949 ms), then a1 (1960 ms). b used to take a1 for a new restart of a's and
    // answer it, a answered that, and so on forever. b now sees from a1's checks (USERNAME b1:a1) that a1
    // knows its credentials and follows without new ones (lib/core/remote-restart.ts).
    expectClean(
      '{"seed":639217068,"a":{"nat":"portRestrictedCone","role":"controlling","stun":false,"turn":false,"credentialsDelay":1949,"candidateDelay":1549,"trickleStep":3,"endOfCandidates":"prompt","lateEndDelay":6905,"restartAt":null},"b":{"nat":"none","role":"controlling","stun":true,"turn":false,"credentialsDelay":8,"candidateDelay":278,"trickleStep":499,"endOfCandidates":"never","lateEndDelay":13448,"restartAt":3},"link":{"latency":93,"jitter":0,"loss":0.18,"duplicate":0,"reorder":0.02},"serverLinkA":{"latency":5,"jitter":6,"loss":0.05,"duplicate":0.01,"reorder":0.16},"serverLinkB":{"latency":8,"jitter":7,"loss":0,"duplicate":0,"reorder":0.19},"lite":false}',
    );
  });

  it('inv 4: a check held for a TURN permission does not go out after selection (controlling agent, ICE-lite peer)', () => {
    // a (symmetric NAT, TURN) checks relay -> b's host at 1.29 s; the relay holds it while CreatePermission
    // runs over a 275 ms server link. a selects prflx -> host at 1.4 s, and the held check used to leave at
    // 1.95 s. Held checks are now dropped when checking concludes (TurnRelaySocket.dropHeldChecks).
    expectClean(
      '{"seed":5,"a":{"nat":"symmetric","role":"controlling","stun":false,"turn":true,"credentialsDelay":2999,"candidateDelay":305,"trickleStep":8,"endOfCandidates":"prompt","lateEndDelay":3335,"restartAt":null},"b":{"nat":"none","role":"controlled","stun":false,"turn":false,"credentialsDelay":1190,"candidateDelay":9,"trickleStep":7,"endOfCandidates":"never","lateEndDelay":5867,"restartAt":null},"link":{"latency":0,"jitter":2,"loss":0,"duplicate":0,"reorder":0},"serverLinkA":{"latency":275,"jitter":78,"loss":0,"duplicate":0,"reorder":0},"serverLinkB":{"latency":147,"jitter":6,"loss":0,"duplicate":0.02,"reorder":0.03},"lite":true}',
    );
  });

  it('inv 4: a superseded check stops retransmitting when checking concludes (role conflict, TURN)', () => {
    // Both start controlling; b yields after a 487 and re-checks host -> a's srflx while its earlier check
    // of that pair was still retransmitting. Selection cancelled only the pair's newest check; the older
    // one went out again 256 ms after b selected relay -> srflx. A new check now supersedes the old one.
    expectClean(
      '{"seed":2147483638,"a":{"nat":"portRestrictedCone","role":"controlling","stun":true,"turn":false,"credentialsDelay":11,"candidateDelay":1129,"trickleStep":277,"endOfCandidates":"prompt","lateEndDelay":1004,"restartAt":null},"b":{"nat":"none","role":"controlling","stun":true,"turn":true,"credentialsDelay":2993,"candidateDelay":872,"trickleStep":0,"endOfCandidates":"never","lateEndDelay":1007,"restartAt":null},"link":{"latency":276,"jitter":0,"loss":0,"duplicate":0.07,"reorder":0},"serverLinkA":{"latency":52,"jitter":0,"loss":0,"duplicate":0,"reorder":0},"serverLinkB":{"latency":37,"jitter":3,"loss":0.09,"duplicate":0.04,"reorder":0.05},"lite":false}',
    );
  });

  it('inv 1: a restart of the peer right after it answered ours is answered, not followed', () => {
    // b restarts at 0 ms, a answers at once (a1), b follows a1 without proof (rule 3). a then restarts on
    // its own at 1 ms (a2, no remote credentials). b followed a2 too, so a2 never got credentials and b
    // failed at PAC. Rule 3 now applies once per session: b answers a2 with a restart.
    expectClean(
      '{"seed":1,"a":{"nat":"portRestrictedCone","role":"controlling","stun":false,"turn":true,"credentialsDelay":0,"candidateDelay":0,"trickleStep":0,"endOfCandidates":"prompt","lateEndDelay":1000,"restartAt":1},"b":{"nat":"none","role":"controlling","stun":false,"turn":false,"credentialsDelay":0,"candidateDelay":1,"trickleStep":0,"endOfCandidates":"prompt","lateEndDelay":1000,"restartAt":0},"link":{"latency":0,"jitter":0,"loss":0,"duplicate":0.01,"reorder":0},"serverLinkA":{"latency":0,"jitter":1,"loss":0.01,"duplicate":0,"reorder":0},"serverLinkB":{"latency":0,"jitter":1,"loss":0.01,"duplicate":0,"reorder":0},"lite":false}',
    );
  });

  it("inv 1: following the peer's answer re-checks the pairs the old credentials validated", () => {
    // a restarts (2.6 s) and gets b's old credentials; b restarts (3.5 s) and gets a's new ones, then a
    // follows b's new ones (6.5 s). a's pair to b's srflx had been validated by b's old session, so it was
    // never checked again, no check reached b's new session, b never learned a's peer-reflexive address
    // and failed at PAC. A follow now re-checks every pair but the selected one.
    expectClean(
      '{"seed":1279734908,"a":{"nat":"restrictedCone","role":"controlled","stun":false,"turn":false,"credentialsDelay":2520,"candidateDelay":1412,"trickleStep":128,"endOfCandidates":"prompt","lateEndDelay":14995,"restartAt":2625},"b":{"nat":"fullCone","role":"controlling","stun":true,"turn":false,"credentialsDelay":2995,"candidateDelay":1999,"trickleStep":199,"endOfCandidates":"prompt","lateEndDelay":14087,"restartAt":3489},"link":{"latency":2,"jitter":0,"loss":0.01,"duplicate":0,"reorder":0},"serverLinkA":{"latency":161,"jitter":0,"loss":0.04,"duplicate":0,"reorder":0},"serverLinkB":{"latency":41,"jitter":88,"loss":0,"duplicate":0,"reorder":0.09},"lite":false}',
    );
  });

  it('inv 1: a restarted session without answer takes the peer generation it knew when that peer checks it', () => {
    // b restarts (2.6 s), a answers (a1), then a restarts on its own (3.0 s, a2 waits for credentials).
    // b, seeing no check from a1, follows a2 as the answer to its restart and keeps its credentials, so
    // a2's answer never comes and a2 failed at PAC while b completed. a2 now hears b's checks naming b's
    // generation a1 had the credentials of, and takes them (SessionDriver.adoptPreviousRemote).
    expectClean(
      '{"seed":2147483624,"a":{"nat":"fullCone","role":"controlled","stun":true,"turn":false,"credentialsDelay":4,"candidateDelay":1572,"trickleStep":0,"endOfCandidates":"late","lateEndDelay":14991,"restartAt":2996},"b":{"nat":"portRestrictedCone","role":"controlling","stun":true,"turn":false,"credentialsDelay":0,"candidateDelay":1373,"trickleStep":9,"endOfCandidates":"prompt","lateEndDelay":6738,"restartAt":2619},"link":{"latency":162,"jitter":0,"loss":0,"duplicate":0,"reorder":0},"serverLinkA":{"latency":149,"jitter":0,"loss":0,"duplicate":0,"reorder":0},"serverLinkB":{"latency":278,"jitter":0,"loss":0,"duplicate":0,"reorder":0.02},"lite":false}',
    );
  });

  it('inv 1: credentials that would be followed without proof wait for the checks that decide', () => {
    // a restarts (1 ms), b answers (b1) and b's answer checks are 1 ms behind; b restarts on its own
    // (2 ms) and its credentials reach a together with those checks. a took b2 for the answer to its
    // restart and followed it, so b2 never got credentials (and a's checks could not reach b behind its
    // symmetric NAT). An unproven follow now waits UNPROVEN_FOLLOW_WAIT for evidence: b1's checks show it
    // knew a's credentials, so b2 is a restart of b's own and a answers it.
    expectClean(
      '{"seed":1,"a":{"nat":"none","role":"controlling","stun":false,"turn":true,"credentialsDelay":0,"candidateDelay":0,"trickleStep":0,"endOfCandidates":"prompt","lateEndDelay":1000,"restartAt":1},"b":{"nat":"symmetric","role":"controlling","stun":false,"turn":false,"credentialsDelay":0,"candidateDelay":0,"trickleStep":1,"endOfCandidates":"prompt","lateEndDelay":1000,"restartAt":2},"link":{"latency":1,"jitter":0,"loss":0,"duplicate":0.01,"reorder":0},"serverLinkA":{"latency":0,"jitter":0,"loss":0,"duplicate":0.01,"reorder":0},"serverLinkB":{"latency":0,"jitter":0,"loss":0.01,"duplicate":0,"reorder":0},"lite":false}',
    );
  });

  it('baseline: two public agents on quiet links connect and keep every invariant', () => {
    const side = {
      nat: 'none',
      stun: false,
      turn: false,
      credentialsDelay: 0,
      candidateDelay: 0,
      trickleStep: 0,
      endOfCandidates: 'prompt',
      lateEndDelay: 1000,
      restartAt: null,
    } as const;
    expectClean({
      seed: 1,
      a: { ...side, role: 'controlling' },
      b: { ...side, role: 'controlled' },
      link: { ...quiet, latency: 20 },
      serverLinkA: quiet,
      serverLinkB: quiet,
      lite: false,
    });
  });
});

/** Explore seed 300, #805 shrunk: both sides restart within a millisecond. */
const SEED_300_BOTH_RESTART: Scenario = {
  seed: 1,
  a: {
    nat: 'none',
    role: 'controlling',
    stun: false,
    turn: true,
    credentialsDelay: 0,
    candidateDelay: 1,
    trickleStep: 1,
    endOfCandidates: 'prompt',
    lateEndDelay: 1000,
    restartAt: 990,
  },
  b: {
    nat: 'symmetric',
    role: 'controlling',
    stun: false,
    turn: false,
    credentialsDelay: 0,
    candidateDelay: 0,
    trickleStep: 0,
    endOfCandidates: 'prompt',
    lateEndDelay: 1000,
    restartAt: 991,
  },
  link: { latency: 64, jitter: 91, loss: 0, duplicate: 0, reorder: 0 },
  serverLinkA: { latency: 0, jitter: 1, loss: 0, duplicate: 0, reorder: 0.01 },
  serverLinkB: { latency: 0, jitter: 0, loss: 0.01, duplicate: 0, reorder: 0.01 },
  lite: false,
};

/** Explore seed 20261202: a restarts (1 ms), b answers it, then restarts on its own (2 ms). */
const RESTART_AFTER_ANSWERING: Scenario = {
  seed: 1,
  a: {
    nat: 'symmetric',
    role: 'controlling',
    stun: false,
    turn: true,
    credentialsDelay: 0,
    candidateDelay: 0,
    trickleStep: 0,
    endOfCandidates: 'prompt',
    lateEndDelay: 1000,
    restartAt: 1,
  },
  b: {
    nat: 'portRestrictedCone',
    role: 'controlling',
    stun: true,
    turn: false,
    credentialsDelay: 0,
    candidateDelay: 0,
    trickleStep: 0,
    endOfCandidates: 'prompt',
    lateEndDelay: 1000,
    restartAt: 2,
  },
  link: { latency: 0, jitter: 1, loss: 0, duplicate: 0, reorder: 0.01 },
  serverLinkA: { latency: 0, jitter: 1, loss: 0, duplicate: 0.01, reorder: 0 },
  serverLinkB: { latency: 0, jitter: 1, loss: 0.01, duplicate: 0.01, reorder: 0.01 },
  lite: false,
};

describe('explorer regressions: what credentials answer, said by signalling', () => {
  it("inv 1: b's own restart right after answering a's is answered, when signalling says it answers nothing (explore seed 20261202)", () => {
    // a restarts (1 ms), b answers it, then restarts on its own (2 ms). Told that b's last credentials
    // answer nothing, a answers them with a restart; b's new session takes a's as its first.
    expectClean({ ...RESTART_AFTER_ANSWERING, answerHints: true });
  });

  it('inv 1: both sides restart within a millisecond; signalling that says what credentials answer settles it (seed 300, #805)', () => {
    // Both restart within a millisecond; new remote credentials reach each side with nothing to prove
    // whether they answer its restart or restart on their own (remote-restart.ts, rule 3).
    expectClean({ ...SEED_300_BOTH_RESTART, answerHints: true });
  });
});

describe('explorer regressions: following a restart while selected', () => {
  it("inv 1: following the lite peer's restart while selected nominates the selected pair again (explore seed 400, #861 shrunk)", () => {
    // a (controlling) is completed when the lite peer b restarts on its own; a follows b's new
    // credentials in place and keeps its selected pair. It used to never nominate it again, so b's new
    // session (which adopts a's credentials from a's consent checks) stayed checking; a now renominates
    // the selected pair for b's new generation (NominatingSession.renominateSelected).
    expectClean(
      '{"seed":1,"a":{"nat":"none","role":"controlling","stun":false,"turn":false,"credentialsDelay":2,"candidateDelay":0,"trickleStep":1,"endOfCandidates":"prompt","lateEndDelay":1000,"restartAt":2},"b":{"nat":"none","role":"controlled","stun":false,"turn":false,"credentialsDelay":2,"candidateDelay":0,"trickleStep":1,"endOfCandidates":"prompt","lateEndDelay":1000,"restartAt":55},"link":{"latency":2,"jitter":0,"loss":0,"duplicate":0,"reorder":0},"serverLinkA":{"latency":0,"jitter":0,"loss":0,"duplicate":0.01,"reorder":0.01},"serverLinkB":{"latency":0,"jitter":1,"loss":0.01,"duplicate":0.01,"reorder":0.01},"lite":true}',
    );
  });

  it("inv 1: a completed controlling side that follows the peer's restart nominates its new session (explore seed 5150, #5549 shrunk)", () => {
    // Same class as the case above: a is completed when b restarts on its own (230 ms); a follows b's
    // new credentials in place, keeps its selected pair and used to never send USE-CANDIDATE again.
    expectClean(
      '{"seed":1,"a":{"nat":"none","role":"controlling","stun":true,"turn":false,"credentialsDelay":0,"candidateDelay":0,"trickleStep":1,"endOfCandidates":"prompt","lateEndDelay":1000,"restartAt":1},"b":{"nat":"none","role":"controlled","stun":false,"turn":false,"credentialsDelay":0,"candidateDelay":0,"trickleStep":1,"endOfCandidates":"prompt","lateEndDelay":1000,"restartAt":230},"link":{"latency":15,"jitter":79,"loss":0,"duplicate":0.01,"reorder":0.01},"serverLinkA":{"latency":293,"jitter":32,"loss":0,"duplicate":0,"reorder":0.01},"serverLinkB":{"latency":1,"jitter":0,"loss":0,"duplicate":0.01,"reorder":0},"lite":true}',
    );
  });
});

describe('explorer regressions: TURN renewal at a restart', () => {
  it('inv 1: a duplicated Refresh LIFETIME 0 arriving after the renewed Allocate does not delete it (explore seed 20261205, #73630)', () => {
    // a restarts (3592 ms): its old allocation's Refresh LIFETIME 0 is duplicated on a jittery server link
    // and the copy arrives after the new Allocate. The virtual TURN server ran the copy again and deleted
    // the new allocation (every CreatePermission then got 437); it now answers copies from memory, as
    // RFC 8489 §6.3.1 requires of a server over UDP.
    expectClean(
      '{"seed":2147483630,"a":{"nat":"symmetric","role":"controlled","stun":true,"turn":true,"credentialsDelay":1915,"candidateDelay":10,"trickleStep":0,"endOfCandidates":"never","lateEndDelay":8475,"restartAt":3592},"b":{"nat":"symmetric","role":"controlling","stun":true,"turn":false,"credentialsDelay":2992,"candidateDelay":9,"trickleStep":0,"endOfCandidates":"never","lateEndDelay":5818,"restartAt":null},"link":{"latency":31,"jitter":96,"loss":0,"duplicate":0.04,"reorder":0},"serverLinkA":{"latency":1,"jitter":94,"loss":0,"duplicate":0.12,"reorder":0.01},"serverLinkB":{"latency":2,"jitter":0,"loss":0.03,"duplicate":0,"reorder":0.08},"lite":false,"answerHints":false}',
    );
  });
  it('inv 1: a renewed allocation that meets the old one (437) deletes it and allocates again (explore seed 20261203, #4901)', () => {
    // b restarts (2946 ms) before connecting: its allocation is renewed from the same host socket. The
    // old one's Refresh LIFETIME 0 is overtaken on a reordering server link, so the new Allocate gets 437
    // Allocation Mismatch; b's new generation had no relayed candidate and a (behind a symmetric NAT)
    // no path. The allocation now deletes the old one with a signed Refresh LIFETIME 0 and asks again.
    expectClean(
      '{"seed":7,"a":{"nat":"symmetric","role":"controlling","stun":true,"turn":false,"credentialsDelay":9,"candidateDelay":1445,"trickleStep":0,"endOfCandidates":"never","lateEndDelay":7597,"restartAt":null},"b":{"nat":"portRestrictedCone","role":"controlled","stun":false,"turn":true,"credentialsDelay":3000,"candidateDelay":0,"trickleStep":0,"endOfCandidates":"late","lateEndDelay":7185,"restartAt":2946},"link":{"latency":6,"jitter":99,"loss":0,"duplicate":0.05,"reorder":0.05},"serverLinkA":{"latency":6,"jitter":0,"loss":0.02,"duplicate":0.07,"reorder":0},"serverLinkB":{"latency":151,"jitter":39,"loss":0.05,"duplicate":0.05,"reorder":0.17},"lite":false,"answerHints":true}',
    );
  });
});

describe('explorer regressions: the transaction table bound', () => {
  it("bounded: superseded checks awaiting late answers stay within the table's bound (explore seed 20261205, #12967)", () => {
    // 23 % loss and a 600 ms round trip, above the first RTO: triggered checks supersede checks in
    // flight, which keep waiting for a late answer (RFC 8445 §7.2.5.4), at most MAX_CANCELLED_PER_PAIR
    // per pair. 18 for 7 pairs broke the explorer's old guess of the bound (pairs + 10), not the table's.
    expectClean(
      '{"seed":17,"a":{"nat":"symmetric","role":"controlling","stun":true,"turn":true,"credentialsDelay":0,"candidateDelay":500,"trickleStep":0,"endOfCandidates":"never","lateEndDelay":1012,"restartAt":5},"b":{"nat":"fullCone","role":"controlled","stun":false,"turn":true,"credentialsDelay":6,"candidateDelay":387,"trickleStep":0,"endOfCandidates":"never","lateEndDelay":14995,"restartAt":null},"link":{"latency":292,"jitter":29,"loss":0.23,"duplicate":0.18,"reorder":0},"serverLinkA":{"latency":194,"jitter":0,"loss":0,"duplicate":0,"reorder":0.11},"serverLinkB":{"latency":297,"jitter":67,"loss":0,"duplicate":0.17,"reorder":0.14},"lite":false,"answerHints":false}',
    );
  });
});

describe('explorer regressions: restarts without `answers`, kept credentials (lib/agent/kept-remote.ts)', () => {
  it("inv 1: b's own restart right after answering a's, unsaid: b's session keeps a's generation and is heard (explore seed 20261202)", () => {
    // a follows b's last credentials as the answer they look like (rule 4). b's own restart got no
    // answer, and a's checks cannot cross b's NAT; it used to wait for remote credentials forever. After
    // a second without an answer b's session keeps a's generation and checks it under its new ufrag: a's
    // triggered checks come back through the opened NAT and confirm, and b nominates.
    expectClean({ ...RESTART_AFTER_ANSWERING, answerHints: false });
  });

  it('inv 1: both sides restart within a millisecond, unsaid: the side left without credentials keeps the peer generation (explore seed 300, #805 shrunk)', () => {
    expectClean(SEED_300_BOTH_RESTART);
  });

  it('inv 1: kept checks that overtake slow signalling make a first session answer the restart, not follow it (explore seed 20261210, #14160)', () => {
    // b restarts at 967; its credentials reach a at 2060, its kept checks at 1967. A first session that
    // followed on that evidence left b's kept session waiting for a confirmation a lossy link delayed,
    // and the two selected different pairs. Nothing of a's is new, so a answers with a restart now.
    expectClean(
      '{"seed":4,"a":{"nat":"none","role":"controlled","stun":false,"turn":false,"credentialsDelay":5,"candidateDelay":3,"trickleStep":335,"endOfCandidates":"never","lateEndDelay":1012,"restartAt":null},"b":{"nat":"fullCone","role":"controlled","stun":true,"turn":true,"credentialsDelay":1093,"candidateDelay":746,"trickleStep":499,"endOfCandidates":"prompt","lateEndDelay":14250,"restartAt":967},"link":{"latency":116,"jitter":0,"loss":0.26,"duplicate":0.08,"reorder":0},"serverLinkA":{"latency":8,"jitter":2,"loss":0.03,"duplicate":0.06,"reorder":0.08},"serverLinkB":{"latency":8,"jitter":0,"loss":0,"duplicate":0,"reorder":0.03},"lite":false,"answerHints":false}',
    );
  });

  it('inv 1: a restart facing a lite peer keeps nothing: a lite peer can never confirm (explore seed 20261210, #2552)', () => {
    // a restarts at 2619, its credentials take 3 s to reach the lite b. Kept checks reached b first, b
    // followed, and a's session waited for a confirmation a lite peer never sends (no checks), while
    // b's lite liveness ignored the old session's checks: b failed peer-silent. Now a waits for b's
    // answer, and the old session's checks keep b's selected pair alive.
    expectClean(
      '{"seed":19,"a":{"nat":"symmetric","role":"controlling","stun":false,"turn":false,"credentialsDelay":2994,"candidateDelay":6,"trickleStep":500,"endOfCandidates":"late","lateEndDelay":1010,"restartAt":2619},"b":{"nat":"none","role":"controlled","stun":false,"turn":false,"credentialsDelay":74,"candidateDelay":181,"trickleStep":494,"endOfCandidates":"late","lateEndDelay":1001,"restartAt":null},"link":{"latency":17,"jitter":0,"loss":0,"duplicate":0,"reorder":0},"serverLinkA":{"latency":76,"jitter":0,"loss":0,"duplicate":0,"reorder":0.04},"serverLinkB":{"latency":7,"jitter":0,"loss":0.26,"duplicate":0.1,"reorder":0},"lite":true,"answerHints":false}',
    );
  });

  it("inv 4: a session that follows the peer's new generation checks again for it (explore seed 20261210, #13417)", () => {
    // b selected a pair for a's generation FBS9APAS, then followed a's restart O3yktj71 (its kept
    // checks proved it knew b's credentials). a's new session checks every pair; b's triggered checks
    // answer it. Invariant 4 now keys a generation by both ufrags, as the checks' USERNAME does.
    expectClean(
      '{"seed":17,"a":{"nat":"restrictedCone","role":"controlling","stun":false,"turn":true,"credentialsDelay":2992,"candidateDelay":1994,"trickleStep":497,"endOfCandidates":"prompt","lateEndDelay":10673,"restartAt":4811},"b":{"nat":"symmetric","role":"controlled","stun":true,"turn":true,"credentialsDelay":2755,"candidateDelay":1623,"trickleStep":0,"endOfCandidates":"never","lateEndDelay":14994,"restartAt":3},"link":{"latency":0,"jitter":57,"loss":0,"duplicate":0.11,"reorder":0},"serverLinkA":{"latency":5,"jitter":2,"loss":0,"duplicate":0.02,"reorder":0},"serverLinkB":{"latency":6,"jitter":6,"loss":0,"duplicate":0.09,"reorder":0},"lite":false,"answerHints":false}',
    );
  });

  it('inv 1: the same pair of restarts agrees when the old generation keeps nominating into a followed session (explore seed 20261210, #6194 shrunk)', () => {
    // a restarts (253); b follows a's new credentials. a's old session still had a nomination in flight
    // under the old USERNAME; it landed in b's followed session and moved b's selection away from the
    // pair a's new session selected. Checks naming a generation b followed away from now nominate nothing.
    expectClean(
      '{"seed":1,"a":{"nat":"none","role":"controlling","stun":false,"turn":false,"credentialsDelay":51,"candidateDelay":0,"trickleStep":1,"endOfCandidates":"prompt","lateEndDelay":1000,"restartAt":253},"b":{"nat":"none","role":"controlling","stun":false,"turn":true,"credentialsDelay":0,"candidateDelay":0,"trickleStep":1,"endOfCandidates":"prompt","lateEndDelay":1000,"restartAt":null},"link":{"latency":126,"jitter":0,"loss":0,"duplicate":0.01,"reorder":0},"serverLinkA":{"latency":0,"jitter":0,"loss":0,"duplicate":0.01,"reorder":0},"serverLinkB":{"latency":0,"jitter":1,"loss":0,"duplicate":0,"reorder":0.01},"lite":false,"answerHints":false}',
    );
  });
});

describe('explorer regressions: a followed restart whose selected pair is gone', () => {
  it("inv 1: the selected pair's renomination for the peer's new generation fails, and checking starts over (explore seed 20261213, #83492 shrunk)", () => {
    // b restarts at 343, a answers (858) as b selects a pair ending at a's relay (198.51.100.1:49153). a's
    // restart frees that allocation; b follows a's answer (said) and renominates its selected pair, whose
    // remote relay is gone (its port now b's own new relay). The renomination failed, b kept the dead pair
    // selected and consent failed the session at 30.9 s, a still checking. Now b reopens its checklist.
    expectClean(
      '{"seed":14,"a":{"nat":"none","role":"controlling","stun":false,"turn":true,"credentialsDelay":574,"candidateDelay":0,"trickleStep":1,"endOfCandidates":"prompt","lateEndDelay":1000,"restartAt":null},"b":{"nat":"none","role":"controlling","stun":true,"turn":true,"credentialsDelay":515,"candidateDelay":0,"trickleStep":1,"endOfCandidates":"prompt","lateEndDelay":1000,"restartAt":343},"link":{"latency":78,"jitter":92,"loss":0,"duplicate":0.01,"reorder":0},"serverLinkA":{"latency":6,"jitter":2,"loss":0,"duplicate":0,"reorder":0},"serverLinkB":{"latency":2,"jitter":0,"loss":0.02,"duplicate":0,"reorder":0},"lite":false,"answerHints":true}',
    );
  });
});

describe('explorer regressions: nominations of a generation the session followed away from', () => {
  it("inv 1: a nomination by the peer's old session does not select its pair once that pair's check succeeds (explore seed 20261215, #78872 shrunk)", () => {
    // a (controlled by then) got a USE-CANDIDATE from b's answer session at 1997 on a pair not yet valid;
    // b restarted (1810), a followed b's new generation (3005) and selected what it nominated (3260). At
    // 3605 a's triggered check made the old pair valid, and the old session's nomination, still flagged,
    // moved a's selection away from b's. Following new credentials now clears the peer's nominations.
    expectClean(
      '{"seed":38879995,"a":{"nat":"symmetric","role":"controlling","stun":false,"turn":true,"credentialsDelay":0,"candidateDelay":0,"trickleStep":0,"endOfCandidates":"prompt","lateEndDelay":1000,"restartAt":0},"b":{"nat":"none","role":"controlling","stun":false,"turn":false,"credentialsDelay":1195,"candidateDelay":0,"trickleStep":0,"endOfCandidates":"prompt","lateEndDelay":1000,"restartAt":1810},"link":{"latency":0,"jitter":1,"loss":0.01,"duplicate":0.01,"reorder":0},"serverLinkA":{"latency":81,"jitter":99,"loss":0,"duplicate":0.09,"reorder":0.05},"serverLinkB":{"latency":1,"jitter":4,"loss":0,"duplicate":0.01,"reorder":0.09},"lite":false,"answerHints":false}',
    );
  });
});

describe('explorer regressions: following a restart while selected reopens checking', () => {
  it("inv 1, 5: a controlled session that follows the peer's new generation can pair and select what it nominates (explore seed 20261218, #52558 shrunk)", () => {
    // b followed a's restart while its pair was selected; its checklist stayed concluded for the old
    // generation, so it sent no triggered checks (a's kept session was never confirmed until a consent
    // check at 8.1 s) and could not pair a's nomination: a selected a pair b never did, and a's data was lost.
    expectClean(
      '{"seed":846735288,"a":{"nat":"symmetric","role":"controlling","stun":false,"turn":true,"credentialsDelay":1053,"candidateDelay":0,"trickleStep":1,"endOfCandidates":"prompt","lateEndDelay":1000,"restartAt":1352},"b":{"nat":"restrictedCone","role":"controlling","stun":true,"turn":false,"credentialsDelay":0,"candidateDelay":369,"trickleStep":0,"endOfCandidates":"prompt","lateEndDelay":1000,"restartAt":0},"link":{"latency":0,"jitter":0,"loss":0,"duplicate":0.01,"reorder":0.01},"serverLinkA":{"latency":25,"jitter":0,"loss":0.06,"duplicate":0,"reorder":0},"serverLinkB":{"latency":1,"jitter":7,"loss":0,"duplicate":0,"reorder":0.01},"lite":false,"answerHints":false}',
    );
  });

  it('inv 4: a follow keeps checking concluded when the incoming generation already nominated the selected pair (explore seed 20261219, #25641 shrunk)', () => {
    // b's kept session selected the pair a's answer session nominated (its checks came before its
    // credentials); following those credentials reopened checking, and nothing concluded it again.
    expectClean(
      '{"seed":2122002059,"a":{"nat":"portRestrictedCone","role":"controlling","stun":false,"turn":true,"credentialsDelay":1503,"candidateDelay":0,"trickleStep":0,"endOfCandidates":"prompt","lateEndDelay":1000,"restartAt":null},"b":{"nat":"fullCone","role":"controlled","stun":true,"turn":false,"credentialsDelay":0,"candidateDelay":0,"trickleStep":1,"endOfCandidates":"prompt","lateEndDelay":1000,"restartAt":1517},"link":{"latency":249,"jitter":0,"loss":0,"duplicate":0,"reorder":0.01},"serverLinkA":{"latency":0,"jitter":0,"loss":0.13,"duplicate":0.01,"reorder":0.01},"serverLinkB":{"latency":0,"jitter":0,"loss":0.01,"duplicate":0,"reorder":0},"lite":false,"answerHints":false}',
    );
  });

  it('inv 1: the same with both sides restarting, unsaid (explore seed 20261217, #73292 shrunk)', () => {
    expectClean(
      '{"seed":1,"a":{"nat":"none","role":"controlling","stun":false,"turn":false,"credentialsDelay":2422,"candidateDelay":0,"trickleStep":1,"endOfCandidates":"prompt","lateEndDelay":1000,"restartAt":3450},"b":{"nat":"restrictedCone","role":"controlling","stun":false,"turn":true,"credentialsDelay":9,"candidateDelay":0,"trickleStep":1,"endOfCandidates":"prompt","lateEndDelay":1000,"restartAt":8},"link":{"latency":0,"jitter":0,"loss":0.16,"duplicate":0.02,"reorder":0.15},"serverLinkA":{"latency":2,"jitter":0,"loss":0,"duplicate":0,"reorder":0.03},"serverLinkB":{"latency":1,"jitter":30,"loss":0,"duplicate":0,"reorder":0},"lite":false,"answerHints":false}',
    );
  });
});

describe('explorer regressions: TURN channels', () => {
  it('inv 5: ChannelData on a channel whose ChannelBind went unanswered is received (explore seed 20261217, #73352 shrunk)', () => {
    // Every ChannelBind answer was lost on a's lossy server link (22 %); the server had bound the
    // channel and relayed b's data and check answers as ChannelData, which a dropped: 0/24 datagrams.
    expectClean(
      '{"seed":2147483624,"a":{"nat":"restrictedCone","role":"controlling","stun":false,"turn":true,"credentialsDelay":2961,"candidateDelay":0,"trickleStep":0,"endOfCandidates":"prompt","lateEndDelay":1000,"restartAt":4371},"b":{"nat":"none","role":"controlling","stun":false,"turn":false,"credentialsDelay":2,"candidateDelay":1909,"trickleStep":0,"endOfCandidates":"prompt","lateEndDelay":1000,"restartAt":null},"link":{"latency":300,"jitter":50,"loss":0,"duplicate":0.01,"reorder":0.1},"serverLinkA":{"latency":6,"jitter":3,"loss":0.22,"duplicate":0.02,"reorder":0.01},"serverLinkB":{"latency":0,"jitter":98,"loss":0,"duplicate":0,"reorder":0.07},"lite":false,"answerHints":false}',
    );
  });
});

describe('explorer regressions: kept credentials facing a lite peer', () => {
  it('inv 1: both restart within a millisecond facing a lite peer, unsaid: the full side keeps the lite generation and nominates (explore seed 20261224, #19924 shrunk)', () => {
    // The lite b followed a's last credentials; a's new session kept nothing facing a lite peer and
    // waited for credentials b would never send (a lite peer sends no checks either): both 'new'.
    expectClean(
      '{"seed":1,"a":{"nat":"fullCone","role":"controlling","stun":false,"turn":false,"credentialsDelay":0,"candidateDelay":0,"trickleStep":1,"endOfCandidates":"prompt","lateEndDelay":1000,"restartAt":464},"b":{"nat":"none","role":"controlled","stun":false,"turn":false,"credentialsDelay":0,"candidateDelay":1,"trickleStep":0,"endOfCandidates":"prompt","lateEndDelay":1000,"restartAt":463},"link":{"latency":3,"jitter":94,"loss":0,"duplicate":0.01,"reorder":0},"serverLinkA":{"latency":0,"jitter":0,"loss":0,"duplicate":0.01,"reorder":0},"serverLinkB":{"latency":0,"jitter":0,"loss":0.01,"duplicate":0.01,"reorder":0.01},"lite":true,"answerHints":false}',
    );
  });
});

describe('explorer regressions: the invariant 4 bookkeeping', () => {
  it('inv 4: a selected pair shown again with its signalled type is no selection of the generation just followed (explore seed 20261223, #8310 shrunk)', () => {
    // b followed a's restart at 1207 as a's candidates arrived: the selected pair was re-emitted with the
    // remote's signalled type, and the explorer took that for a selection in a's new generation, whose
    // checks (checking reopened by the follow) then looked like checks after nomination.
    expectClean(
      '{"seed":1,"a":{"nat":"portRestrictedCone","role":"controlling","stun":false,"turn":true,"credentialsDelay":1002,"candidateDelay":0,"trickleStep":1,"endOfCandidates":"prompt","lateEndDelay":1000,"restartAt":205},"b":{"nat":"none","role":"controlling","stun":false,"turn":false,"credentialsDelay":0,"candidateDelay":0,"trickleStep":0,"endOfCandidates":"prompt","lateEndDelay":1000,"restartAt":0},"link":{"latency":0,"jitter":0,"loss":0.01,"duplicate":0,"reorder":0.01},"serverLinkA":{"latency":3,"jitter":98,"loss":0,"duplicate":0.01,"reorder":0.01},"serverLinkB":{"latency":0,"jitter":0,"loss":0,"duplicate":0,"reorder":0.01},"lite":false,"answerHints":false}',
    );
  });
});

describe('explorer regressions: a controlled side waiting for a nomination', () => {
  it("inv 1: the controlling side failed the only working pair to loss; the controlled side's prompt makes it check again (explore seed 20261223, #44131 shrunk)", () => {
    // 13 % loss each way: every transmission of b's check towards a's NAT mapping, or of a's answers,
    // was lost, so b failed the pair while a's own check on it had succeeded. a (controlled) waited
    // for a nomination b could never send, and b failed at 39.5 s (checks-timed-out).
    expectClean(
      '{"seed":22,"a":{"nat":"portRestrictedCone","role":"controlled","stun":false,"turn":false,"credentialsDelay":1,"candidateDelay":0,"trickleStep":1,"endOfCandidates":"prompt","lateEndDelay":1000,"restartAt":0},"b":{"nat":"none","role":"controlling","stun":true,"turn":true,"credentialsDelay":500,"candidateDelay":0,"trickleStep":0,"endOfCandidates":"prompt","lateEndDelay":1000,"restartAt":null},"link":{"latency":0,"jitter":75,"loss":0.13,"duplicate":0.01,"reorder":0.11},"serverLinkA":{"latency":0,"jitter":0,"loss":0,"duplicate":0.01,"reorder":0},"serverLinkB":{"latency":1,"jitter":0,"loss":0.01,"duplicate":0,"reorder":0},"lite":false,"answerHints":true}',
    );
  });
});

describe('explorer regressions: a restart while our nomination is in flight', () => {
  it('inv 5: the peer selected the pair our in-flight nomination named; the restart keeps that session and its relay (explore seed 20261224, #75442)', () => {
    // a restarted at 4571 while its USE-CANDIDATE check over its relay was on the wire; b selected that
    // pair on arrival. a's old session had nothing selected, so the restart closed it and released the
    // allocation; the new allocation got the same relayed address, and b's data over the pair it had
    // selected reached a's new session, which had never checked that path: 0/24 delivered.
    expectClean(
      '{"seed":1973652148,"a":{"nat":"symmetric","role":"controlling","stun":false,"turn":true,"credentialsDelay":2022,"candidateDelay":0,"trickleStep":1,"endOfCandidates":"prompt","lateEndDelay":1000,"restartAt":4571},"b":{"nat":"symmetric","role":"controlled","stun":false,"turn":true,"credentialsDelay":0,"candidateDelay":0,"trickleStep":0,"endOfCandidates":"prompt","lateEndDelay":1000,"restartAt":9},"link":{"latency":0,"jitter":1,"loss":0.01,"duplicate":0.01,"reorder":0},"serverLinkA":{"latency":282,"jitter":0,"loss":0.01,"duplicate":0,"reorder":0},"serverLinkB":{"latency":3,"jitter":27,"loss":0.29,"duplicate":0,"reorder":0.16},"lite":false,"answerHints":false}',
    );
  });
});

describe('explorer regressions: a relay lost to loss', () => {
  it("inv 1 not owed: a's only way in was its relay, and every answer to its Allocate was lost (explore seed 20261234, #37403 shrunk)", () => {
    // serverLinkA loses 3 % each way; the server allocated at 657 ms, and its answer and the answers to
    // the 3 retransmissions were all lost (turn-allocate, no answer after 4 transmissions). b is behind a
    // symmetric NAT and a has no srflx: without a's relay there is no path, so b's failure at the PAC
    // timer is no violation. The explorer used to judge the path from the scenario alone.
    const scenario = parseScenario(
      '{"seed":2,"a":{"nat":"fullCone","role":"controlling","stun":false,"turn":true,"credentialsDelay":0,"candidateDelay":0,"trickleStep":1,"endOfCandidates":"prompt","lateEndDelay":1000,"restartAt":0},"b":{"nat":"symmetric","role":"controlling","stun":false,"turn":true,"credentialsDelay":0,"candidateDelay":1045,"trickleStep":0,"endOfCandidates":"prompt","lateEndDelay":1000,"restartAt":null},"link":{"latency":0,"jitter":0,"loss":0,"duplicate":0.01,"reorder":0.01},"serverLinkA":{"latency":170,"jitter":95,"loss":0.03,"duplicate":0,"reorder":0.01},"serverLinkB":{"latency":288,"jitter":5,"loss":0,"duplicate":0.07,"reorder":0.06},"lite":false,"answerHints":false}',
    );
    expect(pathExists(scenario)).toBe(true); // as drawn
    const result = runScenario(scenario);
    expect(result.violations).toEqual([]);
    expect([result.pathExists, result.enforced]).toEqual([false, false]); // as run: a's relay is gone
  });
});
