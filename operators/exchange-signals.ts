import { Observable, type OperatorFunction, Subject, Subscription, startWith, switchMap } from 'rxjs';
import { IceError, InvalidArgumentError } from '../lib/errors.js';
import { type LocalSignalsOptions, localSignals, type SignalingAgent } from './local-signals.js';
import type { SignalMessage } from './signal-message.js';

/** Options of {@link exchangeSignals} (and {@link wireSignaling}). */
export interface ExchangeSignalsOptions extends LocalSignalsOptions {
  /** Call `agent.gatherCandidates()` once subscribed; default true. */
  readonly gather?: boolean;
  /**
   * Called with what went wrong with one incoming message (a malformed
   * message, an invalid candidate or credentials: an `IceError`) or with an
   * error of the incoming stream itself. The exchange keeps going either way.
   * Default: ignore, since the peer is untrusted input.
   */
  readonly onError?: (error: unknown, message?: unknown) => void;
}

/**
 * An agent's whole signaling as one operator: from the peer's messages to the
 * messages for the peer. Subscribing applies every incoming
 * {@link SignalMessage} to the agent (`setRemoteCredentials`,
 * `addRemoteCandidate`, `endOfCandidates`), starts gathering, and emits what
 * the peer must be told ({@link localSignals}: credentials first, candidates,
 * end-of-candidates, new credentials after a restart).
 *
 * No ordering of subscriptions loses a message: the incoming side is
 * subscribed before anything goes out, and the first time the peer is heard
 * from (its first message, whatever it is) the current generation is sent
 * again in full — credentials, every candidate, end-of-candidates if
 * gathering completed — since whatever went out before may have had nobody
 * listening (a plain `Subject`, a pub/sub room the peer had not joined yet).
 * The agent ignores the duplicates this gives on a channel that lost nothing.
 * Subscribe once per agent; unsubscribe to cut both directions.
 *
 * ```
 * candidates$:  --h-------s--
 * gathering:    g-----------c
 * incoming$:    ----x--------   x: the peer's first message
 * output:       k-h-(kh)--s-e   k: credentials, e: end-of-candidates
 * ```
 *
 * @example
 * ```ts
 * import { Subject } from 'rxjs';
 * import { IceAgent } from 'rx-ice';
 * import { exchangeSignals, type SignalMessage } from 'rx-ice/operators';
 *
 * const alice = new IceAgent({ role: 'controlling' });
 * const bob = new IceAgent({ role: 'controlled' });
 * const toAlice = new Subject<SignalMessage>();
 * const toBob = new Subject<SignalMessage>();
 * toAlice.pipe(exchangeSignals(alice)).subscribe(toBob);
 * toBob.pipe(exchangeSignals(bob)).subscribe(toAlice);
 * ```
 */
export function exchangeSignals(
  agent: SignalingAgent,
  options: ExchangeSignalsOptions = {},
): OperatorFunction<SignalMessage, SignalMessage> {
  const { gather = true, onError = () => {} } = options;
  return (incoming$) =>
    new Observable<SignalMessage>((subscriber) => {
      const subscription = new Subscription();
      const firstContact = new Subject<void>();
      let heard = false;
      subscription.add(
        incoming$.subscribe({
          next: (message) => {
            try {
              applySignal(agent, message);
            } catch (error) {
              if (!(error instanceof IceError)) throw error;
              onError(error, message);
            }
            if (!heard) {
              heard = true;
              firstContact.next();
            }
          },
          error: (error) => onError(error),
        }),
      );
      // Re-subscribing localSignals replays the current generation in full.
      subscription.add(
        firstContact
          .pipe(
            startWith(undefined),
            switchMap(() => localSignals(agent, options)),
          )
          .subscribe(subscriber),
      );
      if (gather) agent.gatherCandidates();
      return subscription;
    });
}

function applySignal(agent: SignalingAgent, message: unknown): void {
  if (typeof message !== 'object' || message === null) {
    throw new InvalidArgumentError(`signal message must be an object, got ${typeof message}`);
  }
  const m = message as Record<string, unknown>;
  switch (m.type) {
    case 'credentials':
      // Validated by the agent; `answers` only when the peer said it (older peers do not).
      if (m.answers === undefined) agent.setRemoteCredentials(m.ufrag as string, m.pwd as string);
      else
        agent.setRemoteCredentials(m.ufrag as string, m.pwd as string, {
          answers: m.answers as string | null,
        });
      return;
    case 'candidate':
      agent.addRemoteCandidate(m.candidate as string); // parsed and validated by the agent
      return;
    case 'end-of-candidates':
      agent.endOfCandidates();
      return;
    default:
      if (typeof m.type !== 'string') throw new InvalidArgumentError('signal message has no string "type"');
    // an unknown type: a newer peer's extension, ignored
  }
}
