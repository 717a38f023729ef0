import type { Observable, Observer, Subscription } from 'rxjs';
import { type ExchangeSignalsOptions, exchangeSignals } from './exchange-signals.js';
import type { SignalingAgent } from './local-signals.js';
import type { SignalMessage } from './signal-message.js';

/** Options of {@link wireSignaling}. */
export type WireSignalingOptions = ExchangeSignalsOptions;

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
 * No ordering loses a message, even over channels that drop what is sent
 * before the other side listens (two plain `Subject`s, a pub/sub room): the
 * incoming side is subscribed first, and the whole current generation
 * (credentials, candidates, end-of-candidates) is sent again the first time
 * the peer is heard from. This is `incoming$.pipe(exchangeSignals(agent))`
 * subscribed to `outgoing`; see {@link exchangeSignals}.
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
  return exchangeSignals(agent, options)(incoming$).subscribe((message) => outgoing.next(message));
}
