/**
 * `trace$` in virtual time: every kind of event an agent pair produces as it
 * connects, keeps consent, loses its path and meets a peer that rejects it,
 * and the switch that makes tracing free while nobody listens.
 */
import { describe, expect, it } from 'vitest';
import { type IceAgent, InvalidOptionError, type TraceEvent } from '../lib/index.js';
import { connectAgents, createAgentPair, FastScheduler } from '../lib/testing/index.js';
import { bindNow } from './helpers/raw-sockets.js';

type Of<T extends TraceEvent['type']> = Extract<TraceEvent, { type: T }>;

function collect(agent: IceAgent) {
  const events: TraceEvent[] = [];
  const subscription = agent.trace$.subscribe((e) => events.push(e));
  const of = <T extends TraceEvent['type']>(type: T): Of<T>[] =>
    events.filter((e): e is Of<T> => e.type === type);
  return { events, of, subscription };
}

/** Two agents on 10.0.0.1 / 10.0.0.2, 10 ms apart, traced from the start, connected with signaling. */
function tracedPair() {
  const fs = new FastScheduler();
  const pair = createAgentPair(fs, { latency: 10, a: { random: () => 0.5 }, b: { random: () => 0.5 } });
  const ta = collect(pair.a);
  const tb = collect(pair.b);
  return { fs, ...pair, ta, tb };
}

