/**
 * The TURN client state machine (lib/turn/allocation.ts) against scripted
 * server answers, in plain numbers for time: long-term authentication,
 * stale nonces, error codes, refresh / permission / channel timing, the data
 * paths and deallocation.
 */
import { describe, expect, it } from 'vitest';
import { decodeStun } from '../lib/stun/message.js';
import { StunMethod } from '../lib/stun/types.js';
import { TurnAllocation } from '../lib/turn/allocation.js';
import { decodeChannelData, encodeChannelData } from '../lib/turn/channel-data.js';
import { DEFAULT_SERVER_RETRANSMISSION } from '../lib/turn/transactions.js';
import type { TurnEvent } from '../lib/turn/turn-types.js';
import { MAPPED, METHOD_NAMES, PASS, RELAYED, ScriptedTurnServer, USER } from './helpers/scripted-turn.js';

const PEER = { address: '192.0.2.50', port: 6000 };
const bytes = (text: string) => new TextEncoder().encode(text);

function newAllocation(options: { reliable?: boolean } = {}): TurnAllocation {
  return new TurnAllocation({
    username: USER,
    password: PASS,
    reliable: options.reliable ?? false,
    retransmission: DEFAULT_SERVER_RETRANSMISSION,
  });
}

function events(allocation: TurnAllocation): TurnEvent[] {
  const out: TurnEvent[] = [];
  for (let e = allocation.pollEvent(); e; e = allocation.pollEvent()) out.push(e);
  return out;
}

function sent(allocation: TurnAllocation): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let b = allocation.pollTransmit(); b; b = allocation.pollTransmit()) out.push(b);
  return out;
}

/** Runs the 401 challenge and a successful authenticated Allocate at time `now`. */
function allocate(server = new ScriptedTurnServer(), lifetime = 600, now = 0) {
  const allocation = newAllocation();
  allocation.start(now);
  const first = server.read(allocation.pollTransmit());
  allocation.handleInbound(server.challenge(first), now);
  const second = server.read(allocation.pollTransmit());
  allocation.handleInbound(server.allocated(second, lifetime), now);
  events(allocation);
  return { allocation, server };
}

/** Grants the pending CreatePermission for PEER at `now`. */
function grantPermission(allocation: TurnAllocation, server: ScriptedTurnServer, now: number) {
  allocation.send(PEER.address, PEER.port, bytes('first'), now);
  const request = server.read(allocation.pollTransmit());
  expect(METHOD_NAMES[request.method]).toBe('CreatePermission');
  allocation.handleInbound(server.success(request), now);
  return sent(allocation);
}

