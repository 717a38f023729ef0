/**
 * Failover without restart (issue #15), controlling side, with renomination
 * agreed by both sides: one backup valid pair is kept warm with a check now
 * and then (the one exception to "no checks on other pairs after nomination",
 * RFC 8445 §8.1.2), the selected path is probed when it goes quiet, and when
 * it stays silent for {@link FAILOVER_SILENCE} the backup is renominated.
 * Plain data and functions of time; the session sends the checks.
 */
import { type CandidatePair, checkedPairOf } from './pair.js';

/** A quiet selected path is probed this often, ms (a triggered check on it). */
export const FAILOVER_PROBE_INTERVAL = 200;
/** Silence on the selected path (no answer, no check, no data) after which the backup takes over, ms. */
export const FAILOVER_SILENCE = 600;
/** The backup pair is checked this often to keep it valid (and its NAT bindings open), ms. */
export const BACKUP_CHECK_INTERVAL = 2500;

/** What the session needs to do now for failover. */
export type FailoverAction =
  | { readonly kind: 'probe'; readonly pair: CandidatePair }
  | { readonly kind: 'warm'; readonly pair: CandidatePair }
  | { readonly kind: 'switch'; readonly to: CandidatePair };

/** The failover state of one session: its backup pair and when it next has something to do. */
export class FailoverWatch {
  /** The valid pair kept warm to take over from the selected one. */
  backup: CandidatePair | undefined;
  private nextProbeAt: number;
  private nextWarmAt: number;

  constructor(now: number) {
    this.nextProbeAt = now + FAILOVER_PROBE_INTERVAL;
    this.nextWarmAt = now;
  }

  /** When the session must call {@link due} next. */
  nextDeadline(): number {
    return Math.min(this.nextProbeAt, this.nextWarmAt);
  }

  /**
   * What is due at `now` for the `selected` pair among `pairs` (`heardAt`:
   * the last consent answer on it): a switch to
   * the backup when the selected path has been silent too long, else a probe
   * of a quiet selected path and/or a warm-up check of the backup.
   */
  due(
    selected: CandidatePair,
    pairs: readonly CandidatePair[],
    heardAt: number,
    now: number,
  ): FailoverAction[] {
    const actions: FailoverAction[] = [];
    if (this.backup === undefined || this.backup.state === 'failed')
      this.backup = chooseBackup(selected, pairs);
    const silence = now - Math.max(heardAt, lastHeardOn(selected));
    if (silence >= FAILOVER_SILENCE && this.backup?.valid === true) {
      const to = this.backup;
      this.backup = undefined;
      return [{ kind: 'switch', to }];
    }
    if (now >= this.nextProbeAt) {
      this.nextProbeAt = now + FAILOVER_PROBE_INTERVAL;
      if (silence >= FAILOVER_PROBE_INTERVAL) actions.push({ kind: 'probe', pair: selected });
    }
    if (now >= this.nextWarmAt) {
      this.nextWarmAt = now + BACKUP_CHECK_INTERVAL;
      if (this.backup !== undefined) actions.push({ kind: 'warm', pair: this.backup });
    }
    return actions;
  }
}

/**
 * The backup for `selected`: a pair on another path (another local socket or
 * another remote address, preferably both), valid ones first, else one not
 * yet checked (checking concluded before it got its turn; warming it up
 * validates it). Highest priority first within each group.
 */
export function chooseBackup(
  selected: CandidatePair,
  pairs: readonly CandidatePair[],
): CandidatePair | undefined {
  const s = checkedPairOf(selected);
  const others = pairs.filter(
    (p) =>
      checkedPairOf(p) !== s &&
      p.state !== 'failed' &&
      (p.local.socketId !== s.local.socketId || p.remote.address !== s.remote.address),
  );
  const disjoint = (p: CandidatePair) =>
    p.local.socketId !== s.local.socketId && p.remote.address !== s.remote.address;
  return (
    others.find((p) => p.valid && disjoint(p)) ??
    others.find((p) => p.valid) ??
    others.find((p) => p.generatedBy === undefined && disjoint(p)) ??
    others.find((p) => p.generatedBy === undefined)
  );
}

/** The last time the peer was heard on `pair`'s path: an answer, a check, or application data. */
export function lastHeardOn(pair: CandidatePair): number {
  const checked = checkedPairOf(pair);
  return Math.max(
    checked.validatedAt ?? Number.NEGATIVE_INFINITY,
    checked.lastCheckReceivedAt ?? Number.NEGATIVE_INFINITY,
    checked.counters.lastPacketReceivedAt ?? Number.NEGATIVE_INFINITY,
    pair.counters.lastPacketReceivedAt ?? Number.NEGATIVE_INFINITY,
  );
}
