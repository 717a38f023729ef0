/**
 * Marble-testing a timeout: "my app gives up when the peer cannot be reached within 5 s".
 * The app's own RxJS logic runs against real agents on the virtual network, in virtual time,
 * so the 5 s take no time at all.
 *
 *   npx vitest run examples/connect-timeout.test.ts
 */

import { IceAgent } from 'rx-ice';
import { connectAgents, expectStates, VirtualNetwork } from 'rx-ice/testing';
import { catchError, first, map, of, timeout } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { expect, it } from 'vitest';

// The code under test: what the app shows once ICE connects, or after 5 s without.
const connectOrGiveUp = (agent: IceAgent) =>
  agent.connectionState$.pipe(
    first((state) => state === 'connected'),
    map(() => 'online'),
    timeout({ first: 5000 }),
    catchError(() => of('unreachable')),
  );

/** Two agents 10 ms apart on a virtual network, signaling to each other; `down` cuts their link. */
function twoAgents(ts: TestScheduler, down: boolean) {
  const net = new VirtualNetwork({ scheduler: ts, latency: 10 });
  const a = new IceAgent({
    role: 'controlling',
    scheduler: ts,
    transport: net.createHost('a', { addresses: ['10.0.0.1'] }),
  });
  const b = new IceAgent({
    role: 'controlled',
    scheduler: ts,
    transport: net.createHost('b', { addresses: ['10.0.0.2'] }),
  });
  net.setLink('a', 'b', { down });
  connectAgents(a, b, { scheduler: ts });
  ts.schedule(() => {
    a.stop();
    b.stop();
  }, 10_000);
  return a;
}

it('shows online when the peer answers', () => {
  const ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  ts.run((helpers) => {
    const a = twoAgents(ts, false);
    helpers.expectObservable(connectOrGiveUp(a)).toBe('70ms (o|)', { o: 'online' });
  });
});

it('gives up after 5 s when the peer is unreachable', () => {
  const ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  ts.run((helpers) => {
    const a = twoAgents(ts, true);
    helpers.expectObservable(connectOrGiveUp(a)).toBe('5000ms (u|)', { u: 'unreachable' });
    expectStates(helpers, a.connectionState$, '(nk)', { subscription: '^ 100ms !' }); // still checking at 100 ms
  });
});
