/**
 * Liveness of the selected pair as plain data and functions of time: consent
 * freshness (RFC 7675), the `disconnected` heuristic and keepalives (RFC 8445
 * §11). No I/O and no clock: the session calls in with `now` and hands over a
 * {@link LivenessOutput} that queues the datagrams.
 */
import type { LiteLiveness } from './lite-liveness.js';
import type { CandidatePair } from './pair.js';
import { nextRto, type RetransmissionPolicy } from './retransmission.js';

/** Base period of consent checks, ms (RFC 7675 §5.1). */
export const CONSENT_INTERVAL = 5000;
/** Consent checks are spread uniformly over ±20 % of the period (RFC 7675 §5.1). */
export const CONSENT_JITTER = 0.2;
/** Consent expires this long after the last authenticated response, ms (RFC 7675 §5.1). */
export const CONSENT_TIMEOUT = 30_000;
/** Default time without an authenticated response before the state may be `disconnected`, ms. */
export const DEFAULT_DISCONNECTED_TIMEOUT = 5000;
/** Default Tr: a keepalive goes out after this long without application data, ms (RFC 8445 §11). */
export const DEFAULT_KEEPALIVE_INTERVAL = 15_000;
/**
 * First retransmission timeout of a consent check, ms (RFC 8489 §6.2.1 default RTO). It is also how
 * long a consent check must wait unanswered before `disconnected`: a healthy path answers within it.
 */
const CONSENT_INITIAL_RTO = 500;
/** Most consent transactions remembered for late responses (more than one consent timeout's worth). */
const MAX_PENDING_CONSENT_CHECKS = 16;

/** Timing of liveness on the selected pair. */
export interface LivenessConfig {
  /** Base period of consent checks, ms. */
  readonly consentInterval: number;
  /** Consent lifetime after the last authenticated response, ms. */
  readonly consentTimeout: number;
  /** How long without an authenticated response before `disconnected` (once a later check waited one RTO), ms. */
  readonly disconnectedTimeout: number;
  /** Tr: keepalive after this long without application data, ms. */
  readonly keepaliveInterval: number;
  /** Uniform random numbers in [0, 1] for the jitter of consent checks. */
  readonly random: () => number;
  /** Retransmissions of one consent check (within its period). */
  readonly retransmission: RetransmissionPolicy;
}

/** Liveness timing with the RFC defaults for whatever `overrides` leaves out (or sets to undefined). */
export function resolveLivenessConfig(
  overrides: Partial<LivenessConfig> | undefined,
  retransmission: RetransmissionPolicy,
): LivenessConfig {
  return {
    consentInterval: CONSENT_INTERVAL,
    consentTimeout: CONSENT_TIMEOUT,
    disconnectedTimeout: DEFAULT_DISCONNECTED_TIMEOUT,
    keepaliveInterval: DEFAULT_KEEPALIVE_INTERVAL,
    random: Math.random,
    retransmission,
    ...(Object.fromEntries(
      Object.entries(overrides ?? {}).filter(([, value]) => value !== undefined),
    ) as Partial<LivenessConfig>),
  };
}

/** Where {@link PairLiveness} puts its datagrams; the session implements it over the selected pair. */
export interface LivenessOutput {
  /** Sends a new consent check (an authenticated Binding request); returns its transaction key and bytes. */
  sendConsentCheck(): { readonly key: string; readonly bytes: Uint8Array };
  /** Sends the same consent check again. */
  resendConsentCheck(bytes: Uint8Array): void;
  /** Sends a Binding indication (keepalive). */
  sendKeepalive(): void;
}

/**
 * Milliseconds until the next consent check: `interval × (0.8 + 0.4·r)` with
 * `r = random()`, rounded to whole ms. `r` is clamped to [0, 1] (and NaN
 * counts as 0.5), so a broken source can never stop or flood the checks.
 *
 * @example consentCheckDelay(5000, () => 0) === 4000; consentCheckDelay(5000, () => 1) === 6000
 */
export function consentCheckDelay(interval: number, random: () => number): number {
  const r = random();
  const unit = Number.isNaN(r) ? 0.5 : Math.min(1, Math.max(0, r));
  return Math.round(interval * (1 - CONSENT_JITTER + 2 * CONSENT_JITTER * unit));
}

/**
 * What the session asks of the selected pair's liveness, whoever keeps it:
 * {@link PairLiveness} (a full agent's consent checks) or a lite agent's
 * {@link LiteLiveness}, which only watches the peer's checks.
 */
export interface Liveness {
  readonly pair: CandidatePair;
  /** The path is gone for good: the session fails. */
  consentExpired(now: number): boolean;
  /** The path looks dead for now. */
  isDisconnected(now: number): boolean;
  /** Whether a response with this transaction key answers one of its checks. */
  owns(key: string): boolean;
  /** An authenticated success response to check `key` came back over the pair. */
  handleResponse(key: string, now: number): void;
  /** Sends whatever is due at `now`. */
  handleTimeout(now: number, lastDataSentAt: number, output: LivenessOutput): void;
  /** The earliest time after `now` at which something is due or the state may change. */
  nextDeadline(now: number, lastDataSentAt: number): number | undefined;
}

interface OutstandingCheck {
  readonly key: string;
  readonly bytes: Uint8Array;
  readonly sentAt: number;
  transmissions: number;
  rto: number;
  nextAt: number;
}

