/**
 * "My app reconnects when the network drops": the link between two agents goes down at 1 s and
 * comes back at 15 s. The app sees `disconnected` (no response for 5 s, and a consent check sent
 * since then went unanswered for its 500 ms RTO), then the state it had before (`completed`, a
 * connected state) as soon as a check is answered again: no ICE restart, no new nomination. Virtual time: the 30 s of the scenario run in milliseconds.
 *
 *   npx vitest run examples/reconnect.test.ts
 */

import { IceAgent } from 'rx-ice';
import { connectAgents, expectStates, VirtualNetwork } from 'rx-ice/testing';
import { TestScheduler } from 'rxjs/testing';
import { expect, it } from 'vitest';

it('goes disconnected when the network drops and reconnects when it comes back', () => {
  const ts = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  ts.run((helpers) => {
    const net = new VirtualNetwork({ scheduler: ts, latency: 10 });
    const agent = (role: 'controlling' | 'controlled', name: string, ip: string) =>
      // random: () => 0.5 takes the jitter out of consent checks (every 5 s exactly), for exact marbles
      new IceAgent({
        role,
        scheduler: ts,
        random: () => 0.5,
        transport: net.createHost(name, { addresses: [ip] }),
      });
    const a = agent('controlling', 'a', '10.0.0.1');
    const b = agent('controlled', 'b', '10.0.0.2');
    connectAgents(a, b, { scheduler: ts });
    ts.schedule(() => net.setLink('a', 'b', { down: true }), 1000);
    ts.schedule(() => net.setLink('a', 'b', { down: false }), 15_000);
    ts.schedule(() => [a, b].map((x) => x.stop()), 30_000); // running agents would keep virtual time going
    // Connected at 70 ms (the last response); the consent check at 5070 goes unanswered, so `d` at
    // 5570 = max(70 + 5000, 5070 + 500); the check at 15070 is answered at 15090.
    // Letters: CONNECTION_STATE_MARBLES.
    expectStates(helpers, a.connectionState$, '(nk) 66ms (cC) 5496ms d 9519ms C', {
      subscription: '^ 20s !',
    });
  });
});
