/** Shared fixtures of the operator marble specs. */
import { TestScheduler } from 'rxjs/testing';
import { expect } from 'vitest';
import { type Candidate, type CandidateType, parseCandidate } from '../../lib/index.js';

/** A TestScheduler whose assertions go through vitest's deep equality. */
export function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

/** A candidate from a few fields; everything else defaults to a host UDP candidate. */
export function candidate(
  address: string,
  port = 5000,
  type: CandidateType = 'host',
  extra: { transport?: 'udp' | 'tcp'; foundation?: string; priority?: number; raddr?: string } = {},
): Candidate {
  const { transport = 'udp', foundation = '1', priority = 2130706431, raddr } = extra;
  const related = raddr ? ` raddr ${raddr} rport 9` : type === 'host' ? '' : ' raddr 10.0.0.1 rport 9';
  const tcp = transport === 'tcp' ? ' tcptype passive' : '';
  return parseCandidate(
    `candidate:${foundation} 1 ${transport} ${priority} ${address} ${port} typ ${type}${related}${tcp}`,
  );
}

/** Bytes whose first byte is `first` (RFC 7983 classification) followed by `rest`. */
export function datagram(first: number, ...rest: number[]): Uint8Array {
  return new Uint8Array([first, ...rest]);
}