describe('TurnAllocation: 437 Allocation Mismatch (an allocation of ours still on the 5-tuple)', () => {
  /** Runs the 401 challenge and answers the authenticated Allocate with 437; returns what came next. */
  function mismatched(server: ScriptedTurnServer) {
    const allocation = newAllocation();
    allocation.start(0);
    allocation.handleInbound(server.challenge(server.read(allocation.pollTransmit())), 10);
    const signed = server.read(allocation.pollTransmit());
    allocation.handleInbound(server.error(signed, 437, 'Allocation Mismatch'), 20);
    return { allocation, next: server.read(allocation.pollTransmit()) };
  }

  it('deletes it with a signed Refresh LIFETIME 0, then allocates again', () => {
    const server = new ScriptedTurnServer();
    const { allocation, next } = mismatched(server);
    expect(METHOD_NAMES[next.method]).toBe('Refresh');
    expect(next.lifetime).toBe(0);
    server.expectSigned(next);
    expect(events(allocation)).toEqual([]); // not a failure (yet)
    // The old allocation may already be gone (its own Refresh arrived late): a 437 answer does too.
    allocation.handleInbound(server.error(next, 437, 'Allocation Mismatch'), 30);
    const again = server.read(allocation.pollTransmit());
    expect(METHOD_NAMES[again.method]).toBe('Allocate');
    allocation.handleInbound(server.allocated(again), 40);
    expect(events(allocation)).toMatchObject([{ type: 'allocated' }]);
    expect(allocation.state).toBe('allocated');
  });

  it('retransmits that Refresh like any request, and allocates again when it gets no answer', () => {
    const server = new ScriptedTurnServer();
    const { allocation } = mismatched(server);
    let now = 20;
    const refreshes: number[] = [];
    for (
      let next = allocation.nextTimeout();
      next !== undefined && refreshes.length < 20;
      next = allocation.nextTimeout()
    ) {
      now = next;
      allocation.handleTimeout(now);
      const out = sent(allocation).map((b) => server.read(b));
      refreshes.push(...out.filter((m) => METHOD_NAMES[m.method] === 'Refresh').map(() => now));
      if (out.some((m) => METHOD_NAMES[m.method] === 'Allocate')) break;
    }
    expect(refreshes.length).toBeGreaterThan(1); // retransmitted
    expect(allocation.state).toBe('allocating'); // and the Allocate went out again
  });

  it('fails on a second 437: the 5-tuple belongs to someone else', () => {
    const server = new ScriptedTurnServer();
    const { allocation, next } = mismatched(server);
    allocation.handleInbound(server.success(next), 30);
    const again = server.read(allocation.pollTransmit());
    allocation.handleInbound(server.error(again, 437, 'Allocation Mismatch'), 40);
    expect(events(allocation)).toMatchObject([
      { type: 'error', kind: 'turn-allocate', code: 437, fatal: true },
    ]);
    expect(allocation.state).toBe('failed');
  });
});

