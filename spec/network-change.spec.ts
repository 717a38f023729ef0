/**
 * Network changes in virtual time: the agent polls its transport's interface
 * addresses (here a {@link TappedTransport} whose address list the test
 * changes), trickles candidates for new addresses, retires vanished ones, and
 * reports the loss of the selected pair's address so the app can restart.
 */
import { describe, expect, it } from 'vitest';
import {
  type Candidate,
  type ConnectionState,
  type InterfaceChange,
  InvalidStateError,
  type SelectedPair,
} from '../lib/index.js';
import { connectAgents } from '../lib/testing/index.js';
import { connectWithRestarts, stopAll, tappedPair } from './helpers/liveness-kit.js';
import { newTestScheduler } from './helpers/virtual-pair.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface Recorded {
  readonly changes: (InterfaceChange & { at: number })[];
  readonly candidates: (Candidate & { at: number })[];
  readonly states: ConnectionState[];
  readonly selected: string[];
}

function record(ts: { now(): number }, agent: ReturnType<typeof tappedPair>['a']): Recorded {
  const r: Recorded = { changes: [], candidates: [], states: [], selected: [] };
  agent.interfaceChanges$.subscribe((c) => r.changes.push({ ...c, at: ts.now() }));
  agent.candidates$.subscribe((c) => r.candidates.push({ ...c, at: ts.now() }));
  agent.connectionState$.subscribe((s) => r.states.push(s));
  agent.selectedPair$.subscribe((p: SelectedPair) =>
    r.selected.push(`${p.local.address}-${p.remote.address}`),
  );
  return r;
}

describe('network changes', () => {
  it('trickles a host candidate for a new address and retires it when the address goes away', () => {
    // Checking concluded with the nomination (RFC 8445 §8.1.2), so the new candidate is signaled
    // but never paired: moving data to it takes a restart.
    const ts = newTestScheduler();
    let r!: Recorded;
    const received: string[] = [];
    ts.run(() => {
      const { a, b, tapA } = tappedPair(ts, {
        addressesA: ['10.0.0.1', '10.0.0.3'],
        a: { interfacePollInterval: 1000 },
      });
      tapA.setAddresses(['10.0.0.1']);
      r = record(ts, a);
      b.data$.subscribe((d) => received.push(decoder.decode(d)));
      connectAgents(a, b, { scheduler: ts });
      ts.schedule(() => tapA.setAddresses(['10.0.0.1', '10.0.0.3']), 2500); // seen by the poll at 3000
      ts.schedule(() => {
        expect(a.getLocalCandidates().map((c) => c.address)).toEqual(['10.0.0.1', '10.0.0.3']);
        expect(a.getStats().candidatePairs.map((p) => p.local.address)).toEqual(['10.0.0.1']);
        expect(b.getRemoteCandidates().map((c) => c.address)).toContain('10.0.0.3'); // b learned it through signaling
        expect(b.getStats().candidatePairs.map((p) => p.remote.address)).toEqual(['10.0.0.1']);
      }, 4000);
      ts.schedule(() => tapA.setAddresses(['10.0.0.1']), 5500); // gone at the poll of 6000
      ts.schedule(() => {
        expect(a.getStats().candidatePairs.map((p) => p.local.address)).toEqual(['10.0.0.1']);
        expect(a.getLocalCandidates().map((c) => c.address)).toEqual(['10.0.0.1']);
        a.send(encoder.encode('still here'));
      }, 7000);
      ts.schedule(() => stopAll(a, b), 8000);
    });
    expect(r.candidates.map((c) => [c.address, c.generation, c.at])).toEqual([
      ['10.0.0.1', 0, 0],
      ['10.0.0.3', 0, 3000],
    ]);
    expect(r.changes).toEqual([
      {
        at: 3000,
        added: [{ address: '10.0.0.3', family: 'IPv4', iface: 'a', internal: false }],
        removed: [],
        selectedPairLost: false,
      },
      { at: 6000, added: [], removed: ['10.0.0.3'], selectedPairLost: false },
    ]);
    expect(r.states).toEqual(['new', 'checking', 'connected', 'completed', 'closed']);
    expect(received).toEqual(['still here']);
  });

  it('fails when the selected pair loses its local address, reports it, and a restart reconnects over what is left', () => {
    const ts = newTestScheduler();
    let r!: Recorded;
    const received: string[] = [];
    ts.run(() => {
      const { a, b, tapA } = tappedPair(ts, {
        addressesA: ['10.0.0.1', '10.0.0.3'],
        a: { interfacePollInterval: 1000 },
      });
      r = record(ts, a);
      b.data$.subscribe((d) => received.push(decoder.decode(d)));
      // The application's reaction: a restart whenever the data path is lost.
      a.interfaceChanges$.subscribe((change) => {
        if (!change.selectedPairLost) return;
        expect(a.getStats().state).toBe('failed');
        expect(a.getStats().failureReason).toBe('local-address');
        expect(() => a.send(encoder.encode('lost'))).toThrow(InvalidStateError);
        a.restart();
      });
      connectWithRestarts(a, b);
      ts.schedule(() => tapA.setAddresses(['10.0.0.3']), 2500); // 10.0.0.1 (the selected path) vanishes
      ts.schedule(() => a.send(encoder.encode('over 10.0.0.3')), 4000);
      ts.schedule(() => stopAll(a, b), 5000);
    });
    expect(r.changes).toEqual([{ at: 3000, added: [], removed: ['10.0.0.1'], selectedPairLost: true }]);
    expect(r.selected).toEqual(['10.0.0.1-10.0.0.2', '10.0.0.3-10.0.0.2']);
    expect(r.states).toEqual([
      'new',
      'checking',
      'connected',
      'completed',
      'failed',
      'checking',
      'connected',
      'completed',
      'closed',
    ]);
    expect(r.candidates.map((c) => [c.address, c.generation])).toEqual([
      ['10.0.0.1', 0],
      ['10.0.0.3', 0],
      ['10.0.0.3', 1],
    ]);
    expect(received).toEqual(['over 10.0.0.3']);
  });

  it('does not poll with interfacePollInterval 0', () => {
    const ts = newTestScheduler();
    const changes: InterfaceChange[] = [];
    ts.run(() => {
      const { a, b, tapA } = tappedPair(ts, {
        addressesA: ['10.0.0.1', '10.0.0.3'],
        a: { interfacePollInterval: 0 },
      });
      tapA.setAddresses(['10.0.0.1']);
      a.interfaceChanges$.subscribe((c) => changes.push(c));
      connectAgents(a, b, { scheduler: ts });
      ts.schedule(() => tapA.setAddresses(['10.0.0.3']), 1000);
      ts.schedule(() => {
        expect(a.getStats().state).toBe('completed');
        stopAll(a, b);
      }, 60_000);
    });
    expect(changes).toEqual([]);
  });
});