/**
 * Consent freshness, the disconnected heuristic and keepalives for one
 * selected pair, from the moment it was selected.
 *
 * - A consent check (a regular authenticated Binding request, new transaction
 *   ID each time) goes out every `consentInterval` ±20 %; until the next one,
 *   it is retransmitted from a 500 ms RTO doubling up to `maxRto`.
 * - Any authenticated response to one of the recent checks refreshes consent;
 *   consent expires `consentTimeout` after the last one.
 * - `disconnected`: no authenticated response for `disconnectedTimeout`
 *   AND a consent check sent since the last response has waited one initial
 *   RTO (500 ms) unanswered. A dead path goes disconnected at
 *   `max(lastResponse + disconnectedTimeout, firstCheckAfterIt + 500)`, i.e.
 *   5 to ~6.5 s after its last response with the defaults; a healthy path
 *   (RTT under 500 ms) never flaps although checks are up to 6 s apart.
 * - A keepalive (Binding indication) goes out when no application data has
 *   been sent for `keepaliveInterval` (Tr), nor a keepalive.
 */
export class PairLiveness implements Liveness {
  /** When the last authenticated response arrived (selection counts as one). */
  lastResponseAt: number;
  private nextCheckAt: number;
  private outstanding: OutstandingCheck | undefined;
  /** Recent consent transactions still accepted as answers: key → time sent. Bounded. */
  private readonly pending = new Map<string, number>();
  /** When the first consent check sent since the last response went out (none answered since). */
  private unansweredSince: number | undefined;
  private lastKeepaliveAt: number;

  constructor(
    readonly pair: CandidatePair,
    private readonly config: LivenessConfig,
    now: number,
  ) {
    this.lastResponseAt = now;
    this.lastKeepaliveAt = now;
    this.nextCheckAt = now + consentCheckDelay(config.consentInterval, config.random);
  }

  /** Consent is gone: no authenticated response for `consentTimeout`. */
  consentExpired(now: number): boolean {
    return now >= this.lastResponseAt + this.config.consentTimeout;
  }

  /**
   * No authenticated response for `disconnectedTimeout`, and a consent check
   * sent since the last response has gone unanswered for one initial RTO.
   */
  isDisconnected(now: number): boolean {
    const at = this.disconnectedAt();
    return at !== undefined && now >= at;
  }

  /** Whether a response with this transaction key answers one of our consent checks. */
  owns(key: string): boolean {
    return this.pending.has(key);
  }

  /** An authenticated success response to consent check `key` came back over the pair. */
  handleResponse(key: string, now: number): void {
    if (!this.pending.delete(key)) return;
    this.lastResponseAt = now;
    if (this.outstanding?.key === key) this.outstanding = undefined;
    // Only checks sent since this answer can tell that the path died after it.
    this.unansweredSince = undefined;
    for (const sentAt of this.pending.values()) {
      if (sentAt >= now) {
        this.unansweredSince = sentAt;
        break;
      }
    }
  }

  /** Sends whatever is due at `now`: a new consent check, a retransmission, a keepalive. */
  handleTimeout(now: number, lastDataSentAt: number, output: LivenessOutput): void {
    if (this.consentExpired(now)) return;
    if (now >= this.nextCheckAt) {
      this.sendCheck(now, output);
    } else {
      const check = this.outstanding;
      if (check !== undefined && now >= check.nextAt) this.retransmit(check, now, output);
    }
    if (now >= this.keepaliveDue(lastDataSentAt)) {
      this.lastKeepaliveAt = now;
      output.sendKeepalive();
    }
  }

  /** The earliest time after `now` at which something is due (or may change state); none once consent expired. */
  nextDeadline(now: number, lastDataSentAt: number): number | undefined {
    if (this.consentExpired(now)) return undefined;
    let at = Math.min(
      this.nextCheckAt,
      this.lastResponseAt + this.config.consentTimeout,
      this.keepaliveDue(lastDataSentAt),
    );
    const check = this.outstanding;
    if (check !== undefined && check.nextAt < this.nextCheckAt) at = Math.min(at, check.nextAt);
    const disconnectedAt = this.disconnectedAt();
    if (disconnectedAt !== undefined && disconnectedAt > now) at = Math.min(at, disconnectedAt);
    return at;
  }

  /** When the state turns `disconnected` unless an answer comes first; undefined while no check waits. */
  private disconnectedAt(): number | undefined {
    if (this.unansweredSince === undefined) return undefined;
    return Math.max(
      this.lastResponseAt + this.config.disconnectedTimeout,
      this.unansweredSince + CONSENT_INITIAL_RTO,
    );
  }

  private keepaliveDue(lastDataSentAt: number): number {
    return Math.max(this.lastKeepaliveAt, lastDataSentAt) + this.config.keepaliveInterval;
  }

  private sendCheck(now: number, output: LivenessOutput): void {
    this.forgetOldChecks(now);
    const { key, bytes } = output.sendConsentCheck();
    const rto = CONSENT_INITIAL_RTO;
    this.outstanding = { key, bytes, sentAt: now, transmissions: 1, rto, nextAt: now + rto };
    this.pending.set(key, now);
    this.unansweredSince ??= now;
    this.nextCheckAt = now + consentCheckDelay(this.config.consentInterval, this.config.random);
  }

  private retransmit(check: OutstandingCheck, now: number, output: LivenessOutput): void {
    if (check.transmissions > this.config.retransmission.retransmissions) {
      this.outstanding = undefined; // gave up; the next period sends a fresh check
      return;
    }
    check.transmissions++;
    check.rto = nextRto(check.rto, this.config.retransmission);
    check.nextAt = now + check.rto;
    output.resendConsentCheck(check.bytes);
  }

  /** Answers to checks older than the consent lifetime cannot help any more; the table stays small. */
  private forgetOldChecks(now: number): void {
    for (const [key, sentAt] of this.pending) {
      if (sentAt + this.config.consentTimeout > now && this.pending.size < MAX_PENDING_CONSENT_CHECKS) break;
      this.pending.delete(key);
    }
  }
}
