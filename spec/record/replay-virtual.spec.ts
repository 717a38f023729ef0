/** Record and replay on the virtual network: a direct session and one through the virtual TURN server. */
import { NEVER } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  IceAgent,
  InvalidOptionError,
  InvalidRecordingError,
  ReplayDivergenceError,
  recordSession,
} from '../../lib/index.js';
import { FastScheduler, replaySession, VirtualNetwork } from '../../lib/testing/index.js';
import { kinds, recorded, recordedVirtualPair, start, wire } from './record-kit.js';

describe('record and replay on the virtual network', () => {
  it('replays a direct session byte for byte, at the same virtual times', () => {
    const { scheduler, a, b } = recordedVirtualPair();
    start(a.agent, b);
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

  it('replays a session with a restart whether or not trace$ is subscribed, in either direction', () => {
    // The timeline replays recordings with trace$ subscribed. A timer armed only for a listener (the
    // remote-credentials-missing warning, armed by restart()) shifted the timer numbers: "timer 4 is
    // not pending". Tracing now changes nothing the agent schedules.
    const run = (traced: boolean) => {
      const { scheduler, a, b } = recordedVirtualPair();
      if (traced) a.agent.trace$.subscribe(() => undefined);
      start(a.agent, b);
      scheduler.advanceBy(500);
      a.agent.restart();
      scheduler.advanceBy(3000);
      a.agent.stop();
      b.stop();
      return a.lines;
    };
    const subscribe = (agent: IceAgent) => agent.trace$.subscribe(() => undefined);
    for (const lines of [run(false), run(true)]) {
      for (const replay of [replaySession(lines), replaySession(lines, { onAgent: subscribe })]) {
        expect(replay.mismatch).toBeUndefined();
        expect(replay.outputs).toEqual(replay.recorded);
      }
    }
  });

  it('replays a session relayed by a TURN server (allocation, permissions, consent with a given random)', () => {
    const scheduler = new FastScheduler();
    const net = new VirtualNetwork({ scheduler, latency: 10 });
    net.createTurnServer('turn', {
      address: '198.51.100.2',
      port: 3478,
      username: 'rx',
      password: 'secret',
      realm: 'rx.test',
    });
    const hostA = net.createHost('a', { addresses: ['198.51.100.20'] });
    const hostB = net.createHost('b', { addresses: ['198.51.100.30'] });
    const iceServers = [{ urls: 'turn:198.51.100.2:3478', username: 'rx', credential: 'secret' }];
    const a = recorded({
      role: 'controlling',
      scheduler,
      transport: hostA,
      iceServers,
      iceTransportPolicy: 'relay',
      random: () => 0.25,
    });
    const b = new IceAgent({ role: 'controlled', scheduler, transport: hostB });
    start(a.agent, b);
    scheduler.advanceBy(3000);
    expect(a.agent.getStats().state).toMatch(/^(connected|completed)$/);
    a.agent.send(new TextEncoder().encode('through the relay'));
    b.send(new TextEncoder().encode('back'));
    scheduler.advanceBy(30_000); // consent checks, with their jitter, and permission refreshes
    a.agent.stop();
    b.stop();

    const replay = replaySession(a.lines);
    expect(replay.mismatch).toBeUndefined();
    expect(replay.outputs).toEqual(replay.recorded);
    const candidates = replay.outputs.filter((o) => o.k === 'emit' && o.stream === 'candidates$');
    expect(candidates.map((c) => (c.k === 'emit' ? String(c.value) : ''))).toEqual([
      expect.stringContaining('typ relay'),
    ]);
    expect(
      replay.outputs.filter((o) => o.k === 'sent').every((o) => o.k === 'sent' && o.to === '198.51.100.2'),
    ).toBe(true);
    expect(kinds(a.lines).random).toBeGreaterThan(0);
  });

  it("replays an echo: calls the application makes from inside the agent's callbacks", () => {
    const scheduler = new FastScheduler();
    const net = new VirtualNetwork({ scheduler, latency: 10 });
    const a = new IceAgent({
      role: 'controlling',
      scheduler,
      transport: net.createHost('a', { addresses: ['10.0.0.1'] }),
    });
    const echo = recorded({
      role: 'controlled',
      scheduler,
      transport: net.createHost('b', { addresses: ['10.0.0.2'] }),
    });
    echo.agent.data$.subscribe((data) => echo.agent.send(data));
    const back: string[] = [];
    a.data$.subscribe((data) => back.push(new TextDecoder().decode(data)));
    wire(a, echo.agent);
    wire(echo.agent, a);
    a.gatherCandidates();
    echo.agent.gatherCandidates();
    scheduler.advanceBy(2000);
    for (const word of ['one', 'two', 'three']) a.send(new TextEncoder().encode(word));
    scheduler.advanceBy(1000);
    a.stop();
    echo.agent.stop();
    expect(back).toEqual(['one', 'two', 'three']);

    const replay = replaySession(echo.lines);
    expect(replay.mismatch).toBeUndefined();
    expect(replay.outputs).toEqual(replay.recorded);
    expect(kinds(echo.lines).call).toBeGreaterThanOrEqual(3 + 4); // three echoes, and signaling and gathering
  });

  it('replays a session that fails on timeouts: the link is down, every check is retransmitted then given up', () => {
    const { scheduler, net, a, b } = recordedVirtualPair();
    net.setLink('a', 'b', { down: true });
    start(a.agent, b);
    scheduler.advanceBy(60_000);
    expect(a.agent.getStats().failureReason).toBe('checks-timed-out');

    const replay = replaySession(a.lines);
    expect(replay.mismatch).toBeUndefined();
    expect(replay.outputs).toEqual(replay.recorded);
    expect(replay.agent.getStats().failureReason).toBe('checks-timed-out');
    expect(replay.outputs.filter((o) => o.k === 'sent').length).toBeGreaterThan(5); // retransmissions
    expect(kinds(a.lines).packet).toBeUndefined();
    a.agent.stop();
    b.stop();
    replay.agent.stop();
  });

  it('tells where a changed recording no longer matches', () => {
    const { scheduler, a, b } = recordedVirtualPair();
    start(a.agent, b);
    scheduler.advanceBy(2000);
    a.agent.stop();
    b.stop();
    // Another pwd for the peer: every check the replay sends differs from the recorded one (its MESSAGE-INTEGRITY).
    const lines = a.lines.map((line) => {
      const record = JSON.parse(line);
      if (record.k === 'call' && record.method === 'setRemoteCredentials') record.args[1] = 'x'.repeat(24);
      return JSON.stringify(record);
    });
    const replay = replaySession(lines);
    expect(replay.mismatch?.expected?.k).toBe('sent');
    expect(replay.mismatch?.actual?.k).toBe('sent');
    expect(replay.mismatch?.line).toBeGreaterThan(1);

    // A timer the agent never set: the replay stops there, naming the line.
    const extra = [...a.lines, JSON.stringify({ k: 'timer', t: 2000, id: 999 })];
    expect(() => replaySession(extra)).toThrow(ReplayDivergenceError);
    expect(() => replaySession(extra)).toThrow(`line ${extra.length}: timer 999 is not pending`);
    // A recording cut short: the agent draws its credentials from lines that are not there.
    expect(() => replaySession(a.lines.slice(0, 2))).toThrow(/line 1: the agent asked for \d+ random bytes/);
  });

  it('rejects a malformed recording, naming the line', () => {
    const start = JSON.stringify({ k: 'start', t: 0, v: 1, options: { role: 'controlled' } });
    expect(() => replaySession([start, '{"k":"packet","t":5}'])).toThrow(InvalidRecordingError);
    expect(() => replaySession([start, '', '{"k":"packet","t":5}'])).toThrow(
      /line 3: field socket must be number/,
    );
    expect(() => replaySession([start, 'not json'])).toThrow(/line 2: not JSON/);
    expect(() => replaySession(['{"k":"timer","t":0,"id":1}'])).toThrow(
      /line 1: the first line must be of kind start/,
    );
    expect(() => replaySession([start.replace('"v":1', '"v":9')])).toThrow(/format version 9/);
    expect(() => replaySession([start, '{"k":"call","t":0,"method":"eval","args":[]}'])).toThrow(
      /unknown method/,
    );
    expect(() => replaySession('')).toThrow(InvalidRecordingError);
  });

  it('refuses to record what it cannot replay', () => {
    const sink = () => undefined;
    expect(() =>
      recordSession({ role: 'controlled', nomination: { choose: () => undefined } as never }, sink),
    ).toThrow(InvalidOptionError);
    expect(() =>
      recordSession({ role: 'controlled', nomination: { choose: () => undefined } as never }, sink),
    ).toThrow(/nomination/);
    expect(() => recordSession({ role: 'controlled', mdnsResolver: () => NEVER }, sink)).toThrow(
      /mdnsResolver/,
    );
    expect(() => recordSession({ role: 'controlled', mdns: 'publish' }, sink)).not.toThrow();
  });

  it('records TURN over TCP and TLS; on a transport that cannot open server streams, the error replays', () => {
    const { scheduler, a, b } = recordedVirtualPair({
      iceServers: [
        { urls: 'turn:10.0.0.9?transport=tcp', username: 'u', credential: 'p' },
        { urls: 'turns:10.0.0.9', username: 'u', credential: 'p' },
      ],
    });
    const errors: string[] = [];
    a.agent.errors$.subscribe((e) => errors.push(`${e.url} ${e.kind} ${e.reason}`));
    a.agent.gatherCandidates();
    scheduler.advanceBy(100);
    const why = 'the transport cannot open TCP or TLS connections to servers (no connectServerStream)';
    expect(errors).toEqual([
      `turn:10.0.0.9?transport=tcp turn-connection ${why}`,
      `turns:10.0.0.9 turn-connection ${why}`,
    ]);
    expect(a.agent.getLocalCandidates().map((c) => c.type)).toEqual(['host']);
    a.agent.stop();
    b.stop();
    const replay = replaySession(a.lines);
    expect(replay.mismatch).toBeUndefined();
    expect(replay.outputs).toEqual(replay.recorded);
    expect(replay.outputs.filter((o) => o.k === 'emit' && o.stream === 'errors$')).toHaveLength(2);
  });
});
