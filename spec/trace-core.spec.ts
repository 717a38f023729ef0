/**
 * Trace records of the sans-IO core, driven by hand: what each check from
 * the peer got (success, 400, 401, 420, 487, dropped and why), that a
 * session records nothing while tracing is off, the bounded buffer, and the
 * failure reasons of a checklist that failed.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { checklistFailureReason, createCheckFailureCounts } from '../lib/core/failure-reasons.js';
import type { IceSession } from '../lib/core/session.js';
import { MAX_TRACE_RECORDS, TraceBuffer } from '../lib/core/trace-buffer.js';
import { decodeStun } from '../lib/stun/message.js';
import type { StunMessageView } from '../lib/stun/types.js';
import type { TraceRecord } from '../lib/trace-events.js';
import { hostCandidate, newSession } from './helpers/session-kit.js';

const CRED_A = { ufrag: 'ufragA', pwd: 'passwordAAAAAAAAAAAAAAAA' };
const CRED_B = { ufrag: 'ufragB', pwd: 'passwordBBBBBBBBBBBBBBBB' };

type Attribute = readonly [type: number, value: Buffer];

function attribute([type, value]: Attribute): Buffer {
  const padded = Buffer.alloc(4 + Math.ceil(value.length / 4) * 4);
  padded.writeUInt16BE(type, 0);
  padded.writeUInt16BE(value.length, 2);
  value.copy(padded, 4);
  return padded;
}

/** A Binding request from A to B signed with `password`, plus `extra` attributes; FINGERPRINT `fingerprint` (true: right, 'bad': wrong). */
function checkFromA(
  id: Buffer,
  { password = CRED_B.pwd, extra = [] as readonly Attribute[], fingerprint = true as boolean | 'bad' } = {},
): StunMessageView {
  const header = Buffer.alloc(20);
  header.writeUInt16BE(0x0001, 0);
  header.writeUInt32BE(0x2112a442, 4);
  id.copy(header, 8);
  const priority = Buffer.alloc(4);
  priority.writeUInt32BE(1_853_824_767);
  const tieBreaker = Buffer.alloc(8);
  tieBreaker.writeBigUInt64BE(5n);
  const attributes: Attribute[] = [
    [0x0006, Buffer.from('ufragB:ufragA')],
    [0x0024, priority],
    [0x802a, tieBreaker],
  ];
  const body = Buffer.concat([...attributes, ...extra].map(attribute));
  header.writeUInt16BE(body.length + 24, 2);
  const mac = createHmac('sha1', password)
    .update(Buffer.concat([header, body]))
    .digest();
  let message = Buffer.concat([header, body, attribute([0x0008, mac])]);
  if (fingerprint) {
    message.writeUInt16BE(message.length - 20 + 8, 2);
    const value = Buffer.alloc(4);
    value.writeUInt32BE(((crc32(message) ^ 0x5354554e) + (fingerprint === 'bad' ? 1 : 0)) >>> 0, 0);
    message = Buffer.concat([message, attribute([0x8028, value])]);
  }
  return decodeStun(message) as StunMessageView;
}

/** B, controlled (or controlling), host candidate on socket 1, knowing A's credentials, tracing on. */
function sessionB(role: 'controlled' | 'controlling' = 'controlled', tieBreaker = 1n): IceSession {
  const b = newSession({ role, tieBreaker, localCredentials: CRED_B });
  b.trace.enabled = true;
  b.addLocalCandidate({ candidate: hostCandidate('10.0.0.2', 2000), socketId: 1 }, 0);
  b.setRemoteCredentials(CRED_A, 0);
  return b;
}

function records(s: IceSession): TraceRecord[] {
  const out: TraceRecord[] = [];
  s.trace.drain((r) => out.push(r));
  return out;
}

function requests(s: IceSession) {
  return records(s).filter((r) => r.type === 'request-received');
}