describe('trace$', () => {
  it('traces a connection: candidates, checks with RTT, answered requests, pair states, nomination, selection, states', () => {
    const { fs, a, b, ta, tb } = tracedPair();
    connectAgents(a, b, { scheduler: fs });
    fs.advanceTo(2000);
    expect(a.getStats().state).toBe('completed');

    expect(ta.of('gathering-state').map((e) => e.state)).toEqual(['gathering', 'complete']);
    expect(ta.of('local-candidate')).toEqual([
      expect.objectContaining({ candidateType: 'host', address: expect.stringMatching(/^10\.0\.0\.1:\d+$/) }),
    ]);
    expect(ta.of('remote-candidate')).toEqual([
      expect.objectContaining({ outcome: 'added', candidateType: 'host' }),
    ]);
    const sent = ta.of('check-sent');
    expect(sent.length).toBeGreaterThan(0);
    expect(sent[0]).toMatchObject({
      pairId: 1,
      role: 'controlling',
      transactionId: expect.stringMatching(/^[0-9a-f]{24}$/),
    });
    const answered = ta.of('check-answered');
    // 10 ms each way: every first transmission's answer takes 20 ms.
    expect(answered.length).toBeGreaterThan(0);
    for (const e of answered) expect(e.rtt).toBe(20);
    expect(answered.map((e) => e.transactionId)).toEqual(expect.arrayContaining([sent[0]?.transactionId]));
    // The controlled side answered a's checks with success responses.
    const requests = tb.of('request-received');
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.every((e) => e.outcome === 'success' && e.pairId === 1)).toBe(true);
    expect(requests.map((e) => e.transactionId)).toEqual(
      expect.arrayContaining(sent.map((e) => e.transactionId)),
    );
    expect(requests.some((e) => e.useCandidate)).toBe(true);

    const states = ta.of('pair-state').filter((e) => e.pairId === 1);
    expect(states.map((e) => e.state)).toEqual(expect.arrayContaining(['in-progress', 'succeeded']));
    expect(states.at(-1)).toMatchObject({ state: 'succeeded', valid: true, nominated: true });
    expect(ta.of('nomination')).toEqual([expect.objectContaining({ pairId: 1, phase: 'nominating' })]);
    expect(ta.of('pair-nominated')).toEqual([expect.objectContaining({ pairId: 1, by: 'local' })]);
    expect(tb.of('pair-nominated')).toEqual([expect.objectContaining({ pairId: 1, by: 'remote' })]);
    expect(ta.of('pair-selected')).toEqual([expect.objectContaining({ pairId: 1 })]);
    expect(ta.of('connection-state').map((e) => e.state)).toEqual(['checking', 'connected', 'completed']);
    expect(ta.of('connection-state')[1]?.reason).toBe('a pair was selected');

    // Stamped with the scheduler's time, in order, generation 0.
    const times = ta.events.map((e) => e.at);
    expect(times).toEqual([...times].sort((x, y) => x - y));
    expect(ta.events.every((e) => e.generation === 0)).toBe(true);
    const selected = ta.of('pair-selected')[0] as Of<'pair-selected'>;
    expect(selected.at).toBe(ta.of('pair-nominated')[0]?.at);
    a.stop();
    b.stop();
  });

  it('traces consent checks and answers, keepalives, then consent expiry as the failure with its reason', () => {
    const { fs, a, b, ta, net } = tracedPair();
    connectAgents(a, b, { scheduler: fs });
    fs.advanceTo(20_000);
    expect(ta.of('consent-sent').length).toBeGreaterThanOrEqual(3);
    expect(ta.of('consent-answered').length).toBeGreaterThanOrEqual(3);
    expect(ta.of('keepalive-sent').length).toBeGreaterThanOrEqual(1);
    net.setLink('a', 'b', { down: true });
    fs.advanceTo(60_000);
    expect(ta.of('consent-sent').some((e) => e.retransmission)).toBe(true);
    expect(ta.of('consent-expired')).toEqual([expect.objectContaining({ pairId: 1 })]);
    const failed = ta.of('connection-state').at(-1);
    expect(failed).toMatchObject({ state: 'failed', failureReason: 'consent' });
    expect(ta.of('connection-state').map((e) => e.state)).toContain('disconnected');
    expect(a.getStats().failureReason).toBe('consent');
    a.stop();
    b.stop();
  });

  it('wrong remote password: the peer answers 401, the checks fail with it, failureReason credentials-rejected', () => {
    const { fs, a, b, ta, tb } = tracedPair();
    const ca = a.getLocalCredentials();
    const cb = b.getLocalCredentials();
    a.setRemoteCredentials(cb.ufrag, `${cb.pwd.slice(0, -1)}${cb.pwd.endsWith('x') ? 'y' : 'x'}`);
    b.setRemoteCredentials(ca.ufrag, ca.pwd);
    a.candidates$.subscribe((c) => b.addRemoteCandidate(c));
    b.candidates$.subscribe((c) => a.addRemoteCandidate(c));
    a.gatheringState$.subscribe((s) => s === 'complete' && b.endOfCandidates());
    b.gatheringState$.subscribe((s) => s === 'complete' && a.endOfCandidates());
    a.gatherCandidates();
    b.gatherCandidates();
    fs.advanceTo(60_000);
    const rejected = ta.of('check-failed');
    expect(rejected.length).toBeGreaterThan(0);
    expect(
      rejected.every((e) => e.cause === 'error-response' && e.code === 401 && e.reason === 'Unauthorized'),
    ).toBe(true);
    expect(tb.of('request-received').filter((e) => e.outcome === 'error')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 401, reason: 'Unauthorized', pairId: undefined }),
      ]),
    );
    expect(a.getStats()).toMatchObject({ state: 'failed', failureReason: 'credentials-rejected' });
    expect(ta.of('connection-state').at(-1)).toMatchObject({
      state: 'failed',
      failureReason: 'credentials-rejected',
      reason: expect.stringContaining('401'),
    });
    a.stop();
    b.stop();
  });

  it('an unreachable peer: retransmissions, timeouts, failureReason checks-timed-out', () => {
    const { fs, a, b, ta, net } = tracedPair();
    net.setLink('a', 'b', { down: true });
    connectAgents(a, b, { scheduler: fs });
    fs.advanceTo(60_000);
    const retransmitted = ta.of('check-retransmitted');
    expect(retransmitted.map((e) => e.attempt).slice(0, 3)).toEqual([2, 3, 4]);
    expect(ta.of('check-failed')).toEqual([expect.objectContaining({ pairId: 1, cause: 'timeout' })]);
    expect(ta.of('check-failed')[0]?.transactionId).toBe(retransmitted[0]?.transactionId);
    expect(a.getStats().failureReason).toBe('checks-timed-out');
    expect(ta.of('pair-state').at(-1)).toMatchObject({ pairId: 1, from: 'in-progress', state: 'failed' });
    a.stop();
    b.stop();
  });

  it('role conflict: both controlling, one side answers 487 and the other changes role', () => {
    const fs = new FastScheduler();
    const { a, b } = createAgentPair(fs, {
      a: { tieBreaker: 2n },
      b: { role: 'controlling', tieBreaker: 1n },
    });
    const ta = collect(a);
    const tb = collect(b);
    connectAgents(a, b, { scheduler: fs });
    fs.advanceTo(2000);
    const conflict = [...ta.of('request-received'), ...tb.of('request-received')].filter(
      (e) => e.code === 487,
    );
    expect(conflict.length).toBeGreaterThan(0);
    expect(tb.of('role')).toEqual([expect.objectContaining({ role: 'controlled' })]);
    expect(a.getStats().state).toBe('completed');
    a.stop();
    b.stop();
  });

  it('dropped datagrams say why: data from an unvalidated source, malformed STUN, answers to no check', () => {
    const { fs, a, b, ta, net } = tracedPair();
    a.gatherCandidates();
    fs.advanceTo(10);
    const port = a.getLocalCandidates()[0]?.port as number;
    const stranger = bindNow(net.createHost('x', { addresses: ['10.0.0.9'] }));
    stranger.send(new Uint8Array([0x80, 1, 2, 3]), port, '10.0.0.1');
    // STUN-framed (header, cookie, length 4) but a truncated attribute.
    const framed = new Uint8Array([0, 1, 0, 4, 0x21, 0x12, 0xa4, 0x42, ...new Array(12).fill(7), 0, 6, 0, 9]);
    stranger.send(framed, port, '10.0.0.1');
    // A Binding success response (0x0101) to a transaction a never started.
    const answer = new Uint8Array([1, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42, ...new Array(12).fill(5)]);
    stranger.send(answer, port, '10.0.0.1');
    fs.advanceTo(100);
    expect(ta.of('datagram-dropped')).toEqual([
      expect.objectContaining({ from: `10.0.0.9:${stranger.port}`, length: 4, reason: 'unvalidated-source' }),
      expect.objectContaining({ length: 24, reason: 'malformed' }),
      expect.objectContaining({ length: 20, reason: 'unmatched' }),
    ]);
    const stats = a.getStats();
    expect([stats.droppedDataPackets, stats.malformedPackets, stats.unmatchedPackets]).toEqual([1, 1, 1]);
    a.stop();
    b.stop();
  });

  it('warns once when remote credentials do not come after remoteCredentialsWarningAfter, and does not fail', () => {
    const fs = new FastScheduler();
    const { a, b } = createAgentPair(fs, { a: { remoteCredentialsWarningAfter: 5000 } });
    const ta = collect(a);
    a.gatherCandidates();
    fs.advanceTo(4999);
    expect(ta.of('remote-credentials-missing')).toEqual([]);
    fs.advanceTo(120_000);
    expect(ta.of('remote-credentials-missing')).toEqual([
      expect.objectContaining({ type: 'remote-credentials-missing', waited: 5000, at: 5000 }),
    ]);
    expect(a.getStats().state).toBe('new');
    a.stop();
    b.stop();
  });

  it('no warning once the credentials came; a subscriber arriving late still gets it on time', () => {
    const fs = new FastScheduler();
    const { a, b } = createAgentPair(fs, { a: { remoteCredentialsWarningAfter: 3000 } });
    a.gatherCandidates();
    b.gatherCandidates();
    const cb = b.getLocalCredentials();
    fs.advanceTo(1000);
    const late = collect(b);
    fs.advanceTo(3500);
    expect(late.of('remote-credentials-missing')).toEqual([]); // b's clock started at 0, warns at 10 s by default
    const ta = collect(a);
    fs.advanceTo(3600);
    expect(ta.of('remote-credentials-missing')).toEqual([
      expect.objectContaining({ at: 3500, waited: 3500 }),
    ]);
    a.setRemoteCredentials(cb.ufrag, cb.pwd);
    fs.advanceTo(20_000);
    expect(ta.of('remote-credentials-missing')).toHaveLength(1);
    expect(late.of('remote-credentials-missing')).toEqual([expect.objectContaining({ at: 10_000 })]);
    a.stop();
    b.stop();
  });

  it('validates remoteCredentialsWarningAfter like other durations', () => {
    const fs = new FastScheduler();
    for (const bad of [0, -1, 1.5, 700_000, Number.NaN]) {
      expect(() => createAgentPair(fs, { a: { remoteCredentialsWarningAfter: bad } })).toThrow(
        InvalidOptionError,
      );
    }
  });

  it('records only while subscribed: nothing from before the first subscriber, nothing after the last one left', () => {
    const { fs, a, b } = tracedPair();
    // tracedPair subscribed already; a second agent pair subscribed late shows the switch.
    const late = createAgentPair(fs, { latency: 10 });
    connectAgents(late.a, late.b, { scheduler: fs });
    fs.advanceTo(fs.now() + 1000);
    expect(late.a.getStats().state).toBe('completed');
    const t = collect(late.a);
    expect(t.events).toEqual([]); // hot: nothing replayed
    fs.advanceTo(fs.now() + 6000);
    expect(t.of('consent-sent').length).toBeGreaterThan(0);
    expect(t.of('check-sent')).toEqual([]);
    t.subscription.unsubscribe();
    const seen = t.events.length;
    fs.advanceTo(fs.now() + 20_000);
    expect(t.events.length).toBe(seen);
    for (const agent of [a, b, late.a, late.b]) agent.stop();
  });

  it('completes on stop()', () => {
    const { a, b } = tracedPair();
    let completed = false;
    a.trace$.subscribe({ complete: () => (completed = true) });
    a.stop();
    expect(completed).toBe(true);
    b.stop();
  });
});
