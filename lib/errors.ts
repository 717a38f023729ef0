/**
 * Typed errors thrown by rx-ice's public entry points. Every error carries a
 * stable `code` so callers can branch without parsing messages; the agent that
 * threw keeps running and keeps everything it already had.
 */

/** Stable machine-readable error codes. */
export type IceErrorCode =
  | 'INVALID_CANDIDATE'
  | 'INVALID_CREDENTIALS'
  | 'INVALID_OPTION'
  | 'INVALID_STATE'
  | 'INVALID_ARGUMENT'
  | 'NO_ADDRESS'
  | 'BIND_FAILED'
  | 'LIMIT_EXCEEDED'
  | 'INVALID_RECORDING'
  | 'REPLAY_DIVERGED'
  | 'INVALID_TRACE';

/** Base class of every error rx-ice throws on purpose. */
export class IceError extends Error {
  /** Stable machine-readable code. */
  readonly code: IceErrorCode;
  constructor(code: IceErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A candidate string or object that does not follow RFC 8839 / RFC 8445. */
export class InvalidCandidateError extends IceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_CANDIDATE', message, options);
  }
}

/** A ufrag or password outside RFC 8839's character set or lengths. */
export class InvalidCredentialsError extends IceError {
  constructor(message: string) {
    super('INVALID_CREDENTIALS', message);
  }
}

/** A constructor option that is missing, of the wrong type or out of range. */
export class InvalidOptionError extends IceError {
  constructor(message: string) {
    super('INVALID_OPTION', message);
  }
}

/** A call that the agent cannot honour in its current state (e.g. `send()` before `connected`). */
export class InvalidStateError extends IceError {
  constructor(message: string) {
    super('INVALID_STATE', message);
  }
}

/** An argument of the wrong type or shape. */
export class InvalidArgumentError extends IceError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}

/** A socket could not be bound (no free port in the range, address not local, ...). */
export class BindError extends IceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BIND_FAILED', message, options);
  }
}

/** A bounded table (remote candidates, pairs, queues) is full; the input was refused, nothing else was lost. */
export class LimitExceededError extends IceError {
  constructor(message: string) {
    super('LIMIT_EXCEEDED', message);
  }
}

/** A session recording that `replaySession` cannot read: `line` (from 1) names the bad line. */
export class InvalidRecordingError extends IceError {
  /** The bad line, counted from 1. */
  readonly line: number;
  constructor(line: number, message: string) {
    super('INVALID_RECORDING', `recording line ${line}: ${message}`);
    this.line = line;
  }
}

/**
 * A replayed agent asked for something its recording does not hold (more
 * random bytes, a timer or socket that was never set, ...): it no longer
 * behaves as the recorded one did. `line` (from 1) is where the replay was.
 */
export class ReplayDivergenceError extends IceError {
  /** The line being replayed, counted from 1. */
  readonly line: number;
  constructor(line: number, message: string) {
    super('REPLAY_DIVERGED', `replay diverged at recording line ${line}: ${message}`);
    this.line = line;
  }
}

/**
 * A line of a JSON-lines trace (the input of `renderTimeline` and `rx-ice-timeline`) that is not a
 * trace event: not JSON, not an object, or a known event type with a missing or mistyped field.
 */
export class InvalidTraceError extends IceError {
  /** The 1-based line number of the offending line. */
  readonly line: number;
  constructor(line: number, message: string, options?: { cause?: unknown }) {
    super('INVALID_TRACE', `line ${line}: ${message}`, options);
    this.line = line;
  }
}
