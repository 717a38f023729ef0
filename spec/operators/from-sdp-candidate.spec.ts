import { describe, it } from 'vitest';
import { InvalidCandidateError } from '../../lib/index.js';
import { fromSdpCandidate } from '../../operators/index.js';
import { candidate, testScheduler } from './fixtures.js';

const lines = {
  a: 'a=candidate:1 1 udp 2130706431 10.0.0.1 5000 typ host',
  b: 'candidate:1 1 UDP 2130706431 8.8.8.8 6000 typ srflx raddr 10.0.0.1 rport 9',
  e: 'a=end-of-candidates',
  u: 'a=ice-ufrag:abcd',
  x: 'a=candidate:1 1 udp 2130706431 10.0.0.1 99999 typ host',
};
const candidates = { a: candidate('10.0.0.1', 5000), b: candidate('8.8.8.8', 6000, 'srflx') };

describe('fromSdpCandidate', () => {
  it('parses candidate lines, with or without a=, and skips other lines', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-u-b-e-|', lines).pipe(fromSdpCandidate())).toBe('-a---b---|', candidates);
    });
  });

  it('errors on an invalid candidate line by default', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-x-b-|', lines).pipe(fromSdpCandidate())).toBe(
        '-a-#',
        candidates,
        new InvalidCandidateError('candidate port "99999" is out of range 0-65535'),
      );
    });
  });

  it("skips invalid candidate lines with invalid: 'skip'", () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-x-b-|', lines).pipe(fromSdpCandidate({ invalid: 'skip' }))).toBe(
        '-a---b-|',
        candidates,
      );
    });
  });
});
