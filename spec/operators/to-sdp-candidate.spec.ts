import { describe, it } from 'vitest';
import { InvalidCandidateError } from '../../lib/index.js';
import { toSdpCandidate } from '../../operators/index.js';
import { candidate, testScheduler } from './fixtures.js';

const c = candidate('10.0.0.1', 5000);
const s = candidate('8.8.8.8', 6000, 'srflx');
const lines = {
  c: 'a=candidate:1 1 udp 2130706431 10.0.0.1 5000 typ host',
  s: 'a=candidate:1 1 udp 2130706431 8.8.8.8 6000 typ srflx raddr 10.0.0.1 rport 9',
};

describe('toSdpCandidate', () => {
  it('formats a=candidate: lines', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-c-s-|', { c, s }).pipe(toSdpCandidate())).toBe('-c-s-|', lines);
    });
  });

  it('formats bare candidate: values with attribute: false', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-c-|', { c }).pipe(toSdpCandidate({ attribute: false }))).toBe('-c-|', {
        c: lines.c.slice(2),
      });
    });
  });

  it('errors on an invalid candidate', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const bad = { ...c, port: 70000 };
      expectObservable(cold('-c-b-|', { c, b: bad }).pipe(toSdpCandidate())).toBe(
        '-c-#',
        lines,
        new InvalidCandidateError('candidate port "70000" is out of range 0-65535'),
      );
    });
  });
});
