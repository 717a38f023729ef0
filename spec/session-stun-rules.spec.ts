/**
 * Issue #10, STUN details and peer-reflexive bookkeeping of the core:
 * 420 with UNKNOWN-ATTRIBUTES, responses with unknown comprehension-required
 * attributes, the FINGERPRINT policy, replayed checks, and the valid pair of
 * RFC 8445 §7.2.5.3.2 (local peer-reflexive) and §7.3.1.3 (remote
 * peer-reflexive later signaled).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { IceCredentials } from '../lib/core/credentials.js';
import type { IceSession } from '../lib/core/session.js';
import { decodeStun } from '../lib/stun/message.js';
import { findAttribute } from '../lib/stun/raw.js';
import type { StunMessageView } from '../lib/stun/types.js';
import { hostCandidate, newSession } from './helpers/session-kit.js';
import { introduce, netPeer, SessionNet } from './helpers/session-net.js';

const CRED_A: IceCredentials = { ufrag: 'ufragA', pwd: 'passwordAAAAAAAAAAAAAAAA' };
const CRED_B: IceCredentials = { ufrag: 'ufragB', pwd: 'passwordBBBBBBBBBBBBBBBB' };
const MAGIC = 0x2112a442;

type Attribute = readonly [type: number, value: Buffer];

function attribute([type, value]: Attribute): Buffer {
  const padded = Buffer.alloc(4 + Math.ceil(value.length / 4) * 4);
  padded.writeUInt16BE(type, 0);
  padded.writeUInt16BE(value.length, 2);
  value.copy(padded, 4);
  return padded;
}

/** A STUN message written byte by byte (RFC 8489 §5, §14.5, §14.7), signed with `password`. */
function signedMessage(
  type: number,
  transactionId: Buffer,
  attributes: readonly Attribute[],
  password: string,
  fingerprint = true,
): Buffer {
  const header = Buffer.alloc(20);
  header.writeUInt16BE(type, 0);
  header.writeUInt32BE(MAGIC, 4);
  transactionId.copy(header, 8);
  const body = Buffer.concat(attributes.map(attribute));
  header.writeUInt16BE(body.length + 24, 2);
  const mac = createHmac('sha1', password)
    .update(Buffer.concat([header, body]))
    .digest();
  let message = Buffer.concat([header, body, attribute([0x0008, mac])]);
  if (fingerprint) {
    message.writeUInt16BE(message.length - 20 + 8, 2);
    const value = Buffer.alloc(4);
    value.writeUInt32BE((crc32(message) ^ 0x5354554e) >>> 0, 0);
    message = Buffer.concat([message, attribute([0x8028, value])]);
  }
  return message;
}

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
};
const u64 = (n: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(n, 0);
  return b;
};

/** A controlling check from A to B (USERNAME "ufragB:ufragA", PRIORITY, ICE-CONTROLLING) plus `extra` attributes. */
function checkFromA(
  transactionId: Buffer,
  extra: readonly Attribute[] = [],
  fingerprint = true,
): StunMessageView {
  const bytes = signedMessage(
    0x0001,
    transactionId,
    [[0x0006, Buffer.from('ufragB:ufragA')], [0x0024, u32(1_853_824_767)], [0x802a, u64(5n)], ...extra],
    CRED_B.pwd,
    fingerprint,
  );
  return decodeStun(bytes) as StunMessageView;
}

/** B, controlled, with a host candidate on socket 1, knowing A's credentials. */
function controlledB(): IceSession {
  const b = newSession({ role: 'controlled', tieBreaker: 1n, localCredentials: CRED_B });
  b.addLocalCandidate({ candidate: hostCandidate('10.0.0.2', 2000), socketId: 1 }, 0);
  b.setRemoteCredentials(CRED_A, 0);
  return b;
}

