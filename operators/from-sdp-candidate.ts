import { EMPTY, mergeMap, type OperatorFunction, of } from 'rxjs';
import { parseCandidate } from '../lib/candidate.js';
import type { Candidate } from '../lib/candidate-types.js';
import { IceError } from '../lib/errors.js';

/** Options of {@link fromSdpCandidate}. */
export interface FromSdpCandidateOptions {
  /**
   * What a line that is not a valid candidate does: `'error'` (default)
   * errors the stream with `InvalidCandidateError`; `'skip'` drops it, so one
   * bad line from an untrusted peer does not end the stream. Lines that are
   * not candidate lines at all (other SDP attributes, `a=end-of-candidates`)
   * are always skipped.
   */
  readonly invalid?: 'error' | 'skip';
}

/** An SDP line or attribute value that is a candidate (`candidate:…` or `a=candidate:…`). */
function isCandidateLine(line: string): boolean {
  const text = line.trimStart();
  return text.startsWith('candidate:') || text.startsWith('a=candidate:');
}

/**
 * Parses `a=candidate:` lines (or bare `candidate:` values, as browsers
 * give them) into {@link Candidate} objects with `parseCandidate`. Other
 * lines pass silently, so a whole SDP split into lines can be piped in.
 *
 * ```
 * lines$:             -l-e-|   l: 'a=candidate:…', e: 'a=end-of-candidates'
 * fromSdpCandidate()  -c---|
 * ```
 *
 * @example
 * ```ts
 * import { fromSdpCandidate, candidateProtocol } from 'rx-ice/operators';
 *
 * from(remoteSdp.split(/\r?\n/))
 *   .pipe(fromSdpCandidate({ invalid: 'skip' }), candidateProtocol('udp'))
 *   .subscribe((c) => agent.addRemoteCandidate(serializeCandidate(c)));
 * ```
 */
export function fromSdpCandidate(options: FromSdpCandidateOptions = {}): OperatorFunction<string, Candidate> {
  const skipInvalid = options.invalid === 'skip';
  return mergeMap((line) => {
    if (typeof line !== 'string' || !isCandidateLine(line)) return EMPTY;
    if (!skipInvalid) return of(parseCandidate(line));
    try {
      return of(parseCandidate(line));
    } catch (error) {
      if (error instanceof IceError) return EMPTY;
      throw error;
    }
  });
}
