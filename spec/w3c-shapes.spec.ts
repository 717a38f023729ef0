/**
 * W3C shapes (issue #11): emitted candidates carry `candidate` and `toJSON()`
 * (an RTCIceCandidateInit) yet stay plain Candidate data; addRemoteCandidate
 * takes strings, RTCIceCandidateInit and Candidate objects, with '' and
 * { candidate: '' } as end-of-candidates; getStatsReport() is shaped like an
 * RTCStatsReport with per-pair bytes and round-trip times in seconds.
 */
import { describe, expect, it } from 'vitest';
import {
  type ConnectionState,
  type IceAgent,
  type IceCandidate,
  type IceCandidatePairStats,
  type IceCandidateStats,
  type IceTransportStats,
  InvalidArgumentError,
  InvalidCandidateError,
  parseCandidate,
  serializeCandidate,
} from '../lib/index.js';
import { newTestScheduler, virtualPair } from './helpers/virtual-pair.js';

const remoteHost = 'candidate:1 1 udp 2130706431 10.0.0.2 5000 typ host';

describe('emitted candidates', () => {
  it('have a candidate string and toJSON() giving an RTCIceCandidateInit, and stay plain data', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { a } = virtualPair(ts, { a: { sdpMid: 'data', sdpMLineIndex: 2 } });
      const emitted: IceCandidate[] = [];
      a.candidates$.subscribe((c) => emitted.push(c));
      a.gatherCandidates();
      const [c] = emitted;
      if (!c) throw new Error('no candidate');
      const { ufrag } = a.getLocalCredentials();
      expect(c.candidate).toBe(serializeCandidate(c));
      expect(c.candidate).toMatch(/^candidate:\S+ 1 udp \d+ 10\.0\.0\.1 \d+ typ host generation 0$/);
      expect(JSON.parse(JSON.stringify(c))).toEqual({
        candidate: c.candidate,
        sdpMid: 'data',
        sdpMLineIndex: 2,
        usernameFragment: ufrag,
      });
      // Plain data for everything else: spreads, deep equality, keys.
      const plain = parseCandidate(c.candidate);
      expect(c).toEqual(plain);
      expect(c).toStrictEqual(plain);
      expect(Object.keys(c)).not.toContain('candidate');
      const spread = { ...c };
      expect('candidate' in spread).toBe(false);
      expect(spread).toEqual(plain);
      // getLocalCandidates() has the same accessors; the ex_ice stats stay plain and JSON-safe.
      expect(a.getLocalCandidates()[0]?.toJSON()).toEqual(c.toJSON());
      expect(JSON.parse(JSON.stringify(a.getStats().localCandidates))).toEqual([plain]);
      // A restart's candidates carry the new ufrag.
      a.restart();
      expect(emitted.at(-1)?.usernameFragment).toBe(a.getLocalCredentials().ufrag);
      expect(emitted.at(-1)?.usernameFragment).not.toBe(ufrag);
      a.stop();
    });
  });

  it('connects two agents signalling nothing but JSON of candidates (RTCIceCandidateInit) and "" as end', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { a, b } = virtualPair(ts);
      const states: ConnectionState[] = [];
      a.connectionState$.subscribe((s) => states.push(s));
      const wire = (from: IceAgent, to: IceAgent) => {
        const { ufrag, pwd } = from.getLocalCredentials();
        to.setRemoteCredentials(ufrag, pwd);
        from.candidates$.subscribe((c) => to.addRemoteCandidate(JSON.parse(JSON.stringify(c))));
        from.gatheringState$.subscribe((s) => s === 'complete' && to.addRemoteCandidate(''));
      };
      wire(a, b);
      wire(b, a);
      a.gatherCandidates();
      b.gatherCandidates();
      ts.schedule(() => {
        expect(states).toContain('completed');
        expect(b.getRemoteCandidates().map((c) => c.address)).toEqual(['10.0.0.1']);
        a.stop();
        b.stop();
      }, 2000);
    });
  });
});