describe('TurnAllocation: Allocate with long-term credentials', () => {
  it('sends an unauthenticated Allocate, answers the 401 with USERNAME/REALM/NONCE/MESSAGE-INTEGRITY', () => {
    const server = new ScriptedTurnServer();
    const allocation = newAllocation();
    allocation.start(0);
    const first = server.read(allocation.pollTransmit());
    expect(METHOD_NAMES[first.method]).toBe('Allocate');
    expect(first.hasIntegrity).toBe(false);
    expect(first.username).toBeUndefined();
    expect(first.lifetime).toBe(600);
    expect(first.unknownComprehensionRequired).toContain(0x0019); // REQUESTED-TRANSPORT (not decoded by the view)
    expect(first.raw.subarray(20).includes(17)).toBe(true);

    allocation.handleInbound(server.challenge(first), 10);
    const second = server.read(allocation.pollTransmit());
    expect(METHOD_NAMES[second.method]).toBe('Allocate');
    expect(Buffer.from(second.transactionId)).not.toEqual(Buffer.from(first.transactionId));
    server.expectSigned(second);

    allocation.handleInbound(server.allocated(second), 20);
    expect(events(allocation)).toEqual([
      { type: 'allocated', relayed: RELAYED, mapped: MAPPED, lifetime: 600 },
    ]);
    expect(allocation.state).toBe('allocated');
    expect(allocation.counters.allocations).toBe(1);
  });

  it('ignores a success response that is not signed with the long-term key', () => {
    const server = new ScriptedTurnServer();
    const allocation = newAllocation();
    allocation.start(0);
    allocation.handleInbound(server.challenge(server.read(allocation.pollTransmit())), 0);
    const request = server.read(allocation.pollTransmit());
    const tampered = Buffer.from(server.allocated(request));
    tampered.writeUInt8(tampered.readUInt8(tampered.length - 20) ^ 0xff, tampered.length - 20); // flip a MESSAGE-INTEGRITY byte
    allocation.handleInbound(tampered, 5);
    expect(allocation.state).toBe('allocating');
    expect(allocation.counters.unauthenticatedResponses).toBe(1);
    allocation.handleInbound(server.allocated(request), 6);
    expect(allocation.state).toBe('allocated');
  });

  it('retries with the new nonce after 438 Stale Nonce', () => {
    const server = new ScriptedTurnServer();
    const allocation = newAllocation();
    allocation.start(0);
    allocation.handleInbound(server.challenge(server.read(allocation.pollTransmit())), 0);
    const signed = server.read(allocation.pollTransmit());
    allocation.handleInbound(server.staleNonce(signed, 'nonce-2'), 10);
    const retried = server.read(allocation.pollTransmit());
    server.expectSigned(retried);
    expect(retried.nonce).toBe('nonce-2');
    allocation.handleInbound(server.allocated(retried), 20);
    expect(allocation.state).toBe('allocated');
  });

  it('gives up after three stale nonces in a row', () => {
    const server = new ScriptedTurnServer();
    const allocation = newAllocation();
    allocation.start(0);
    allocation.handleInbound(server.challenge(server.read(allocation.pollTransmit())), 0);
    for (let i = 2; i <= 5; i++) {
      allocation.handleInbound(server.staleNonce(server.read(allocation.pollTransmit()), `nonce-${i}`), i);
    }
    expect(allocation.pollTransmit()).toBeUndefined();
    expect(events(allocation)).toEqual([
      { type: 'error', kind: 'turn-allocate', code: 438, reason: 'Stale Nonce', fatal: true },
    ]);
  });

  it('reports a 401 to the authenticated request as wrong credentials (fatal)', () => {
    const server = new ScriptedTurnServer();
    const allocation = newAllocation();
    allocation.start(0);
    allocation.handleInbound(server.challenge(server.read(allocation.pollTransmit())), 0);
    allocation.handleInbound(server.challenge(server.read(allocation.pollTransmit())), 10);
    expect(allocation.pollTransmit()).toBeUndefined();
    const [error] = events(allocation);
    expect(error).toMatchObject({ type: 'error', kind: 'turn-allocate', code: 401, fatal: true });
    expect(error?.type === 'error' && error.reason).toMatch(/wrong username or credential/);
    expect(allocation.state).toBe('failed');
    expect(allocation.nextTimeout()).toBeUndefined();
  });

  it.each([
    [403, 'Forbidden'],
    [486, 'Allocation Quota Reached'],
    [508, 'Insufficient Capacity'],
  ])('turns %i %s into a fatal turn-allocate error event (437: see its own tests)', (code, reason) => {
    const server = new ScriptedTurnServer();
    const allocation = newAllocation();
    allocation.start(0);
    allocation.handleInbound(server.challenge(server.read(allocation.pollTransmit())), 0);
    allocation.handleInbound(server.error(server.read(allocation.pollTransmit()), code, reason), 10);
    expect(events(allocation)).toEqual([{ type: 'error', kind: 'turn-allocate', code, reason, fatal: true }]);
    expect(allocation.state).toBe('failed');
  });

  it('retransmits an unanswered Allocate at 0, 500, 1500, 3100 ms and gives up at 4700 ms', () => {
    const allocation = newAllocation();
    allocation.start(0);
    const times: number[] = [];
    let now = 0;
    for (let guard = 0; guard < 20 && allocation.state === 'allocating'; guard++) {
      if (sent(allocation).length > 0) times.push(now);
      now = allocation.nextTimeout() ?? now;
      allocation.handleTimeout(now);
    }
    expect(times).toEqual([0, 500, 1500, 3100]);
    expect(now).toBe(4700);
    expect(events(allocation)).toEqual([
      expect.objectContaining({ type: 'error', kind: 'turn-allocate', fatal: true }),
    ]);
  });

  it('over TCP sends once and times out after the same 4.7 s', () => {
    const allocation = newAllocation({ reliable: true });
    allocation.start(0);
    expect(sent(allocation)).toHaveLength(1);
    expect(allocation.nextTimeout()).toBe(4700);
    allocation.handleTimeout(4700);
    expect(sent(allocation)).toHaveLength(0);
    expect(allocation.state).toBe('failed');
  });

  it('drops garbage and unmatched responses from the server, counting them', () => {
    const { allocation, server } = allocate();
    allocation.handleInbound(new Uint8Array([0, 1, 0, 0]), 1);
    allocation.handleInbound(server.success(server.read(newAllocationRequest())), 2);
    expect(allocation.counters.droppedPackets).toBe(2);
    expect(allocation.state).toBe('allocated');
  });
});

