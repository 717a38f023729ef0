import { endpoint } from '../trace-events.js';
import { FailoverWatch } from './failover.js';
import { DEFAULT_LITE_TIMEOUT, LiteLiveness, type LiteLivenessConfig } from './lite-liveness.js';
import { PairLiveness } from './liveness.js';
import { NO_NOMINATION, pairBeingNominated } from './nomination.js';
import { type NominationCandidate, regularNomination } from './nomination-policy.js';
import { OutboundChecks } from './outbound-checks.js';
import { type CandidatePair, checkedPairOf, type IceRole } from './pair.js';

/**
 * Nomination (RFC 8445 §8.1): the controlling side chooses a valid pair and
 * keeps a USE-CANDIDATE check going on it; either side selects a nominated
 * pair and concludes checking (§8.1.2). Role changes (§7.3.1.1) reset a
 * nomination in progress.
 */
export abstract class NominatingSession extends OutboundChecks {
  /**
   * Controlling side: the pair whose USE-CANDIDATE check is on the wire.
   * The peer may select that pair the moment the check arrives (RFC 8445
   * §7.3.1.5), before we know, so a restart keeps this session, like one
   * with a selected pair, to receive what the peer sends on it
   * ({@link retireForRestart}).
   */
  nominationInFlight(): CandidatePair | undefined {
    const nomination = this.nomination;
    if (nomination.phase !== 'nominating') return undefined;
    return this.transactions.isNominating(checkedPairOf(nomination.pair)) ? nomination.pair : undefined;
  }