describe('request-received: what each check from the peer got', () => {
  it('success, with its pair, transaction ID and USE-CANDIDATE', () => {
    const b = sessionB();
    const id = randomBytes(12);
    b.handleStun(1, '10.0.0.1', 1000, checkFromA(id, { extra: [[0x0025, Buffer.alloc(0)]] }), 0);
    expect(requests(b)).toEqual([
      {
        type: 'request-received',
        transactionId: id.toString('hex'),
        from: '10.0.0.1:1000',
        socketId: 1,
        pairId: 1,
        useCandidate: true,
        outcome: 'success',
      },
    ]);
  });

  it.each([
    ['401: signed with another password', { password: 'wrong-password-wrong-pw' }, 401, 'Unauthorized'],
    [
      '420: an unknown comprehension-required attribute',
      { extra: [[0x7777, Buffer.alloc(4)]] as Attribute[] },
      420,
      'Unknown Attribute',
    ],
  ])('%s', (_name, options, code, reason) => {
    const b = sessionB();
    b.handleStun(1, '10.0.0.1', 1000, checkFromA(randomBytes(12), options), 0);
    expect(requests(b)).toEqual([
      expect.objectContaining({ outcome: 'error', code, reason, pairId: undefined }),
    ]);
  });

  it('400: no USERNAME and no MESSAGE-INTEGRITY', () => {
    const b = sessionB();
    const bare = Buffer.alloc(20);
    bare.writeUInt16BE(0x0001, 0);
    bare.writeUInt32BE(0x2112a442, 4);
    b.handleStun(1, '10.0.0.1', 1000, decodeStun(bare) as StunMessageView, 0);
    expect(requests(b)).toEqual([
      expect.objectContaining({ outcome: 'error', code: 400, reason: 'Bad Request' }),
    ]);
  });

  it('487: both controlling and our tie-breaker wins', () => {
    const b = sessionB('controlling', 99n);
    b.handleStun(1, '10.0.0.1', 1000, checkFromA(randomBytes(12)), 0);
    expect(requests(b)).toEqual([
      expect.objectContaining({ outcome: 'error', code: 487, reason: 'Role Conflict' }),
    ]);
  });

  it('dropped: wrong FINGERPRINT, a replay from another address, a socket without candidate', () => {
    const b = sessionB();
    b.handleStun(1, '10.0.0.1', 1000, checkFromA(randomBytes(12), { fingerprint: 'bad' }), 0);
    const replayed = checkFromA(randomBytes(12));
    b.handleStun(1, '10.0.0.1', 1000, replayed, 0);
    b.handleStun(1, '10.0.0.66', 1000, replayed, 5);
    b.handleStun(7, '10.0.0.1', 1000, checkFromA(randomBytes(12)), 5);
    expect(requests(b).map((r) => [r.outcome, r.reason])).toEqual([
      ['dropped', 'bad-fingerprint'],
      ['success', undefined],
      ['dropped', 'replayed'],
      ['dropped', 'unmatched'],
    ]);
    expect(b.counters).toMatchObject({ badFingerprintPackets: 1, replayedRequests: 1, unmatchedPackets: 1 });
  });
});

describe('tracing switched off', () => {
  it('records nothing, and the session behaves the same', () => {
    const b = sessionB();
    b.trace.enabled = false;
    b.handleStun(1, '10.0.0.1', 1000, checkFromA(randomBytes(12)), 0);
    b.handleTimeout(100);
    expect(records(b)).toEqual([]);
    expect(b.counters.responsesSent).toBe(1);
    expect(b.counters.requestsSent).toBe(1);
  });
});

describe('TraceBuffer', () => {
  it(`keeps ${MAX_TRACE_RECORDS} records between drains, then counts the rest as one trace-lost record`, () => {
    const buffer = new TraceBuffer();
    for (let i = 0; i < MAX_TRACE_RECORDS + 6; i++) buffer.push({ type: 'keepalive-sent', pairId: i });
    const out: TraceRecord[] = [];
    buffer.drain((r) => out.push(r));
    expect(out).toHaveLength(MAX_TRACE_RECORDS + 1);
    expect(out.at(-2)).toEqual({ type: 'keepalive-sent', pairId: MAX_TRACE_RECORDS - 1 });
    expect(out.at(-1)).toEqual({ type: 'trace-lost', count: 6 });
    const again: TraceRecord[] = [];
    buffer.drain((r) => again.push(r));
    expect(again).toEqual([]);
  });
});

describe('checklistFailureReason', () => {
  const counts = (c: Partial<ReturnType<typeof createCheckFailureCounts>>) => ({
    ...createCheckFailureCounts(),
    ...c,
  });
  const facts = { pairableLocalCandidates: 1, remoteCandidates: 1, turnRefused: false };
  it.each([
    ['no local candidate', { ...facts, pairableLocalCandidates: 0 }, {}, 'no-local-candidates'],
    [
      'no local candidate, TURN refused',
      { ...facts, pairableLocalCandidates: 0, turnRefused: true },
      {},
      'turn-refused',
    ],
    ['no remote candidate', { ...facts, remoteCandidates: 0 }, {}, 'no-remote-candidates'],
    ['only 401s', facts, { unauthorized: 3 }, 'credentials-rejected'],
    ['401s and timeouts, nothing answered', facts, { unauthorized: 1, timeouts: 4 }, 'credentials-rejected'],
    ['only timeouts', facts, { timeouts: 5 }, 'checks-timed-out'],
    ['timeouts after an answer', facts, { timeouts: 5, answered: 1 }, 'checks'],
    ['other errors', facts, { other: 1, timeouts: 1 }, 'checks'],
  ] as const)('%s', (_name, f, c, reason) => {
    expect(checklistFailureReason({ ...f, checks: counts(c) })).toBe(reason);
  });
});
