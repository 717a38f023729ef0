import { DEFAULT_LITE_TIMEOUT, LiteLiveness, type LiteLivenessConfig } from './lite-liveness.js';
import { PairLiveness } from './liveness.js';
import { NO_NOMINATION, pairToNominate } from './nomination.js';
import { OutboundChecks } from './outbound-checks.js';
import { type CandidatePair, checkedPairOf, type IceRole } from './pair.js';

/**
 * Nomination (RFC 8445 §8.1): the controlling side chooses a valid pair and
 * keeps a USE-CANDIDATE check going on it; either side selects a nominated
 * pair and concludes checking (§8.1.2). Role changes (§7.3.1.1) reset a
 * nomination in progress.
 */
export abstract class NominatingSession extends OutboundChecks {
  protected selectedGeneratingPair(): CandidatePair | undefined {
    const selected = this.selectedPair;
    return selected && checkedPairOf(selected);
  }

  /**
   * `pair` (valid) is nominated. The first nomination selects it and
   * concludes checking (RFC 8445 §8.1.2: other pairs' checks are cancelled,
   * none start again). A later nomination from the peer replaces it when
   * {@link followsLaterNomination} says so.
   */
  protected nominate(pair: CandidatePair, now: number): void {
    pair.nominated = true;
    const current = this.selectedPair;
    // RFC 8445 §8.1.1: a controlling agent's nomination is final; only the controlled side follows later ones.
    const replaces =
      current === undefined ||
      (current !== pair && this.role === 'controlled' && followsLaterNomination(current, pair));
    if (!replaces) return;
    this.nomination = { phase: 'nominated', pair };
    this.liveness = this.config.lite
      ? new LiteLiveness(pair, this.liteLivenessConfig(), now)
      : new PairLiveness(pair, this.livenessConfig, now);
    this.events.push({ type: 'selected-pair', pair });
    if (this.config.lite) return; // a lite agent has no checks to stop, and follows later nominations
    const cancelled = this.checklist.conclude(checkedPairOf(pair));
    this.transactions.cancelPairs(cancelled, this.config.retransmission);
  }

  /** Controlling side, no nomination yet: when to stop waiting for a better pair than the first valid one. */
  protected nominationDeadline(): number | undefined {
    if (this.role !== 'controlling' || this.firstValidAt === undefined || this.nomination.phase !== 'none')
      return undefined;
    // Only a deadline while a valid pair waits for it: with none, there is nothing to nominate.
    if (!this.checklist.pairs.some((p) => p.valid)) return undefined;
    return this.firstValidAt + this.config.nominationDelay;
  }

  /**
   * Regular nomination (RFC 8445 §8.1.1), controlling side: choose a valid
   * pair, then keep a USE-CANDIDATE check queued or in flight on its checked
   * pair until it succeeds; if the pair stops being valid, choose again.
   */
  protected considerNomination(now: number): void {
    if (this.role !== 'controlling') return;
    const nomination = this.nomination;
    if (nomination.phase === 'nominated') return;
    if (nomination.phase === 'nominating') {
      if (nomination.pair.valid) {
        const checked = checkedPairOf(nomination.pair);
        if (!this.transactions.isNominating(checked) && !this.checklist.isQueued(checked)) {
          this.checklist.enqueueTriggered(checked);
        }
        return;
      }
      this.nomination = NO_NOMINATION; // its check failed: the path died
    }
    const chosen = pairToNominate(this.checklist.pairs, this.nominationDeadline(), now);
    if (!chosen) return;
    this.nomination = { phase: 'nominating', pair: chosen };
    this.checklist.enqueueTriggered(checkedPairOf(chosen));
  }

  protected setRole(role: IceRole): void {
    this.role = role;
    this.checklist.recomputePriorities(role);
    if (this.nomination.phase === 'nominating') this.nomination = NO_NOMINATION; // only a controlling agent nominates
    this.events.push({ type: 'role', role });
  }

  private liteLivenessConfig(): LiteLivenessConfig {
    return {
      disconnectedTimeout: this.livenessConfig.disconnectedTimeout,
      liteTimeout: this.config.liteTimeout ?? DEFAULT_LITE_TIMEOUT,
    };
  }
}

/**
 * Whether a nomination from the peer on `later` replaces the selected pair
 * `current` (both sides must end on the same pair):
 * - a peer that nominates aggressively (USE-CANDIDATE on its first check on
 *   the pair) selects the highest-priority nominated pair, so a later
 *   nomination wins only with a higher priority;
 * - a peer that nominates regularly (it checked the pair before nominating
 *   it, RFC 8445 §8.1.1) nominates another pair only after its nominating
 *   check on the first one failed on its side (its answers were lost), so it
 *   uses the latest: follow it.
 */
export function followsLaterNomination(current: CandidatePair, later: CandidatePair): boolean {
  return later.priority > current.priority || checkedPairOf(later).plainCheckReceived;
}
