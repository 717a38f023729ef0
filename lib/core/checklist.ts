import type { Candidate } from '../candidate-types.js';
import {
  byPriorityDescending,
  type CandidatePair,
  computePairPriority,
  type IceRole,
  pathKey,
} from './pair.js';

/**
 * The checklist of one ICE data stream (RFC 8445 §6.1.2): pairs ordered by
 * priority, the frozen/waiting bookkeeping, the triggered-check queue, and
 * the valid pairs a check produced without being checked themselves
 * (§7.2.5.3.2). Plain data and deterministic methods: no time, no I/O.
 *
 * Once a pair is nominated the checklist is *concluded* (§8.1.2): only the
 * nominated pair's generating pair may be checked again (triggered checks),
 * and no new pair joins.
 */
export class Checklist {
  /** Every pair (checked ones and valid-only ones), highest priority first. */
  readonly pairs: CandidatePair[] = [];
  /** Checked pairs by path; valid-only pairs share their generating pair's path and are not here. */
  private readonly byPath = new Map<string, CandidatePair>();
  /** The triggered-check queue (RFC 8445 §6.1.4.1): FIFO, a pair at most once. */
  private readonly triggered: CandidatePair[] = [];
  /** Set once a pair is nominated: the generating pair of the nominated one (RFC 8445 §8.1.2). */
  private concludedOn: CandidatePair | undefined;

  /** @param limit maximum number of pairs kept (RFC 8445 §6.1.2.5 recommends 100). */
  constructor(readonly limit: number) {}

  /** The checked pair on this local socket towards this remote address, if any. */
  find(socketId: number, address: string, port: number): CandidatePair | undefined {
    return this.byPath.get(pathKey(socketId, address, port));
  }

  /** Whether checking is over: a pair was nominated (RFC 8445 §8.1.2). */
  get concluded(): boolean {
    return this.concludedOn !== undefined;
  }

  /**
   * Adds a pair to be checked, keeping at most `limit` pairs: when full, the
   * lowest-priority pair that is not being checked or used makes room, or the
   * new pair is refused. Its state is Waiting unless a pair of its foundation
   * is already Waiting or In-Progress (then Frozen: RFC 8445 §6.1.2.6). Returns
   * false when refused (full, path already paired, or checking concluded).
   */
  add(pair: CandidatePair): boolean {
    const key = pathKey(pair.local.socketId, pair.remote.address, pair.remote.port);
    if (this.concluded || this.byPath.has(key)) return false;
    if (this.pairs.length >= this.limit && !this.evictBelow(pair)) return false;
    pair.state = this.hasActiveFoundation(pair.foundation) ? 'frozen' : 'waiting';
    this.byPath.set(key, pair);
    this.insert(pair);
    return true;
  }

  /**
   * Adds a valid pair that no check will ever run on (RFC 8445 §7.2.5.3.2:
   * its local candidate is the reflexive address a response revealed). It
   * counts against `limit` like any pair; returns false when refused.
   */
  addValidOnly(pair: CandidatePair): boolean {
    if (this.pairs.length >= this.limit && !this.evictBelow(pair)) return false;
    this.insert(pair);
    return true;
  }

  /**
   * Queues a triggered check (RFC 8445 §7.3.1.4, and the nominating check of
   * §8.1.1); a pair is queued at most once. After conclusion only the
   * nominated path may be checked, unless `force` (the controlled side
   * following a later nomination from the peer, RFC 8445 §7.3.1.5).
   * Returns whether the pair is queued.
   */
  enqueueTriggered(pair: CandidatePair, force = false): boolean {
    if (this.concludedOn !== undefined && pair !== this.concludedOn && !force) return false;
    if (pair.state !== 'in-progress') pair.state = 'waiting';
    if (!this.triggered.includes(pair)) this.triggered.push(pair);
    return true;
  }

  /** Takes `pair` out of the triggered-check queue (its check is no longer needed). */
  dequeue(pair: CandidatePair): void {
    const index = this.triggered.indexOf(pair);
    if (index >= 0) this.triggered.splice(index, 1);
  }

  /** Whether `pair` waits in the triggered-check queue. */
  isQueued(pair: CandidatePair): boolean {
    return this.triggered.includes(pair);
  }

  /**
   * The pair to check in the next Ta slot (RFC 8445 §6.1.4.2): the head of
   * the triggered queue first; then the highest-priority Waiting pair; else,
   * for each foundation with no pair Waiting or In-Progress, its
   * highest-priority Frozen pair is unfrozen, and the best of those is
   * checked. Undefined when there is nothing to check.
   */
  nextPairToCheck(): CandidatePair | undefined {
    const queued = this.triggered.shift();
    if (queued) return queued;
    if (this.concluded) return undefined;
    const waiting = this.pairs.find((p) => p.state === 'waiting');
    if (waiting) return waiting;
    this.unfreezeIdleFoundations();
    return this.pairs.find((p) => p.state === 'waiting');
  }