describe('addRemoteCandidate inputs', () => {
  /** a's state timeline when its one remote candidate is unreachable, after `end` signals the end (or not). */
  function timeline(end: ((a: IceAgent) => void) | undefined): string[] {
    const ts = newTestScheduler();
    const seen: string[] = [];
    ts.run(() => {
      // With end-of-candidates it fails when the PAC timer expires (39.5 s); without, candidateWait
      // (40 s) after its one pair failed (9.5 s).
      const { a } = virtualPair(ts, { a: { candidateWait: 40_000 } });
      a.connectionState$.subscribe((s) => seen.push(`${ts.now()} ${s}`));
      a.gatherCandidates();
      a.setRemoteCredentials('rmte', 'remotepasswordxxxxxxxx');
      a.addRemoteCandidate('candidate:1 1 udp 2130706431 10.0.0.99 5000 typ host');
      end?.(a);
      ts.schedule(() => a.stop(), 60_000);
    });
    return seen;
  }

  it("takes '', { candidate: '' }, { candidate: null } and {} as end-of-candidates, like endOfCandidates()", () => {
    const reference = timeline((a) => a.endOfCandidates());
    expect(reference).not.toEqual(timeline(undefined)); // end-of-candidates has an effect to compare
    expect(timeline((a) => a.addRemoteCandidate(''))).toEqual(reference);
    expect(timeline((a) => a.addRemoteCandidate({ candidate: '', sdpMid: '0' }))).toEqual(reference);
    expect(timeline((a) => a.addRemoteCandidate({ candidate: null, sdpMLineIndex: 0 }))).toEqual(reference);
    expect(timeline((a) => a.addRemoteCandidate({}))).toEqual(reference);
  });

  it('takes RTCIceCandidateInit and Candidate objects; usernameFragment works like the ufrag tag', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { a } = virtualPair(ts);
      a.setRemoteCredentials('gen1', 'remotepasswordxxxxxxxx');
      a.addRemoteCandidate({
        candidate: remoteHost,
        sdpMid: '0',
        sdpMLineIndex: 0,
        usernameFragment: 'gen1',
      });
      a.addRemoteCandidate(parseCandidate('candidate:2 1 udp 2130706431 10.0.0.2 5001 typ host'));
      expect(a.getRemoteCandidates().map((c) => c.port)).toEqual([5000, 5001]);
      // Tagged with the next generation's ufrag: held until its credentials arrive (remote restart).
      const next = {
        candidate: 'candidate:3 1 udp 2130706431 10.0.0.2 5002 typ host',
        usernameFragment: 'gen2',
      };
      a.addRemoteCandidate(next);
      expect(a.getRemoteCandidates().map((c) => c.port)).toEqual([5000, 5001]);
      a.setRemoteCredentials('gen2', 'remotepasswordyyyyyyyy');
      expect(a.getRemoteCandidates().map((c) => [c.port, c.ufrag])).toEqual([[5002, 'gen2']]);
      a.stop();
    });
  });

  it('rejects bad inputs with typed errors and keeps what it had', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { a } = virtualPair(ts);
      a.addRemoteCandidate(remoteHost);
      const bad: Array<[unknown, new (...args: never[]) => Error]> = [
        [null, InvalidArgumentError],
        [undefined, InvalidArgumentError],
        [42, InvalidArgumentError],
        [Number.NaN, InvalidArgumentError],
        [[remoteHost], InvalidArgumentError],
        [{ candidate: 42 }, InvalidArgumentError],
        [{ candidate: remoteHost, sdpMLineIndex: Number.NaN }, InvalidArgumentError],
        [{ candidate: remoteHost, sdpMLineIndex: -1 }, InvalidArgumentError],
        [{ candidate: remoteHost, sdpMid: 7 }, InvalidArgumentError],
        [{ candidate: remoteHost, usernameFragment: 'a b' }, InvalidCandidateError],
        [{ candidate: `${remoteHost} ufrag abcd`, usernameFragment: 'wxyz' }, InvalidCandidateError],
        [{ candidate: 'x'.repeat(1_000_000) }, InvalidCandidateError],
        ['candidate:'.padEnd(1_000_000, '1'), InvalidCandidateError],
        [{ ...parseCandidate(remoteHost), port: 70_000 }, InvalidCandidateError],
        [{ foundation: '1' }, InvalidCandidateError],
        [{ candidate: 'candidate:1 2 udp 1 10.0.0.2 5000 typ host' }, InvalidArgumentError],
      ];
      for (const [input, type] of bad) expect(() => a.addRemoteCandidate(input as never)).toThrow(type);
      expect(a.getRemoteCandidates().map((c) => c.port)).toEqual([5000]);
      a.stop();
    });
  });
});

