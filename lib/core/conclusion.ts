/**
 * When ICE processing ends, as plain functions of a session's facts: when a
 * session may give up (RFC 8445 §8.1.2 with RFC 8863's PAC timer and
 * RFC 8838's end-of-candidates), when `connected` becomes `completed`, and
 * which input a session with nothing scheduled is waiting for.
 */

/**
 * RFC 8863 §4: "The RECOMMENDED duration for the PAC timer is equal to the
 * agent's connectivity check transaction timeout, including all
 * retransmissions. When using default values for retransmission timeout (RTO)
 * and Rc, this amounts to 39.5 seconds". Default of the `pacTimeout` option, ms.
 */
export const DEFAULT_PAC_TIMEOUT = 39_500;

/**
 * What a session that is neither terminal nor has a deadline waits for:
 * the remote's credentials (after our own restart: the peer's answer, or a
 * check confirming the credentials the session kept), its own gathering to finish, (controlled side,
 * valid pairs found) the peer's nomination, or (ICE-lite) the peer's checks.
 */
export type AwaitedInput = 'remote-credentials' | 'local-candidates' | 'nomination' | 'peer-checks';

/** The facts the conclusion rules read. */
export interface ConclusionFacts {
  readonly hasRemoteCredentials: boolean;
  /** The remote credentials were kept by our own restart, not yet confirmed by the peer (`IceSession.remoteKept`). */
  readonly remoteKept: boolean;
  readonly localGatheringComplete: boolean;
  readonly remoteEndOfCandidates: boolean;
  /** When the PAC timer started (remote credentials arrived, ours were handed out): RFC 8863 §4. */
  readonly pacStartedAt: number | undefined;
  readonly pacTimeout: number;
  /** Ms to wait for more candidates once every pair failed, when the remote did not signal end-of-candidates. */
  readonly candidateWait: number;
  /** Since when nothing can succeed any more (no valid pair, no pair left to check, no check in flight). */
  readonly hopelessSince: number | undefined;
  readonly isControlled: boolean;
  readonly hasValidPair: boolean;
  readonly nominated: boolean;
  /** An ICE-lite session (RFC 8445 §2.5): it never checks, never fails for want of checks. */
  readonly lite: boolean;
}

/**
 * When a session with no hope left declares `failed`: never before the PAC
 * timer expires (RFC 8863 §4: "While the timer is still running, the ICE
 * agent MUST NOT update a checklist state from Running to Failed"), and then
 * at once if the remote signaled end-of-candidates, else `candidateWait`
 * after hope ran out (trickle may still bring a candidate). Undefined while
 * some pair may still succeed.
 */
export function failureDeadline(f: ConclusionFacts): number | undefined {
  if (f.lite || f.hopelessSince === undefined || f.pacStartedAt === undefined) return undefined;
  const waitForCandidates = f.remoteEndOfCandidates ? 0 : f.candidateWait;
  return Math.max(f.pacStartedAt + f.pacTimeout, f.hopelessSince + waitForCandidates);
}

/**
 * `completed` (W3C `RTCIceConnectionState`): a pair is nominated (so checking
 * has concluded, RFC 8445 §8.1.2), our gathering is complete and the remote
 * signaled end-of-candidates, so no new pair can appear.
 */
export function isCompleted(f: ConclusionFacts): boolean {
  // RFC 8445 §8.2: a lite agent is done once it has a nominated pair.
  if (f.lite) return f.nominated;
  return f.nominated && f.localGatheringComplete && f.remoteEndOfCandidates;
}

/** The named input a session waits for when it has no deadline; undefined if it waits for nothing (a stall). */
export function awaitedInput(f: ConclusionFacts): AwaitedInput | undefined {
  // Kept credentials (our own restart) nominate nothing until the peer answers or confirms them.
  if (!f.hasRemoteCredentials || (f.remoteKept && !f.nominated)) return 'remote-credentials';
  if (f.lite && !f.nominated) return 'peer-checks';
  if (!f.localGatheringComplete) return 'local-candidates';
  if (f.isControlled && f.hasValidPair && !f.nominated) return 'nomination';
  return undefined;
}
