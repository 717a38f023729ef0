/**
 * One signaling message of {@link wireSignaling} and {@link localSignals}: a
 * JSON-safe object, so `JSON.stringify` / `JSON.parse` carry it over any
 * transport (a WebSocket, a data channel, HTTP, a message bus).
 *
 * | `type` | fields | the receiving agent calls |
 * |---|---|---|
 * | `'credentials'` | `ufrag`, `pwd` (RFC 8839 ice-chars), `answers` (optional) | `setRemoteCredentials(ufrag, pwd, { answers })` |
 * | `'candidate'` | `candidate`: the `candidate:…` string (RFC 8839, no `a=`) | `addRemoteCandidate(candidate)` |
 * | `'end-of-candidates'` | none | `endOfCandidates()` |
 *
 * @example
 * ```json
 * {"type":"credentials","ufrag":"aX9f","pwd":"sT4nB0Pq9w2c7XUd1yKzLmRh"}
 * {"type":"candidate","candidate":"candidate:1 1 udp 2130706431 10.0.0.1 5000 typ host"}
 * {"type":"end-of-candidates"}
 * ```
 */
export type SignalMessage = CredentialsSignal | CandidateSignal | EndOfCandidatesSignal;

/** The sender's ICE credentials; sent first, and again after an ICE restart. */
export interface CredentialsSignal {
  /** Discriminant. */
  readonly type: 'credentials';
  /** Username fragment, 4–256 ice-chars. */
  readonly ufrag: string;
  /** Password, 22–256 ice-chars. */
  readonly pwd: string;
  /**
   * The receiver's ufrag whose restart these credentials answer, or `null`
   * (they answer nothing: first credentials, or the sender's own restart).
   * Absent from senders that do not say; see `RemoteCredentialsOptions.answers`.
   */
  readonly answers?: string | null;
}

/** One trickled candidate of the sender. */
export interface CandidateSignal {
  /** Discriminant. */
  readonly type: 'candidate';
  /** The RFC 8839 `candidate:…` attribute value, as `serializeCandidate` gives it. */
  readonly candidate: string;
}

/** The sender finished gathering (`a=end-of-candidates`). */
export interface EndOfCandidatesSignal {
  /** Discriminant. */
  readonly type: 'end-of-candidates';
}

/**
 * True when `value` has the shape of a {@link SignalMessage} (the type and
 * its string fields); the contents (credentials, candidate syntax) are
 * checked later by the agent. Use it to validate parsed JSON.
 */
export function isSignalMessage(value: unknown): value is SignalMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  switch (m.type) {
    case 'credentials':
      return (
        typeof m.ufrag === 'string' &&
        typeof m.pwd === 'string' &&
        (m.answers === undefined || m.answers === null || typeof m.answers === 'string')
      );
    case 'candidate':
      return typeof m.candidate === 'string';
    case 'end-of-candidates':
      return true;
    default:
      return false;
  }
}
