/**
 * Which {@link FailureReason} a failed checklist gets: the precise cause
 * from what its checks met, as plain functions of a few facts.
 */
import type { FailureReason } from './session-types.js';

/** Each failure reason in words (README's table and `NODE_DEBUG` lines use these). */
export const FAILURE_DESCRIPTIONS: Readonly<Record<FailureReason, string>> = {
  checks: 'every candidate pair failed (checks timed out or were answered with errors)',
  'checks-timed-out': 'every connectivity check timed out: the peer never answered',
  'credentials-rejected':
    'the peer rejected our checks with 401 Unauthorized: wrong or stale remote credentials',
  'no-remote-candidates': 'no remote candidate to check: none was signaled and no check came from the peer',
  'no-local-candidates': 'gathering ended without a usable local candidate',
  'turn-refused': 'the TURN server refused the allocation, and no other local candidate was usable',
  consent: 'consent expired on the selected pair: no answer to consent checks for 30 s (RFC 7675)',
  'local-address': "the selected pair's local address went away",
  'peer-silent': "(ICE-lite) the peer's checks stopped arriving",
};

/** What failed checks met, counted per session. */
export interface CheckFailureCounts {
  /** Checks that got no answer at all. */
  timeouts: number;
  /** Checks the peer answered with 401 Unauthorized. */
  unauthorized: number;
  /** Checks that failed otherwise (other error codes, asymmetric answers...). */
  other: number;
  /** Checks answered with success (a path worked once). */
  answered: number;
}

/** All counts at zero. */
export function createCheckFailureCounts(): CheckFailureCounts {
  return { timeouts: 0, unauthorized: 0, other: 0, answered: 0 };
}

/** The facts {@link checklistFailureReason} reads. */
export interface ChecklistFailureFacts {
  /** Local candidates checks can leave from (host and relayed). */
  readonly pairableLocalCandidates: number;
  /** Remote candidates known (signaled or peer-reflexive). */
  readonly remoteCandidates: number;
  /** What the checks met. */
  readonly checks: CheckFailureCounts;
  /** A TURN server refused an allocation of this agent. */
  readonly turnRefused: boolean;
}

/** The reason a session whose every pair failed (or none could be formed) gets. */
export function checklistFailureReason(f: ChecklistFailureFacts): FailureReason {
  if (f.pairableLocalCandidates === 0) return f.turnRefused ? 'turn-refused' : 'no-local-candidates';
  if (f.remoteCandidates === 0) return 'no-remote-candidates';
  const { timeouts, unauthorized, other, answered } = f.checks;
  if (unauthorized > 0 && answered === 0) return 'credentials-rejected';
  if (timeouts > 0 && unauthorized === 0 && other === 0 && answered === 0) return 'checks-timed-out';
  return 'checks';
}

/** Whether `reason` says the checklist failed (no pair ever selected), as `'checks'` used to say alone. */
export function isChecklistFailure(reason: FailureReason | undefined): boolean {
  return (
    reason === 'checks' ||
    reason === 'checks-timed-out' ||
    reason === 'credentials-rejected' ||
    reason === 'no-remote-candidates' ||
    reason === 'no-local-candidates' ||
    reason === 'turn-refused'
  );
}