/** Some request the allocation never sent (for unmatched-response tests). */
function newAllocationRequest(): Uint8Array {
  const other = newAllocation();
  other.start(0);
  return other.pollTransmit() as Uint8Array;
}

describe('TurnAllocation: refresh timing', () => {
  it('refreshes a 600 s allocation at 540 s and reschedules from the granted lifetime', () => {
    const { allocation, server } = allocate(undefined, 600, 0);
    expect(allocation.nextTimeout()).toBe(540_000);
    allocation.handleTimeout(540_000);
    const refresh = server.read(allocation.pollTransmit());
    expect(METHOD_NAMES[refresh.method]).toBe('Refresh');
    expect(refresh.lifetime).toBe(600);
    server.expectSigned(refresh);
    allocation.handleInbound(server.success(refresh, [{ kind: 'lifetime', value: 300 }]), 540_010);
    expect(allocation.counters.refreshes).toBe(1);
    expect(allocation.nextTimeout()).toBe(540_010 + 240_000);
  });

  it('refreshes a short lifetime at half-time', () => {
    const { allocation } = allocate(undefined, 60, 0);
    expect(allocation.nextTimeout()).toBe(30_000);
  });

  it('answers a 438 on Refresh with the new nonce', () => {
    const { allocation, server } = allocate();
    allocation.handleTimeout(540_000);
    allocation.handleInbound(server.staleNonce(server.read(allocation.pollTransmit()), 'n2'), 540_001);
    const again = server.read(allocation.pollTransmit());
    expect(again.nonce).toBe('n2');
    allocation.handleInbound(server.success(again, [{ kind: 'lifetime', value: 600 }]), 540_002);
    expect(allocation.state).toBe('allocated');
    expect(events(allocation)).toEqual([]);
  });

  it('reports a refused Refresh (437) as a fatal turn-refresh error', () => {
    const { allocation, server } = allocate();
    allocation.handleTimeout(540_000);
    allocation.handleInbound(
      server.error(server.read(allocation.pollTransmit()), 437, 'Allocation Mismatch'),
      540_001,
    );
    expect(events(allocation)).toEqual([
      { type: 'error', kind: 'turn-refresh', code: 437, reason: 'Allocation Mismatch', fatal: true },
    ]);
    expect(allocation.state).toBe('failed');
  });

  it('retries a Refresh that timed out while the allocation is alive, then fails at expiry', () => {
    const { allocation } = allocate(undefined, 600, 0);
    let now = 540_000;
    for (let guard = 0; guard < 200 && allocation.state === 'allocated'; guard++) {
      allocation.handleTimeout(now);
      sent(allocation);
      now = allocation.nextTimeout() ?? now;
    }
    const all = events(allocation);
    expect(all.length).toBeGreaterThan(5);
    expect(all.slice(0, -1).every((e) => e.type === 'error' && !e.fatal && e.kind === 'turn-refresh')).toBe(
      true,
    );
    expect(all.at(-1)).toMatchObject({ kind: 'turn-refresh', fatal: true });
    expect(now).toBeLessThanOrEqual(600_000);
  });
});

