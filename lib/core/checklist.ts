import {
  byPriorityDescending,
  type CandidatePair,
  computePairPriority,
  type IceRole,
  pathKey,
} from './pair.js';

/**
 * The checklist of one ICE data stream (RFC 8445 §6.1.2): pairs ordered by
 * priority, the frozen/waiting bookkeeping and the triggered-check queue.
 * Plain data and deterministic methods: no time, no I/O.
 */
export class Checklist {
  /** Every pair, highest priority first. */
  readonly pairs: CandidatePair[] = [];
  private readonly byPath = new Map<string, CandidatePair>();
  private readonly triggered: CandidatePair[] = [];

  /** @param limit maximum number of pairs kept (RFC 8445 §6.1.2.5 recommends 100). */
  constructor(readonly limit: number) {}

  /** The pair on this local socket towards this remote address, if any. */
  find(socketId: number, address: string, port: number): CandidatePair | undefined {
    return this.byPath.get(pathKey(socketId, address, port));
  }

  /**
   * Adds a pair, keeping at most `limit` pairs: when full, the lowest-priority
   * pair that is not being checked or used makes room, or the new pair is
   * refused. Returns false when refused (or when the path already has a pair).
   */
  add(pair: CandidatePair): boolean {
    const key = pathKey(pair.local.socketId, pair.remote.address, pair.remote.port);
    if (this.byPath.has(key)) return false;
    if (this.pairs.length >= this.limit && !this.evictBelow(pair)) return false;
    pair.state = this.hasActiveFoundation(pair.foundation) ? 'frozen' : 'waiting';
    this.byPath.set(key, pair);
    this.pairs.push(pair);
    this.pairs.sort(byPriorityDescending);
    return true;
  }

  /** Queues a triggered check (RFC 8445 §7.3.1.4); a pair is queued at most once. */
  enqueueTriggered(pair: CandidatePair): void {
    pair.state = 'waiting';
    if (!this.triggered.includes(pair)) this.triggered.push(pair);
  }

  /**
   * The pair to check in the next Ta slot (RFC 8445 §6.1.4.2): the triggered
   * queue first, then the highest-priority waiting pair, then a frozen pair
   * unfrozen for the purpose. Undefined when there is nothing to check.
   */
  nextPairToCheck(): CandidatePair | undefined {
    while (this.triggered.length > 0) {
      const pair = this.triggered.shift() as CandidatePair;
      if (pair.state === 'waiting') return pair;
    }
    const waiting = this.pairs.find((p) => p.state === 'waiting');
    if (waiting) return waiting;
    const frozen = this.pairs.find((p) => p.state === 'frozen');
    if (frozen) frozen.state = 'waiting';
    return frozen;
  }

  /** True when `nextPairToCheck` would return a pair. */
  hasWork(): boolean {
    return this.triggered.length > 0 || this.pairs.some((p) => p.state === 'waiting' || p.state === 'frozen');
  }

  /** A check succeeded: unfreeze the pairs that share its foundation (RFC 8445 §7.2.5.3.3). */
  unfreezeFoundation(foundation: string): void {
    for (const p of this.pairs) if (p.state === 'frozen' && p.foundation === foundation) p.state = 'waiting';
  }

  /** A check failed: let the next frozen pair of its foundation go, so the foundation is not stuck. */
  releaseFoundation(foundation: string): void {
    if (this.hasActiveFoundation(foundation)) return;
    const next = this.pairs.find((p) => p.state === 'frozen' && p.foundation === foundation);
    if (next) next.state = 'waiting';
  }

  /** After a role change every pair priority flips its G/D sides (RFC 8445 §7.3.1.1). */
  recomputePriorities(role: IceRole): void {
    for (const p of this.pairs) p.priority = computePairPriority(p.local.candidate, p.remote, role);
    this.pairs.sort(byPriorityDescending);
  }

  /** True when no pair can still change state by itself (all succeeded or failed). */
  isSettled(): boolean {
    return (
      this.triggered.length === 0 && this.pairs.every((p) => p.state === 'succeeded' || p.state === 'failed')
    );
  }

  /** Drops every pair on local socket `socketId` (its interface went away); returns the dropped pairs. */
  removeSocket(socketId: number): CandidatePair[] {
    const removed = this.pairs.filter((p) => p.local.socketId === socketId);
    if (removed.length === 0) return removed;
    const kept = this.pairs.filter((p) => p.local.socketId !== socketId);
    this.pairs.splice(0, this.pairs.length, ...kept);
    for (const p of removed) this.byPath.delete(pathKey(socketId, p.remote.address, p.remote.port));
    const queued = this.triggered.filter((p) => p.local.socketId !== socketId);
    this.triggered.splice(0, this.triggered.length, ...queued);
    return removed;
  }

  /** Drops every pair (ICE restart). */
  clear(): void {
    this.pairs.length = 0;
    this.triggered.length = 0;
    this.byPath.clear();
  }

  private hasActiveFoundation(foundation: string): boolean {
    return this.pairs.some(
      (p) => p.foundation === foundation && (p.state === 'waiting' || p.state === 'in-progress'),
    );
  }

  private evictBelow(pair: CandidatePair): boolean {
    for (let i = this.pairs.length - 1; i >= 0; i--) {
      const victim = this.pairs[i] as CandidatePair;
      if (byPriorityDescending(victim, pair) < 0) return false; // every remaining pair outranks the new one
      if (victim.state === 'frozen' || victim.state === 'waiting' || victim.state === 'failed') {
        this.pairs.splice(i, 1);
        this.byPath.delete(pathKey(victim.local.socketId, victim.remote.address, victim.remote.port));
        const queued = this.triggered.indexOf(victim);
        if (queued >= 0) this.triggered.splice(queued, 1);
        return true;
      }
    }
    return false;
  }
}
