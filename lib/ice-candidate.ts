/**
 * W3C shapes of candidates: what `candidates$` emits (an {@link IceCandidate}:
 * the plain {@link Candidate} data plus the W3C `RTCIceCandidate` accessors
 * `candidate`, `sdpMid`, `sdpMLineIndex`, `usernameFragment` and `toJSON()`),
 * and what `addRemoteCandidate` accepts (a `candidate:` string, an
 * {@link IceCandidateInit} as browsers hand them out, or a `Candidate`).
 */
import { isIceChars, parseCandidate, serializeCandidate, validateCandidate } from './candidate.js';
import type { Candidate } from './candidate-types.js';
import { InvalidArgumentError, InvalidCandidateError } from './errors.js';

/**
 * W3C `RTCIceCandidateInit`: what a browser's `RTCIceCandidate.toJSON()`
 * gives, what `icecandidate` events carry, and what `toJSON()` of an emitted
 * candidate gives. `candidate` empty (or absent, or null) means
 * end-of-candidates.
 */
export interface IceCandidateInit {
  /** The `candidate:…` attribute value (RFC 8839, no `a=`); `''` for end-of-candidates. */
  readonly candidate?: string | null;
  /** The media stream identification tag of the m= line (RFC 5888). */
  readonly sdpMid?: string | null;
  /** The index of the m= line. */
  readonly sdpMLineIndex?: number | null;
  /** The ufrag of the ICE generation the candidate belongs to. */
  readonly usernameFragment?: string | null;
}

/** What `toJSON()` of an emitted candidate gives: an {@link IceCandidateInit} whose `candidate` is always set. */
export interface IceCandidateJson extends IceCandidateInit {
  /** The `candidate:…` attribute value (RFC 8839, no `a=`). */
  readonly candidate: string;
}

/**
 * A local candidate as `candidates$` emits it: plain {@link Candidate} data
 * (its own enumerable fields, so spreading, comparing and `structuredClone`
 * see only those), plus W3C `RTCIceCandidate` accessors inherited from its
 * prototype. `JSON.stringify` gives the {@link IceCandidateInit}, ready for
 * the peer's `addIceCandidate()` or `addRemoteCandidate()`.
 */
export interface IceCandidate extends Candidate {
  /** The `candidate:…` attribute string (W3C `RTCIceCandidate.candidate`), computed from the fields. */
  readonly candidate: string;
  /** The agent's `sdpMid` option (default `'0'`). */
  readonly sdpMid: string;
  /** The agent's `sdpMLineIndex` option (default 0). */
  readonly sdpMLineIndex: number;
  /** The local ufrag of the generation the candidate was gathered in. */
  readonly usernameFragment: string;
  /** The W3C `RTCIceCandidateInit` of this candidate. */
  toJSON(): IceCandidateJson;
}

/** Where a candidate belongs in SDP terms, and its generation's ufrag. */
export interface CandidateContext {
  readonly sdpMid: string;
  readonly sdpMLineIndex: number;
  readonly usernameFragment: string;
}

/** The accessors every emitted candidate inherits; non-enumerable, so invisible to spreads and deep equality. */
const W3C_ACCESSORS: object = Object.create(Object.prototype, {
  candidate: {
    get(this: Candidate): string {
      return serializeCandidate(this);
    },
  },
  toJSON: {
    value(this: IceCandidate): IceCandidateInit {
      return {
        candidate: serializeCandidate(this),
        sdpMid: this.sdpMid,
        sdpMLineIndex: this.sdpMLineIndex,
        usernameFragment: this.usernameFragment,
      };
    },
  },
});

/** Makes emitted candidates: one shared prototype per context (a generation), then one object per candidate. */
export class CandidateShaper {
  private proto: object | undefined;
  private context: CandidateContext | undefined;

  /** `candidate` (plain data, not modified) as an {@link IceCandidate} of `context`. */
  shape(candidate: Candidate, context: CandidateContext): IceCandidate {
    const c = this.context;
    if (
      this.proto === undefined ||
      c === undefined ||
      c.usernameFragment !== context.usernameFragment ||
      c.sdpMid !== context.sdpMid ||
      c.sdpMLineIndex !== context.sdpMLineIndex
    ) {
      this.context = context;
      this.proto = Object.create(W3C_ACCESSORS, {
        sdpMid: { value: context.sdpMid },
        sdpMLineIndex: { value: context.sdpMLineIndex },
        usernameFragment: { value: context.usernameFragment },
      });
    }
    return Object.assign(Object.create(this.proto as object), candidate) as IceCandidate;
  }
}

/** What `addRemoteCandidate` makes of its input. */
export type RemoteCandidateInput =
  | { readonly kind: 'candidate'; readonly candidate: Candidate }
  | { readonly kind: 'end-of-candidates'; readonly ufrag: string | undefined };

/**
 * Reads `addRemoteCandidate`'s argument: a `candidate:` string (`''` is
 * end-of-candidates), an {@link IceCandidateInit} (`candidate` `''`, null or
 * absent is end-of-candidates; `usernameFragment` works like the `ufrag`
 * extension tag), or a {@link Candidate} object (one with a `foundation`).
 * @throws InvalidArgumentError for any other type or a bad init field,
 *   InvalidCandidateError for a malformed candidate.
 */
export function readRemoteCandidate(input: unknown): RemoteCandidateInput {
  if (typeof input === 'string') {
    if (input === '') return { kind: 'end-of-candidates', ufrag: undefined };
    return { kind: 'candidate', candidate: parseCandidate(input) };
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidArgumentError(
      `addRemoteCandidate takes a candidate string, an RTCIceCandidateInit or a Candidate, got ${input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input}`,
    );
  }
  if ('foundation' in input) return { kind: 'candidate', candidate: validateCandidate(input as Candidate) };
  const init = input as Record<string, unknown>;
  const { candidate, sdpMid, sdpMLineIndex, usernameFragment } = init;
  if (sdpMid !== undefined && sdpMid !== null && (typeof sdpMid !== 'string' || sdpMid.length > 256)) {
    throw new InvalidArgumentError('sdpMid must be a string of at most 256 characters, or null');
  }
  if (
    sdpMLineIndex !== undefined &&
    sdpMLineIndex !== null &&
    (typeof sdpMLineIndex !== 'number' ||
      !Number.isInteger(sdpMLineIndex) ||
      sdpMLineIndex < 0 ||
      sdpMLineIndex > 65535)
  ) {
    throw new InvalidArgumentError(`sdpMLineIndex must be an integer from 0 to 65535, or null`);
  }
  let ufrag: string | undefined;
  if (usernameFragment !== undefined && usernameFragment !== null) {
    if (!isIceChars(usernameFragment, 4, 256)) {
      throw new InvalidCandidateError('usernameFragment must be 4-256 ice-chars (RFC 8839)');
    }
    ufrag = usernameFragment;
  }
  if (candidate === undefined || candidate === null || candidate === '') {
    return { kind: 'end-of-candidates', ufrag };
  }
  if (typeof candidate !== 'string') {
    throw new InvalidArgumentError(`RTCIceCandidateInit.candidate must be a string, got ${typeof candidate}`);
  }
  const parsed = parseCandidate(candidate);
  if (ufrag === undefined || parsed.ufrag === ufrag) return { kind: 'candidate', candidate: parsed };
  if (parsed.ufrag !== undefined) {
    throw new InvalidCandidateError(
      `usernameFragment "${ufrag}" contradicts the candidate's ufrag "${parsed.ufrag}"`,
    );
  }
  return { kind: 'candidate', candidate: { ...parsed, ufrag } };
}