describe('TurnAllocation: permissions and the data path', () => {
  it('holds data while CreatePermission runs, then sends it in a Send indication', () => {
    const { allocation, server } = allocate();
    expect(allocation.send(PEER.address, PEER.port, bytes('first'), 100)).toBe(true);
    const request = server.read(allocation.pollTransmit());
    expect(METHOD_NAMES[request.method]).toBe('CreatePermission');
    expect(request.xorPeerAddress?.address).toBe(PEER.address);
    server.expectSigned(request);
    expect(allocation.pollTransmit()).toBeUndefined(); // nothing before the permission exists
    allocation.handleInbound(server.success(request), 110);
    const [indication] = sent(allocation).map((b) => decodeStun(b));
    expect(indication).toMatchObject({ cls: 'indication', method: StunMethod.Send, xorPeerAddress: PEER });
    expect(new TextDecoder().decode(indication?.data)).toBe('first');
    expect(allocation.counters).toMatchObject({ permissions: 1, relayedPacketsSent: 1, relayedBytesSent: 5 });
  });

  it('refreshes a permission every 240 s', () => {
    const { allocation, server } = allocate();
    grantPermission(allocation, server, 1000);
    expect(allocation.nextTimeout()).toBe(241_000);
    allocation.handleTimeout(241_000);
    const refresh = server.read(allocation.pollTransmit());
    expect(METHOD_NAMES[refresh.method]).toBe('CreatePermission');
    allocation.handleInbound(server.success(refresh), 241_010);
    expect(allocation.nextTimeout()).toBe(481_010);
    expect(allocation.counters.permissions).toBe(2);
  });

  it('reports a refused permission without ending the allocation, drops what waited, retries after 5 s', () => {
    const { allocation, server } = allocate();
    allocation.send(PEER.address, PEER.port, bytes('a'), 0);
    allocation.send(PEER.address, PEER.port, bytes('b'), 0);
    const request = server.read(allocation.pollTransmit());
    allocation.handleInbound(server.error(request, 403, 'Forbidden'), 10);
    expect(events(allocation)).toEqual([
      {
        type: 'error',
        kind: 'turn-permission',
        code: 403,
        reason: 'Forbidden',
        peer: PEER.address,
        fatal: false,
      },
    ]);
    expect(allocation.state).toBe('allocated');
    expect(allocation.counters.droppedPackets).toBe(2);
    expect(allocation.send(PEER.address, PEER.port, bytes('c'), 1000)).toBe(false); // still failed
    expect(allocation.pollTransmit()).toBeUndefined();
    expect(allocation.send(PEER.address, PEER.port, bytes('d'), 5010)).toBe(true); // retried
    expect(METHOD_NAMES[server.read(allocation.pollTransmit()).method]).toBe('CreatePermission');
  });

  it('drops (never throws) datagrams for a peer that is not an IP address, or too large to relay', () => {
    const { allocation } = allocate();
    expect(allocation.send('f3b5c1d2-0000-4000-8000-000000000000.local', 5000, bytes('x'), 0)).toBe(false);
    expect(allocation.send(PEER.address, PEER.port, new Uint8Array(65_535), 0)).toBe(false);
    expect(() => allocation.bindChannel({ address: 'not-an-ip', port: 1 }, 0)).not.toThrow();
    expect(events(allocation)).toEqual([
      expect.objectContaining({ kind: 'turn-channel', fatal: false, peer: 'not-an-ip:1' }),
    ]);
    expect(allocation.counters.droppedPackets).toBe(2);
  });

  it('bounds the datagrams waiting for a permission', () => {
    const { allocation } = allocate();
    const results = Array.from({ length: 10 }, (_, i) =>
      allocation.send(PEER.address, PEER.port, bytes(`${i}`), 0),
    );
    expect(results.filter(Boolean)).toHaveLength(8);
    expect(allocation.counters.droppedPackets).toBe(2);
  });

  it('delivers Data indications only from peers with a permission', () => {
    const { allocation, server } = allocate();
    allocation.handleInbound(server.dataIndication(PEER, bytes('too early')), 5);
    expect(events(allocation)).toEqual([
      { type: 'dropped', reason: 'no-permission', length: expect.any(Number) },
    ]);
    grantPermission(allocation, server, 10);
    allocation.handleInbound(server.dataIndication({ ...PEER, port: 7000 }, bytes('hi')), 20);
    const [event] = events(allocation);
    expect(event).toMatchObject({ type: 'data', address: PEER.address, port: 7000 });
    expect(allocation.counters).toMatchObject({
      droppedPackets: 1,
      relayedPacketsReceived: 1,
      relayedBytesReceived: 2,
    });
  });

  it('binds channel 0x4000, switches to ChannelData once bound, refreshes it at 540 s', () => {
    const { allocation, server } = allocate();
    grantPermission(allocation, server, 0);
    allocation.bindChannel(PEER, 100);
    const bind = server.read(allocation.pollTransmit());
    expect(METHOD_NAMES[bind.method]).toBe('ChannelBind');
    expect(bind.channelNumber).toBe(0x4000);
    expect(bind.xorPeerAddress).toEqual(PEER);
    server.expectSigned(bind);
    // Until the server confirms, data keeps using Send indications.
    allocation.send(PEER.address, PEER.port, bytes('x'), 105);
    expect(decodeStun(allocation.pollTransmit() as Uint8Array)?.method).toBe(StunMethod.Send);
    allocation.handleInbound(server.success(bind), 110);
    allocation.send(PEER.address, PEER.port, bytes('hello'), 120);
    const frame = allocation.pollTransmit() as Uint8Array;
    expect(frame).toHaveLength(4 + 5); // UDP: no padding
    const decoded = decodeChannelData(frame);
    expect(decoded?.channel).toBe(0x4000);
    expect(Buffer.from(decoded?.data ?? []).toString()).toBe('hello');
    // Inbound ChannelData on the bound channel is the peer's; on another channel it is dropped.
    allocation.handleInbound(encodeChannelData(0x4000, bytes('back'), false), 130);
    allocation.handleInbound(encodeChannelData(0x4001, bytes('nobody'), false), 131);
    const delivered = events(allocation);
    expect(delivered).toMatchObject([
      { type: 'data', address: PEER.address, port: PEER.port },
      { type: 'dropped', reason: 'unknown-channel', length: 4 + 6 },
    ]);
    expect(Buffer.from((delivered[0] as { data: Uint8Array }).data).toString()).toBe('back');
    // Channel refresh at 110 + 540 s (the permission refresh comes first, at 240 s).
    allocation.handleTimeout(240_000);
    const permissionRefresh = server.read(allocation.pollTransmit());
    expect(METHOD_NAMES[permissionRefresh.method]).toBe('CreatePermission');
    allocation.handleInbound(server.success(permissionRefresh), 240_010);
    allocation.handleTimeout(540_110); // the allocation (540 s) and permission (480 s) refreshes are due too
    const due = sent(allocation).map((b) => server.read(b));
    expect(due.map((m) => METHOD_NAMES[m.method])).toEqual(['Refresh', 'CreatePermission', 'ChannelBind']);
    expect(due[2]?.channelNumber).toBe(0x4000);
  });

  it('receives ChannelData that overtakes the ChannelBind success (the server binds before it answers)', () => {
    const { allocation, server } = allocate();
    grantPermission(allocation, server, 0);
    allocation.bindChannel(PEER, 100);
    const bind = server.read(allocation.pollTransmit());
    allocation.handleInbound(encodeChannelData(0x4000, bytes('early'), false), 101);
    const delivered = events(allocation);
    expect(delivered).toMatchObject([{ type: 'data', address: PEER.address, port: PEER.port }]);
    expect(Buffer.from((delivered[0] as { data: Uint8Array }).data).toString()).toBe('early');
    // A refused channel receives nothing.
    allocation.handleInbound(server.error(bind, 400, 'Bad Request'), 102);
    events(allocation);
    allocation.handleInbound(encodeChannelData(0x4000, bytes('late'), false), 103);
    expect(events(allocation)).toEqual([{ type: 'dropped', reason: 'unknown-channel', length: 4 + 4 }]);
    expect(allocation.counters.droppedPackets).toBe(1);
  });

  it('still receives ChannelData on a channel whose ChannelBind went unanswered (the server may have bound it)', () => {
    // Explore seed 20261217 (#73352): every ChannelBind response was lost on a lossy server link; the
    // server had bound the channel and relayed the peer's data as ChannelData, which was dropped.
    const { allocation, server } = allocate();
    grantPermission(allocation, server, 0);
    allocation.bindChannel(PEER, 100);
    let failed: TurnEvent[] = [];
    for (let t = 100; t <= 60_000 && failed.length === 0; t += 100) {
      allocation.handleTimeout(t);
      sent(allocation);
      failed = events(allocation).filter((e) => e.type === 'error');
    }
    expect(failed).toEqual([
      expect.objectContaining({ kind: 'turn-channel', fatal: false, code: undefined }),
    ]);
    allocation.handleInbound(encodeChannelData(0x4000, bytes('bound anyway'), false), 60_100);
    const delivered = events(allocation);
    expect(delivered).toMatchObject([{ type: 'data', address: PEER.address, port: PEER.port }]);
    expect(Buffer.from((delivered[0] as { data: Uint8Array }).data).toString()).toBe('bound anyway');
    // Our data to the peer stays on Send indications: the binding was never confirmed.
    allocation.send(PEER.address, PEER.port, bytes('x'), 60_200);
    expect(decodeStun(allocation.pollTransmit() as Uint8Array)?.method).toBe(StunMethod.Send);
  });

  it('receives a Data indication that overtakes the CreatePermission success', () => {
    const { allocation, server } = allocate();
    allocation.send(PEER.address, PEER.port, bytes('first'), 0);
    const request = server.read(allocation.pollTransmit());
    allocation.handleInbound(server.dataIndication(PEER, bytes('early')), 1);
    expect(events(allocation)).toMatchObject([{ type: 'data', address: PEER.address, port: PEER.port }]);
    allocation.handleInbound(server.error(request, 403, 'Forbidden'), 2);
    events(allocation);
    allocation.handleInbound(server.dataIndication(PEER, bytes('refused')), 3);
    expect(events(allocation)).toEqual([
      { type: 'dropped', reason: 'no-permission', length: expect.any(Number) },
    ]);
  });

  it('pads ChannelData to 4 bytes over TCP', () => {
    const server = new ScriptedTurnServer();
    const allocation = newAllocation({ reliable: true });
    allocation.start(0);
    allocation.handleInbound(server.challenge(server.read(allocation.pollTransmit())), 0);
    allocation.handleInbound(server.allocated(server.read(allocation.pollTransmit())), 0);
    allocation.bindChannel(PEER, 0);
    allocation.handleInbound(server.success(server.read(allocation.pollTransmit())), 0);
    allocation.send(PEER.address, PEER.port, bytes('hello'), 1);
    expect(allocation.pollTransmit()).toHaveLength(12);
  });

  it('reports a failed ChannelBind without ending anything; data stays on Send indications', () => {
    const { allocation, server } = allocate();
    grantPermission(allocation, server, 0);
    allocation.bindChannel(PEER, 0);
    allocation.handleInbound(server.error(server.read(allocation.pollTransmit()), 400, 'Bad Request'), 5);
    expect(events(allocation)).toEqual([
      {
        type: 'error',
        kind: 'turn-channel',
        code: 400,
        reason: 'Bad Request',
        peer: '192.0.2.50:6000',
        fatal: false,
      },
    ]);
    allocation.send(PEER.address, PEER.port, bytes('x'), 10);
    expect(decodeStun(allocation.pollTransmit() as Uint8Array)?.method).toBe(StunMethod.Send);
  });
});

describe('TurnAllocation: deallocation', () => {
  it('sends one signed Refresh with LIFETIME 0 on close and then stays silent', () => {
    const { allocation, server } = allocate();
    allocation.close(1000);
    const refresh = server.read(allocation.pollTransmit());
    expect(METHOD_NAMES[refresh.method]).toBe('Refresh');
    expect(refresh.lifetime).toBe(0);
    server.expectSigned(refresh);
    expect(allocation.pollTransmit()).toBeUndefined();
    expect(allocation.nextTimeout()).toBeUndefined();
    expect(allocation.send(PEER.address, PEER.port, bytes('late'), 1001)).toBe(false);
    allocation.close(1002);
    expect(allocation.pollTransmit()).toBeUndefined();
    expect(allocation.counters.deallocations).toBe(1);
  });

  it('sends nothing on close before the allocation exists', () => {
    const allocation = newAllocation();
    allocation.start(0);
    sent(allocation);
    allocation.close(10);
    expect(allocation.pollTransmit()).toBeUndefined();
    expect(allocation.state).toBe('closed');
  });
});
