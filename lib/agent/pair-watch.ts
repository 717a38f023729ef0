/**
 * `pairs$`: the candidate pairs of the current session, emitted whenever a
 * check changes one of them (state, validity, nomination, selection, RTT).
 * Costs nothing while nobody subscribes; with subscribers, one pass over the
 * checklist (at most `checklistLimit` pairs) per session step.
 * @internal
 * @module
 */
import { Observable, Subject } from 'rxjs';
import type { IceSession } from '../core/session.js';
import { type CandidatePairStats, pairStatsOf } from '../stats.js';

/** Watches one agent's pairs for `pairs$`. */
export class PairWatch {
  /** The Observable behind `IceAgent.pairs$`. */
  readonly pairs$: Observable<readonly CandidatePairStats[]>;
  private readonly changes = new Subject<readonly CandidatePairStats[]>();
  private watchers = 0;
  private seen = '';

  /** @param current the agent's current session (it changes on restart). */
  constructor(current: () => IceSession) {
    this.pairs$ = new Observable<readonly CandidatePairStats[]>((subscriber) => {
      const session = current();
      if (this.watchers++ === 0) this.seen = signature(session);
      subscriber.next(pairStatsOf(session));
      const subscription = this.changes.subscribe(subscriber);
      return () => {
        this.watchers--;
        subscription.unsubscribe();
      };
    });
  }

  /** After a session step: emits the pairs if anything a watcher sees changed. */
  check(session: IceSession): void {
    if (this.watchers === 0) return;
    const now = signature(session);
    if (now === this.seen) return;
    this.seen = now;
    this.changes.next(pairStatsOf(session));
  }

  /** The agent stopped. */
  complete(): void {
    this.changes.complete();
  }
}

/** What a watcher of the pairs sees change, as one comparable string. */
function signature(session: IceSession): string {
  let out = `${session.localCredentials.ufrag}|${session.selectedPair?.id ?? '-'}`;
  for (const p of session.checklist.pairs) {
    out += `|${p.id}:${p.state}:${p.valid ? 1 : 0}${p.nominated ? 1 : 0}:${p.rtt ?? ''}:${p.remote.type}`;
  }
  return out;
}