function transmits(s: IceSession): StunMessageView[] {
  const out: StunMessageView[] = [];
  for (let t = s.pollTransmit(); t !== undefined; t = s.pollTransmit())
    out.push(decodeStun(t.data) as StunMessageView);
  return out;
}

describe('STUN rules of the checks (RFC 8489, RFC 8445 §7.2.2, §7.3)', () => {
  it('answers an authenticated check with an unknown comprehension-required attribute with a signed 420 listing it', () => {
    const b = controlledB();
    b.handleStun(1, '10.0.0.1', 1000, checkFromA(randomBytes(12), [[0x7777, Buffer.alloc(4)]]), 0);
    const [answer] = transmits(b);
    expect(answer?.cls).toBe('error');
    expect(answer?.errorCode?.code).toBe(420);
    // UNKNOWN-ATTRIBUTES (0x000A): a list of 16-bit types (RFC 8489 §14.9).
    const raw = Buffer.from((answer as StunMessageView).raw);
    const at = findAttribute(raw, 0x000a);
    expect(at).toBeGreaterThan(0);
    expect(raw.readUInt16BE(at + 2)).toBe(2);
    expect(raw.readUInt16BE(at + 4)).toBe(0x7777);
    expect(answer?.hasIntegrity).toBe(true);
    expect(b.counters.unknownAttributeRequests).toBe(1);
    expect(b.checklist.pairs).toHaveLength(0);
  });

  it('answers a check without FINGERPRINT (MESSAGE-INTEGRITY authenticates it) and counts it', () => {
    const b = controlledB();
    b.handleStun(1, '10.0.0.1', 1000, checkFromA(randomBytes(12), [], false), 0);
    const [answer] = transmits(b);
    expect(answer?.cls).toBe('success');
    expect(b.counters.requestsWithoutFingerprint).toBe(1);
    expect(b.counters.requestsReceived).toBe(1);
  });

  it('drops a signed check replayed from another address: it authenticates nothing there', () => {
    const b = controlledB();
    const check = checkFromA(randomBytes(12));
    b.handleStun(1, '10.0.0.1', 1000, check, 0);
    expect(transmits(b).map((m) => m.cls)).toEqual(['success']);
    // The same bytes again from the same path: a retransmission, answered again.
    b.handleStun(1, '10.0.0.1', 1000, check, 10);
    expect(transmits(b).map((m) => m.cls)).toEqual(['success']);
    // The same bytes from elsewhere: a replay.
    b.handleStun(1, '10.6.6.6', 6666, check, 20);
    expect(transmits(b)).toEqual([]);
    expect(b.counters.replayedRequests).toBe(1);
    expect(b.acceptsDataFrom(1, '10.6.6.6', 6666)).toBe(false);
    expect(b.acceptsDataFrom(1, '10.0.0.1', 1000)).toBe(true);
    expect(b.remoteCandidates.map((c) => c.address)).toEqual(['10.0.0.1']);
  });

  it('discards a success response with an unknown comprehension-required attribute: the check fails', () => {
    const a = newSession({ role: 'controlling', tieBreaker: 9n, localCredentials: CRED_A });
    a.addLocalCandidate({ candidate: hostCandidate('10.0.0.1', 1000), socketId: 1 }, 0);
    a.addRemoteCandidate(hostCandidate('10.0.0.2', 2000), 0);
    a.setRemoteCredentials(CRED_B, 0);
    a.handleTimeout(0);
    const [check] = transmits(a);
    expect(check?.cls).toBe('request');
    const mapped = Buffer.alloc(8);
    mapped.writeUInt16BE(0x0001, 0);
    mapped.writeUInt16BE(1000 ^ 0x2112, 2);
    mapped.writeUInt32BE((0x0a000001 ^ MAGIC) >>> 0, 4);
    const id = Buffer.from((check as StunMessageView).transactionId);
    const bytes = signedMessage(
      0x0101,
      id,
      [
        [0x0020, mapped],
        [0x7777, Buffer.alloc(4)],
      ],
      CRED_B.pwd,
    );
    a.handleStun(1, '10.0.0.2', 2000, decodeStun(bytes) as StunMessageView, 20);
    expect(a.counters.unknownAttributeResponses).toBe(1);
    const pair = a.checklist.pairs[0];
    expect(pair?.state).toBe('failed');
    expect(pair?.valid).toBe(false);
    // The control case: the same response without the unknown attribute makes the pair valid.
    const b = newSession({ role: 'controlling', tieBreaker: 9n, localCredentials: CRED_A });
    b.addLocalCandidate({ candidate: hostCandidate('10.0.0.1', 1000), socketId: 1 }, 0);
    b.addRemoteCandidate(hostCandidate('10.0.0.2', 2000), 0);
    b.setRemoteCredentials(CRED_B, 0);
    b.handleTimeout(0);
    const [check2] = transmits(b);
    const ok = signedMessage(
      0x0101,
      Buffer.from((check2 as StunMessageView).transactionId),
      [[0x0020, mapped]],
      CRED_B.pwd,
    );
    b.handleStun(1, '10.0.0.2', 2000, decodeStun(ok) as StunMessageView, 20);
    expect(b.checklist.pairs[0]?.valid).toBe(true);
  });
});