describe('getStatsReport()', () => {
  it('is shaped like an RTCStatsReport: transport, pairs with per-pair bytes and RTT in seconds, candidates', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { a, b } = virtualPair(ts, { latency: 10, connect: true });
      b.data$.subscribe((d) => b.send(d.subarray(0, 50))); // b answers each datagram with half of it
      ts.schedule(() => {
        for (let i = 0; i < 10; i++) a.send(new Uint8Array(100).fill(i));
      }, 1000);
      ts.schedule(() => {
        const report = a.getStatsReport();
        const transport = report.get('T01') as IceTransportStats;
        expect(transport).toMatchObject({
          type: 'transport',
          bytesSent: 1000,
          bytesReceived: 500,
          packetsSent: 10,
          packetsReceived: 10,
          iceRole: 'controlling',
          iceState: a.getStats().state,
          iceLocalUsernameFragment: a.getLocalCredentials().ufrag,
          selectedCandidatePairChanges: 1,
        });
        const pair = report.get(transport.selectedCandidatePairId ?? '') as IceCandidatePairStats;
        expect(pair).toMatchObject({
          type: 'candidate-pair',
          transportId: 'T01',
          state: 'succeeded',
          nominated: true,
          bytesSent: 1000,
          bytesReceived: 500,
          packetsSent: 10,
          packetsReceived: 10,
          currentRoundTripTime: 0.02, // 10 ms each way, in seconds
          lastPacketSentTimestamp: 1000,
          lastPacketReceivedTimestamp: 1020,
        });
        // Every response was to a first transmission on a lossless link: each is one 20 ms sample.
        expect(pair.responsesReceived).toBeGreaterThanOrEqual(2); // the check and consent checks since
        expect(pair.totalRoundTripTime).toBeCloseTo(0.02 * pair.responsesReceived, 9);
        const local = report.get(pair.localCandidateId) as IceCandidateStats;
        const remote = report.get(pair.remoteCandidateId) as IceCandidateStats;
        expect(local).toMatchObject({
          type: 'local-candidate',
          address: '10.0.0.1',
          protocol: 'udp',
          candidateType: 'host',
        });
        expect(remote).toMatchObject({
          type: 'remote-candidate',
          address: '10.0.0.2',
          candidateType: 'host',
          usernameFragment: b.getLocalCredentials().ufrag,
        });
        expect(local.priority).toBe(a.getLocalCandidates()[0]?.priority);
        // ex_ice stats agree on the totals.
        expect(a.getStats()).toMatchObject({ bytesSent: 1000, bytesReceived: 500 });
        a.stop();
        b.stop();
      }, 10_000);
    });
  });

  it('right after restart(), getStats().state and the report show the state connectionState$ shows', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { a, b } = virtualPair(ts, { connect: true });
      let shown: ConnectionState | undefined;
      a.connectionState$.subscribe((s) => {
        shown = s;
      });
      const samples: string[] = [];
      const sample = () => {
        const transport = a.getStatsReport().get('T01') as IceTransportStats;
        samples.push(`${a.getStats().state} ${transport.iceState} ${shown}`);
      };
      ts.schedule(() => {
        a.restart();
        sample();
        expect(a.getStatsReport().get('T01')).toMatchObject({ selectedCandidatePairId: expect.any(String) });
      }, 1000);
      for (const t of [1001, 1050, 1500, 3000]) ts.schedule(sample, t);
      ts.schedule(() => {
        expect(samples[0]).toBe('completed completed completed');
        for (const s of samples) {
          const [stats, report, stream] = s.split(' ');
          expect(stats).toBe(stream);
          expect(report).toBe(stream);
        }
        a.stop();
        b.stop();
      }, 4000);
    });
  });
});
