import {
  concat,
  defer,
  EMPTY,
  type MonoTypeOperatorFunction,
  map,
  merge,
  mergeMap,
  type Observable,
  of,
} from 'rxjs';
import type { GatheringState } from '../lib/agent.js';
import { serializeCandidate } from '../lib/candidate.js';
import type { Candidate } from '../lib/candidate-types.js';
import type { IceCredentials } from '../lib/core/credentials.js';
import type { SignalMessage } from './signal-message.js';

/**
 * What {@link localSignals} and {@link wireSignaling} need of an agent: an
 * `IceAgent` has all of it; a test double can too.
 */
export interface SignalingAgent {
  /** Local candidates; late subscribers get the current generation replayed. */
  readonly candidates$: Observable<Candidate>;
  /** Gathering state; emits the current value on subscribe. */
  readonly gatheringState$: Observable<GatheringState>;
  /** The current local credentials; `answers`, when given, is signalled along. */
  getLocalCredentials(): IceCredentials & {
    /** The remote ufrag whose restart these credentials answer, or null; signalled along when given. */
    readonly answers?: string | null;
  };
  /** Applies the peer's credentials (`remote.answers`: which of ours they answer, when the peer said). */
  setRemoteCredentials(ufrag: string, pwd: string, remote?: { readonly answers?: string | null }): void;
  /** Applies one of the peer's candidates (`''`: end-of-candidates). */
  addRemoteCandidate(candidate: string): void;
  /** The peer finished gathering. */
  endOfCandidates(): void;
  /** Starts gathering. */
  gatherCandidates(): void;
}

/** Options of {@link localSignals}. */
export interface LocalSignalsOptions {
  /**
   * Operator applied to the local candidates before they are signaled:
   * filter them (`candidateType`, `addressScope`, …) or rewrite them
   * (`rewriteAddress`). Default: every candidate.
   */
  readonly candidates?: MonoTypeOperatorFunction<Candidate>;
}

/**
 * The messages an agent must send to its peer, as one cold Observable of
 * {@link SignalMessage}s: its credentials first, every local candidate as it
 * is gathered, `end-of-candidates` when gathering completes. After an ICE
 * restart (local, or triggered by new remote credentials) the new credentials
 * are sent again before the new generation's candidates. Completes when the
 * agent stops. This is the outgoing half of {@link wireSignaling}.
 *
 * ```
 * agent:           gathers a, b, then completes
 * localSignals()   (k)-a-b-(e)    k: credentials, e: end-of-candidates
 * ```
 *
 * @example
 * ```ts
 * import { localSignals } from 'rx-ice/operators';
 *
 * localSignals(agent).subscribe((message) => socket.send(JSON.stringify(message)));
 * agent.gatherCandidates();
 * ```
 */
export function localSignals(
  agent: SignalingAgent,
  options: LocalSignalsOptions = {},
): Observable<SignalMessage> {
  const filterCandidates = options.candidates ?? ((c$: Observable<Candidate>) => c$);
  return defer(() => {
    let sent: IceCredentials | undefined;
    /** The current credentials, when they differ from the last ones sent (first time, or after a restart). */
    const credentialsIfChanged = (): Observable<SignalMessage> => {
      const { ufrag, pwd, answers } = agent.getLocalCredentials();
      if (sent && sent.ufrag === ufrag && sent.pwd === pwd) return EMPTY;
      sent = { ufrag, pwd };
      return of(
        answers === undefined
          ? { type: 'credentials', ufrag, pwd }
          : { type: 'credentials', ufrag, pwd, answers },
      );
    };
    const candidates$ = agent.candidates$.pipe(
      filterCandidates,
      map((candidate): SignalMessage => ({ type: 'candidate', candidate: serializeCandidate(candidate) })),
    );
    // Every gathering state is a chance to notice a restart; only `complete` is a message.
    const states$ = agent.gatheringState$.pipe(
      map((state): SignalMessage | undefined =>
        state === 'complete' ? { type: 'end-of-candidates' } : undefined,
      ),
    );
    // candidates$ first: a late subscriber gets the replayed candidates before end-of-candidates.
    return concat(
      credentialsIfChanged(),
      merge(candidates$, states$).pipe(
        mergeMap((message) => concat(credentialsIfChanged(), message ? of(message) : EMPTY)),
      ),
    );
  });
}