  /** True when `nextPairToCheck` would return a pair. */
  hasWork(): boolean {
    if (this.triggered.length > 0) return true;
    if (this.concluded) return false;
    return this.pairs.some(
      (p) => p.state === 'waiting' || (p.state === 'frozen' && !this.hasActiveFoundation(p.foundation)),
    );
  }

  /** A check succeeded: unfreeze the pairs that share its foundation (RFC 8445 §7.2.5.3.3). */
  unfreezeFoundation(foundation: string): void {
    for (const p of this.pairs) if (p.state === 'frozen' && p.foundation === foundation) p.state = 'waiting';
  }

  /** After a role change every pair priority flips its G/D sides (RFC 8445 §7.3.1.1). */
  recomputePriorities(role: IceRole): void {
    for (const p of this.pairs) p.priority = computePairPriority(p.local.candidate, p.remote, role);
    this.pairs.sort(byPriorityDescending);
  }

  /**
   * The peer signaled a candidate we knew only as peer-reflexive: pairs
   * towards it take the signaled candidate, its foundation and priority.
   */
  replaceRemote(previous: Candidate, signaled: Candidate, role: IceRole): void {
    for (const p of this.pairs) {
      if (p.remote !== previous) continue;
      p.remote = signaled;
      p.foundation = `${p.local.candidate.foundation}:${signaled.foundation}`;
      p.priority = computePairPriority(p.local.candidate, signaled, role);
    }
    this.pairs.sort(byPriorityDescending);
  }

  /** True when no pair can change state by itself any more (none waiting, frozen, in progress or queued). */
  isSettled(): boolean {
    return (
      this.triggered.length === 0 && this.pairs.every((p) => p.state === 'succeeded' || p.state === 'failed')
    );
  }

  /**
   * A pair was nominated (RFC 8445 §8.1.2): the triggered queue is emptied
   * but for the nominated path, no other pair is checked again and no new
   * pair joins. Returns the pairs whose checks must be cancelled.
   */
  conclude(generating: CandidatePair): CandidatePair[] {
    this.concludedOn = generating;
    const kept = this.triggered.filter((p) => p === generating);
    this.triggered.splice(0, this.triggered.length, ...kept);
    return this.pairs.filter((p) => p !== generating && p.generatedBy === undefined);
  }

  /** Drops every pair on local socket `socketId` (its interface went away); returns the dropped pairs. */
  removeSocket(socketId: number): CandidatePair[] {
    const removed = this.pairs.filter((p) => p.local.socketId === socketId);
    if (removed.length === 0) return removed;
    const kept = this.pairs.filter((p) => p.local.socketId !== socketId);
    this.pairs.splice(0, this.pairs.length, ...kept);
    for (const p of removed) this.forgetPath(p);
    const queued = this.triggered.filter((p) => p.local.socketId !== socketId);
    this.triggered.splice(0, this.triggered.length, ...queued);
    return removed;
  }

  /**
   * Checking resumes: the nomination that concluded it is gone (the
   * selected pair failed for the peer's new generation, see
   * `IceSession.reopenChecking`). Waiting pairs are checked again.
   */
  reopen(): void {
    this.concludedOn = undefined;
  }

  /** Drops every pair (ICE restart). */
  clear(): void {
    this.pairs.length = 0;
    this.triggered.length = 0;
    this.byPath.clear();
    this.concludedOn = undefined;
  }

  private insert(pair: CandidatePair): void {
    this.pairs.push(pair);
    this.pairs.sort(byPriorityDescending);
  }

  private forgetPath(pair: CandidatePair): void {
    const key = pathKey(pair.local.socketId, pair.remote.address, pair.remote.port);
    if (this.byPath.get(key) === pair) this.byPath.delete(key);
  }

  private hasActiveFoundation(foundation: string): boolean {
    return this.pairs.some(
      (p) => p.foundation === foundation && (p.state === 'waiting' || p.state === 'in-progress'),
    );
  }

  /** RFC 8445 §6.1.4.2 step 2: per idle foundation, its highest-priority Frozen pair goes Waiting. */
  private unfreezeIdleFoundations(): void {
    const seen = new Set<string>();
    for (const p of this.pairs) {
      if (p.state !== 'frozen' || seen.has(p.foundation)) continue;
      seen.add(p.foundation);
      if (!this.hasActiveFoundation(p.foundation)) p.state = 'waiting';
    }
  }

  private evictBelow(pair: CandidatePair): boolean {
    for (let i = this.pairs.length - 1; i >= 0; i--) {
      const victim = this.pairs[i] as CandidatePair;
      if (byPriorityDescending(victim, pair) < 0) return false; // every remaining pair outranks the new one
      const idle = victim.state === 'frozen' || victim.state === 'waiting' || victim.state === 'failed';
      if (idle && !victim.valid && victim.generatedBy === undefined) {
        this.pairs.splice(i, 1);
        this.forgetPath(victim);
        const queued = this.triggered.indexOf(victim);
        if (queued >= 0) this.triggered.splice(queued, 1);
        return true;
      }
    }
    return false;
  }
}