describe('peer-reflexive bookkeeping', () => {
  function natted() {
    const a = netPeer(
      'A',
      newSession({ role: 'controlling', tieBreaker: 9n, localCredentials: CRED_A }),
      '10.0.0.1',
      1000,
      { address: '203.0.113.7', port: 4000 }, // what B sees of A: a NAT mapping
    );
    const b = netPeer(
      'B',
      newSession({ role: 'controlled', tieBreaker: 1n, localCredentials: CRED_B }),
      '10.0.0.2',
      2000,
    );
    return { a, b, net: new SessionNet([a, b]) };
  }

  it('the valid pair is (local peer-reflexive, remote), not the pair that was checked (RFC 8445 §7.2.5.3.2)', () => {
    const { a, b, net } = natted();
    introduce(a, b);
    net.run(1000);
    const selected = a.session.selectedPair;
    expect(selected?.local.candidate).toMatchObject({ type: 'prflx', address: '203.0.113.7', port: 4000 });
    expect(selected?.local.candidate.relatedAddress).toBe('10.0.0.1');
    expect(selected?.local.socketId).toBe(1); // data leaves from the base's socket
    expect(selected?.remote.address).toBe('10.0.0.2');
    expect(selected?.generatedBy?.local.candidate.type).toBe('host');
    expect(selected?.nominated).toBe(true);
    expect(b.session.selectedPair?.remote).toMatchObject({ type: 'prflx', address: '203.0.113.7' });
  });

  it('a peer-reflexive remote later signaled takes the signaled type and priority, and the selection says so', () => {
    const { a, b, net } = natted();
    introduce(a, b);
    net.run(1000);
    const before = b.session.selectedPair;
    expect(before?.remote.type).toBe('prflx');
    const priorityBefore = before?.priority;
    b.events.length = 0;
    const signaled = {
      ...hostCandidate('203.0.113.7', 4000),
      type: 'srflx' as const,
      foundation: 'srflx1',
      priority: 1_694_498_815,
      relatedAddress: '10.0.0.1',
      relatedPort: 1000,
    };
    expect(b.session.addRemoteCandidate(signaled, 1000)).toBe('added');
    const after = b.session.selectedPair;
    expect(after).toBe(before);
    expect(after?.remote).toBe(signaled);
    expect(after?.foundation.endsWith(':srflx1')).toBe(true);
    expect(after?.priority).not.toBe(priorityBefore);
    expect(b.session.remoteCandidates.map((c) => c.type)).toEqual(['host', 'srflx']);
    net.run(1000);
    expect(b.events.filter((e) => e.type === 'selected-pair')).toHaveLength(1);
  });
});
