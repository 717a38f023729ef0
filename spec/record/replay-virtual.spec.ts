/** Record and replay on the virtual network: a direct session and one through the virtual TURN server. */
import { describe, expect, it } from 'vitest';
import { IceAgent } from '../../lib/index.js';
import { FastScheduler, replaySession, VirtualNetwork } from '../../lib/testing/index.js';
import { kinds, recorded, wire } from './record-kit.js';

describe('record and replay on the virtual network', () => {
  it('replays a direct session byte for byte, at the same virtual times', () => {
    const scheduler = new FastScheduler();
    const net = new VirtualNetwork({ scheduler, latency: 10 });
    const hostA = net.createHost('a', { addresses: ['10.0.0.1'] });
    const hostB = net.createHost('b', { addresses: ['10.0.0.2'] });
    const a = recorded({ role: 'controlling', scheduler, transport: hostA });
    const b = new IceAgent({ role: 'controlled', scheduler, transport: hostB });
    wire(a.agent, b);
    wire(b, a.agent);
    a.agent.gatherCandidates();
    b.gatherCandidates();
    scheduler.advanceBy(3000);
    a.agent.send(new TextEncoder().encode('hello'));
    scheduler.advanceBy(20_000);
    a.agent.stop();
    b.stop();

    const replay = replaySession(a.lines);
    expect(replay.mismatch).toBeUndefined();
    expect(replay.outputs).toEqual(replay.recorded);
    expect(replay.outputs.filter((o) => o.k === 'sent').length).toBeGreaterThan(5);
    expect(kinds(a.lines)).toMatchObject({ timer: expect.any(Number), packet: expect.any(Number) });
  });
});
