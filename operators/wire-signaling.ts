import { type Observable, type Observer, Subscription } from 'rxjs';
import { IceError, InvalidArgumentError } from '../lib/errors.js';
import { type LocalSignalsOptions, localSignals, type SignalingAgent } from './local-signals.js';
import type { SignalMessage } from './signal-message.js';

/** Options of {@link wireSignaling}. */
export interface WireSignalingOptions extends LocalSignalsOptions {
  /** Call `agent.gatherCandidates()` once wired; default true. */
  readonly gather?: boolean;
  /**
   * Called with what went wrong with one incoming message (a malformed
   * message, an invalid candidate or credentials: an `IceError`) or with an
   * error of `incoming$` itself. The wiring keeps going either way. Default:
   * ignore, since the peer is untrusted input.
   */
  readonly onError?: (error: unknown, message?: unknown) => void;
}

/**
 * Wires an agent to a signaling channel in one line: whatever
 * {@link localSignals} produces goes to `outgoing.next`, and every
 * {@link SignalMessage} from `incoming$` is applied to the agent
 * (`setRemoteCredentials`, `addRemoteCandidate`, `endOfCandidates`). Then
 * starts gathering (see {@link WireSignalingOptions.gather}).
 *
 * Any `Observable`/`Observer` pair works: an RxJS `webSocket()` subject (it is
 * both), two `Subject`s in a test, a `fromEvent` of a socket plus an object
 * with `next`. Messages of an unknown `type` are ignored (forward
 * compatibility); bad ones go to `onError` and never stop the wiring.
 * `outgoing` only ever receives `next`: stopping the agent or unsubscribing
 * does not close your channel. Unsubscribe the returned subscription to cut
 * both directions.
 *
 * The credentials, and with `gather` the first candidates, go to `outgoing`
 * synchronously, during this call: the channel must deliver or hold them
 * (a WebSocket does; an RxJS `webSocket()` subject buffers until it opens; in
 * tests, use a `ReplaySubject` rather than a `Subject` nobody listens to yet).
 *
 * @example
 * ```ts
 * import { webSocket } from 'rxjs/webSocket';
 * import { IceAgent } from 'rx-ice';
 * import { type SignalMessage, wireSignaling } from 'rx-ice/operators';
 *
 * const socket$ = webSocket<SignalMessage>('wss://signaling.example/room/42');
 * const agent = new IceAgent({ role: 'controlling' });
 * wireSignaling(agent, socket$, socket$);
 * agent.connectionState$.subscribe((s) => console.log('ICE', s));
 * ```
 *
 * @param agent the agent to wire (an `IceAgent`)
 * @param incoming$ messages from the peer
 * @param outgoing where messages for the peer go (only `next` is called)
 * @returns the subscription carrying both directions
 */
export function wireSignaling(
  agent: SignalingAgent,
  incoming$: Observable<SignalMessage>,
  outgoing: Pick<Observer<SignalMessage>, 'next'>,
  options: WireSignalingOptions = {},
): Subscription {
  const { gather = true, onError = () => {} } = options;
  const subscription = new Subscription();
  subscription.add(
    incoming$.subscribe({
      next: (message) => {
        try {
          applySignal(agent, message);
        } catch (error) {
          if (!(error instanceof IceError)) throw error;
          onError(error, message);
        }
      },
      error: (error) => onError(error),
    }),
  );
  subscription.add(localSignals(agent, options).subscribe((message) => outgoing.next(message)));
  if (gather) agent.gatherCandidates();
  return subscription;
}

function applySignal(agent: SignalingAgent, message: unknown): void {
  if (typeof message !== 'object' || message === null) {
    throw new InvalidArgumentError(`signal message must be an object, got ${typeof message}`);
  }
  const m = message as Record<string, unknown>;
  switch (m.type) {
    case 'credentials':
      agent.setRemoteCredentials(m.ufrag as string, m.pwd as string); // validated by the agent
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
