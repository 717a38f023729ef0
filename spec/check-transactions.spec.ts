/**
 * The checks in flight (lib/core/transactions.ts) and the checks a TURN
 * relay holds for a permission (lib/turn/peers.ts): after checking
 * concludes, nothing of either goes out again (RFC 8445 §8.1.2).
 */
import { describe, expect, it } from 'vitest';
import { createPair } from '../lib/core/pair.js';
import { DEFAULT_RETRANSMISSION } from '../lib/core/retransmission.js';
import { type CheckTransaction, CheckTransactions } from '../lib/core/transactions.js';
import { buildBindingIndication, buildBindingRequest, shortTermKey } from '../lib/stun/message.js';
import { isBindingRequest } from '../lib/stun/raw.js';
import { TurnPeers } from '../lib/turn/peers.js';
import { hostCandidate } from './helpers/session-kit.js';

const pair = createPair(
  1,
  { candidate: hostCandidate('10.0.0.1', 5000), socketId: 1 },
  hostCandidate('10.0.0.2', 5000),
  'controlling',
);

function check(firstSentAt: number): CheckTransaction {
  return {
    pair,
    bytes: new Uint8Array(20),
    useCandidate: false,
    role: 'controlling',
    firstSentAt,
    attempts: 1,
    rto: 100,
    nextAt: firstSentAt + 100,
    cancelled: false,
  };
}

describe('CheckTransactions', () => {
  it('supersedes a pair check still in flight when a new one starts, so cancelling the pair stops both', () => {
    const transactions = new CheckTransactions();
    const first = check(0);
    const second = check(50);
    transactions.start('a', first, DEFAULT_RETRANSMISSION);
    transactions.start('b', second, DEFAULT_RETRANSMISSION);
    expect(first.cancelled).toBe(true);
    expect(second.cancelled).toBe(false);
    transactions.cancelPairs([pair], DEFAULT_RETRANSMISSION);
    const resent: number[] = [];
    for (let now = 0; now <= 60_000; now += 10) {
      transactions.handleTimeout(
        now,
        DEFAULT_RETRANSMISSION,
        (tx) => resent.push(tx.firstSentAt),
        () => {},
      );
    }
    expect(resent).toEqual([]);
    expect(transactions.size).toBe(0);
  });
});

describe('TurnPeers.dropQueued', () => {
  it('drops the held Binding requests and keeps everything else', () => {
    const peers = new TurnPeers(4);
    const permission = peers.addPermission('192.0.2.1');
    if (!permission) throw new Error('no permission');
    const request = buildBindingRequest({
      username: 'a:b',
      key: shortTermKey('p'.repeat(22)),
      priority: 1,
      role: 'controlling',
      tieBreaker: 1n,
      useCandidate: false,
    }).bytes;
    const indication = buildBindingIndication();
    const data = new Uint8Array([0x00, 0x01, 0x00, 0x04, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3]); // looks like STUN, is not
    permission.queue.push({ port: 1, data: request }, { port: 1, data: indication }, { port: 1, data });
    expect(peers.dropQueued(isBindingRequest)).toBe(1);
    expect(permission.queue.map((q) => q.data)).toEqual([indication, data]);
  });
});