  /**
   * A restart replaced this session while its nomination was in flight:
   * checking stops but for that check (as at conclusion, RFC 8445 §8.1.2),
   * which selects the pair if it succeeds. The agent closes the session once
   * it has neither a selected pair nor a nomination in flight.
   */
  retireForRestart(): void {
    const pair = this.nominationInFlight();
    if (pair === undefined) return;
    const cancelled = this.checklist.conclude(checkedPairOf(pair));
    this.transactions.cancelPairs(cancelled, this.config.retransmission);
  }

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
    if (this.trace.enabled && !pair.nominated) {
      this.trace.push({
        type: 'pair-nominated',
        pairId: pair.id,
        by: this.role === 'controlling' ? 'local' : 'remote',
      });
    }
    pair.nominated = true;
    const current = this.selectedPair;
    if (current === pair) {
      // The selected pair nominated again (after following the peer's restart): nothing else changes.
      if (pairBeingNominated(this.nomination) === pair) this.nomination = { phase: 'nominated', pair };
      return;
    }
    if (current !== undefined && !this.replacesSelection(current, pair)) return;
    this.nomination = { phase: 'nominated', pair };
    this.liveness = this.config.lite
      ? new LiteLiveness(pair, this.liteLivenessConfig(), now)
      : new PairLiveness(pair, this.livenessConfig, now);
    this.events.push({ type: 'selected-pair', pair });
    if (this.trace.enabled) {
      const local = pair.local.candidate;
      this.trace.push({
        type: 'pair-selected',
        pairId: pair.id,
        local: endpoint(local.address, local.port),
        remote: endpoint(pair.remote.address, pair.remote.port),
      });
    }
    if (this.config.lite) return; // a lite agent has no checks to stop, and follows later nominations
    const cancelled = this.checklist.conclude(checkedPairOf(pair));
    this.transactions.cancelPairs(cancelled, this.config.retransmission);
  }

  /**
   * Whether a nomination of `later` replaces the selected pair `current`.
   * Controlling side: its nomination is final (RFC 8445 §8.1.1), except a
   * renomination both sides agreed on, and under aggressive nomination the
   * highest-priority nominated pair wins. Controlled side: see
   * {@link followsLaterNomination}.
   */
  private replacesSelection(current: CandidatePair, later: CandidatePair): boolean {
    if (this.role === 'controlled') return followsLaterNomination(current, later, this.renominationAgreed);
    if (this.config.nomination === 'aggressive') return later.priority > current.priority;
    const nomination = this.nomination;
    return nomination.phase === 'renominating' && nomination.pair === later;
  }

  /** Controlling side: when the nomination policy asked to be asked again. */
  protected nominationDeadline(): number | undefined {
    return this.role === 'controlling' ? this.policyAskAgainAt : undefined;
  }

  /**
   * Controlling side (RFC 8445 §8.1.1): keep the USE-CANDIDATE check of the
   * pair being nominated queued or in flight on its checked pair; when that
   * pair stops being valid, give it up; otherwise ask the nomination policy
   * (while nothing is nominated, and after a nomination only when both sides
   * agreed on renomination).
   */
  protected considerNomination(now: number): void {
    this.policyAskAgainAt = undefined;
    if (this.role !== 'controlling' || this.config.nomination === 'aggressive') return;
    // Credentials our restart kept: the peer may not know ours yet, so a nomination would select a
    // pair its session cannot keep consent on. Checks go on; nominating waits for its confirmation.
    if (this.remoteKept) return;
    const nomination = this.nomination;
    if (nomination.phase === 'nominating' || nomination.phase === 'renominating') {
      if (nomination.pair.valid) {
        const checked = checkedPairOf(nomination.pair);
        if (!this.transactions.isNominating(checked) && !this.checklist.isQueued(checked)) {
          this.checklist.enqueueTriggered(checked, nomination.phase === 'renominating');
        }
        return;
      }
      // Its check failed: the path died. A renomination falls back to the pair still selected, but
      // not the selected pair's own renomination for the peer's new generation (renominateSelected):
      // that generation cannot reach it and never agreed to it, so checking starts over.
      if (nomination.phase === 'renominating' && nomination.pair === nomination.selected)
        this.reopenChecking();
      else
        this.nomination =
          nomination.phase === 'renominating'
            ? { phase: 'nominated', pair: nomination.selected }
            : NO_NOMINATION;
    }
    const current = this.nomination;
    if (current.phase === 'nominated' && !this.renominationAgreed) return;
    if (current.phase === 'nominated' && this.considerFailover(current.pair, now)) return;
    const chosen = this.askNominationPolicy(now, current.phase === 'nominated' ? current.pair : undefined);
    if (!chosen) return;
    if (current.phase === 'nominated') {
      this.beginRenomination(chosen, current.pair);
      return;
    }
    this.nominationCount++;
    if (this.trace.enabled) this.trace.push({ type: 'nomination', pairId: chosen.id, phase: 'nominating' });
    this.nomination = { phase: 'nominating', pair: chosen };
    this.checklist.enqueueTriggered(checkedPairOf(chosen));
  }

  /**
   * Failover (option `failover`, renomination agreed): probes a quiet
   * selected path, keeps the backup warm, and renominates the backup when the
   * selected path stays silent. Returns true when it started a renomination.
   */
  private considerFailover(selected: CandidatePair, now: number): boolean {
    if (!this.config.failover) return false;
    if (this.failover?.selected !== selected) this.failover = { selected, watch: new FailoverWatch(now) };
    const heardAt =
      this.liveness instanceof PairLiveness ? this.liveness.lastResponseAt : Number.NEGATIVE_INFINITY;
    for (const action of this.failover.watch.due(selected, this.checklist.pairs, heardAt, now)) {
      const checked = checkedPairOf(action.kind === 'switch' ? action.to : action.pair);
      if (action.kind !== 'switch') {
        if (!this.transactions.hasCurrent(checked)) this.checklist.enqueueTriggered(checked, true);
        continue;
      }
      this.counters.failovers++;
      this.failPair(checkedPairOf(selected)); // silent: not a backup candidate until it answers again
      this.beginRenomination(action.to, selected);
      return true;
    }
    return false;
  }

  /** When failover next needs the timer, if it is active. */
  protected failoverDeadline(): number | undefined {
    const failover = this.failover;
    return failover !== undefined &&
      failover.selected === this.selectedPair &&
      this.nomination.phase === 'nominated'
      ? failover.watch.nextDeadline()
      : undefined;
  }

  /** Asks the policy; returns the valid pair it nominates (other than `selected`), remembering when to ask again. */
  private askNominationPolicy(now: number, selected: CandidatePair | undefined): CandidatePair | undefined {
    if (this.firstValidAt === undefined) return undefined;
    const valid = this.checklist.pairs.filter((p) => p.valid);
    const best = valid[0];
    if (best === undefined) return undefined;
    const policy = typeof this.config.nomination === 'function' ? this.config.nomination : regularNomination;
    const decision = policy({
      now,
      valid: valid.map(nominationCandidate),
      betterPending: this.checklist.pairs.some(
        (p) => p.priority > best.priority && p.state !== 'failed' && !p.valid && p.generatedBy === undefined,
      ),
      firstValidAt: this.firstValidAt,
      nominationDelay: this.config.nominationDelay,
      selected: selected && nominationCandidate(selected),
    });
    if (decision === undefined) return undefined;
    if ('askAgainAt' in decision) {
      // Never a timer in the past: a policy that keeps answering "now" is asked again 1 ms later at the earliest.
      this.policyAskAgainAt = Math.max(decision.askAgainAt, now + 1);
      return undefined;
    }
    const chosen = valid.find((p) => p.id === decision.nominate);
    if (chosen === undefined || chosen === selected) return undefined;
    return chosen;
  }

  /**
   * Controlling side, after following the peer's restart while a pair is
   * selected (RFC 8445 §9: the peer's new generation has not seen any
   * nomination): nominate the selected pair again, so the peer's new session
   * selects it too. Data keeps flowing on it meanwhile; if the check fails,
   * the path is dead and consent ends the session.
   */
  protected renominateSelected(): void {
    const selected = this.selectedPair;
    if (selected === undefined || this.role !== 'controlling') return;
    const checked = checkedPairOf(selected);
    // Aggressive nomination: every check nominates; a check on the selected pair is enough.
    if (this.config.nomination === 'aggressive') {
      this.checklist.enqueueTriggered(checked, true);
      return;
    }
    this.beginRenomination(selected, selected);
  }

  /**
   * After following the peer's restart, the selected pair failed the check
   * that renominated it for the peer's new generation: it is no longer
   * selected (no consent on it, data waits for a new selection), and the
   * checklist reopens (RFC 8445 §8.1.2 concluded it for the old
   * generation), so the pairs the follow set waiting are checked and one
   * is nominated, as in a fresh generation. Without this, consent ran on the
   * dead pair until it failed the session (explore seed 20261213, #83492).
   */
  private reopenChecking(): void {
    this.nomination = NO_NOMINATION;
    this.liveness = undefined;
    this.failover = undefined;
    this.reachedCompleted = false;
    this.checklist.reopen();
  }

  /**
   * Controlling side: `selected` stays selected while a USE-CANDIDATE check
   * (with NOMINATION when agreed) runs on `pair` (the `renominating` phase of nomination.ts).
   */
  private beginRenomination(pair: CandidatePair, selected: CandidatePair): void {
    this.nominationCount++;
    this.nomination = { phase: 'renominating', pair, selected };
    if (this.trace.enabled) this.trace.push({ type: 'nomination', pairId: pair.id, phase: 'renominating' });
    this.checklist.enqueueTriggered(checkedPairOf(pair), true);
  }

  protected setRole(role: IceRole): void {
    this.role = role;
    this.checklist.recomputePriorities(role);
    // Only a controlling agent nominates.
    const nomination = this.nomination;
    if (nomination.phase === 'nominating') this.nomination = NO_NOMINATION;
    if (nomination.phase === 'renominating')
      this.nomination = { phase: 'nominated', pair: nomination.selected };
    this.events.push({ type: 'role', role });
    if (this.trace.enabled) this.trace.push({ type: 'role', role });
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
 * - with renomination agreed, a NOMINATION value above the selected pair's
 *   wins, whatever the priorities;
 * - a peer that nominates aggressively (USE-CANDIDATE on its first check on
 *   the pair) selects the highest-priority nominated pair, so a later
 *   nomination wins only with a higher priority;
 * - a peer that nominates regularly (it checked the pair before nominating
 *   it, RFC 8445 §8.1.1) nominates another pair only after its nominating
 *   check on the first one failed on its side (its answers were lost), so it
 *   uses the latest: follow it.
 */
export function followsLaterNomination(
  current: CandidatePair,
  later: CandidatePair,
  renomination = false,
): boolean {
  // With renomination agreed, the highest NOMINATION value wins (draft-thatcher-ice-renomination).
  const value = checkedPairOf(later).remoteNominationValue;
  if (renomination && value !== undefined)
    return value > (checkedPairOf(current).remoteNominationValue ?? -1);
  return later.priority > current.priority || checkedPairOf(later).plainCheckReceived;
}

/** What a nomination policy sees of a valid pair. */
function nominationCandidate(pair: CandidatePair): NominationCandidate {
  const checked = checkedPairOf(pair);
  return {
    id: pair.id,
    local: pair.local.candidate,
    remote: pair.remote,
    priority: pair.priority,
    rtt: checked.rtt,
    checksSent: checked.counters.requestsSent,
    checksAnswered: checked.counters.responsesReceived,
    validatedAt: checked.validatedAt ?? 0,
  };
}
