/**
 * Liveness of an ICE-lite agent's selected pair (RFC 8445 §2.5): a lite agent
 * sends no checks of its own, so it judges the path by the checks the full
 * peer keeps sending (its consent checks, RFC 7675 §5.1, every 5 s ± 20 %).
 * Plain data and functions of time, like {@link PairLiveness}.
 */
import { CONSENT_INTERVAL, CONSENT_JITTER, type Liveness } from './liveness.js';
import type { CandidatePair } from './pair.js';

/** Default ms without a check from the peer before a lite agent gives the peer up: RFC 7675's consent lifetime. */
export const DEFAULT_LITE_TIMEOUT = 30_000;

/**
 * The longest gap between two consent checks of a healthy full peer (5 s + 20 % jitter, RFC 7675
 * §5.1) plus one initial RTO (500 ms) for the check to arrive: a shorter silence is no sign of a
 * dead peer, so `disconnected` never comes earlier than this.
 */
export const LITE_SILENCE_ALLOWANCE = CONSENT_INTERVAL * (1 + CONSENT_JITTER) + 500;

/** Timing of a lite agent's liveness. */
export interface LiteLivenessConfig {
  /** No authenticated check from the peer for this long: `disconnected`, ms. */
  readonly disconnectedTimeout: number;
  /** No authenticated check from the peer for this long: `failed` (reason `peer-silent`), ms. */
  readonly liteTimeout: number;
}

/**
 * The selected pair of a lite agent is alive while the full peer's checks
 * arrive: `disconnected` after `disconnectedTimeout` without one, but never
 * before {@link LITE_SILENCE_ALLOWANCE} (6.5 s), so the peer's normal 4–6 s
 * spacing never flaps it (back to `completed` with the next check);
 * `failed` (`peer-silent`) after `liteTimeout`. It sends nothing.
 */
export class LiteLiveness implements Liveness {
  private lastCheckAt: number;

  constructor(
    readonly pair: CandidatePair,
    private readonly config: LiteLivenessConfig,
    now: number,
  ) {
    this.lastCheckAt = now;
  }

  /** An authenticated check from the peer arrived over the selected pair. */
  noteCheck(now: number): void {
    this.lastCheckAt = Math.max(this.lastCheckAt, now);
  }

  consentExpired(now: number): boolean {
    return now >= this.lastCheckAt + this.config.liteTimeout;
  }

  isDisconnected(now: number): boolean {
    return now >= this.disconnectedAt();
  }

  owns(): boolean {
    return false;
  }

  handleResponse(): void {}

  handleTimeout(): void {}

  nextDeadline(now: number): number | undefined {
    if (this.consentExpired(now)) return undefined;
    const disconnectedAt = this.disconnectedAt();
    return disconnectedAt > now ? disconnectedAt : this.lastCheckAt + this.config.liteTimeout;
  }

  /** `disconnectedTimeout` after the last check, but never before a healthy peer's next check is overdue. */
  private disconnectedAt(): number {
    return this.lastCheckAt + Math.max(this.config.disconnectedTimeout, LITE_SILENCE_ALLOWANCE);
  }
}
