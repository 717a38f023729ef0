/**
 * `trace$`: stamps the records of the sessions and of the agent itself with
 * the scheduler's time and the generation, and switches recording on only
 * while someone subscribes (first subscriber on, last one off).
 * @internal
 * @module
 */
import { debuglog } from 'node:util';
import { Observable, Subject } from 'rxjs';
import type { CandidatePair } from '../core/pair.js';
import type { IceSession } from '../core/session.js';
import { endpoint, type TraceEvent, type TraceRecord } from '../trace-events.js';
import { formatTraceEvent } from '../trace-format.js';

/** `NODE_DEBUG=rx-ice` prints every trace event (Node's own convention, read once at load). */
const debug = debuglog('rx-ice');
/** Numbers agents in `NODE_DEBUG` lines. */
let agentCount = 0;

/** With `NODE_DEBUG=rx-ice`, prints every event of `trace$` as one line on stderr (until it completes). */
export function logTraceToDebug(trace$: Observable<TraceEvent>): void {
  if (!debug.enabled) return;
  const name = `agent ${++agentCount}`;
  trace$.subscribe((event) => debug('%s %s', name, formatTraceEvent(event)));
}

/** The agent's trace stream and its on/off switch. */
export class AgentTracer {
  /** The Observable behind `IceAgent.trace$`. */
  readonly trace$: Observable<TraceEvent>;
  /** Someone listens: record. Read it before building a record. */
  active = false;
  private readonly events = new Subject<TraceEvent>();
  private subscribers = 0;
  /** What each pair looked like when last traced (pairs are bounded by `checklistLimit`). */
  private pairSeen = new WeakMap<CandidatePair, string>();

  /**
   * @param now the scheduler's clock.
   * @param switched called when recording goes on or off, to switch the sessions' buffers.
   */
  constructor(
    private readonly now: () => number,
    private readonly switched: (active: boolean) => void,
  ) {
    this.trace$ = new Observable<TraceEvent>((subscriber) => {
      const subscription = this.events.subscribe(subscriber);
      if (this.subscribers++ === 0) this.setActive(true);
      return () => {
        subscription.unsubscribe();
        if (--this.subscribers === 0) this.setActive(false);
      };
    });
  }

  /** Emits one record of the agent (not of a session), stamped now. */
  emit(record: TraceRecord, generation: number): void {
    if (!this.active) return;
    this.events.next({ ...record, at: this.now(), generation });
  }

  /** Emits what `session` recorded in its last step, then the pairs whose state changed. */
  drain(session: IceSession, generation: number): void {
    if (!this.active) return;
    const at = this.now();
    session.trace.drain((record) => this.events.next({ ...record, at, generation }));
    this.tracePairs(session, at, generation);
  }

  /** The agent stopped. */
  complete(): void {
    this.events.complete();
  }

  private setActive(active: boolean): void {
    this.active = active;
    if (active) this.pairSeen = new WeakMap();
    this.switched(active);
  }

  private tracePairs(session: IceSession, at: number, generation: number): void {
    for (const pair of session.checklist.pairs) {
      const signature = `${pair.state}|${pair.valid ? 1 : 0}|${pair.nominated ? 1 : 0}`;
      const seen = this.pairSeen.get(pair);
      if (seen === signature) continue;
      this.pairSeen.set(pair, signature);
      const local = pair.local.candidate;
      this.events.next({
        type: 'pair-state',
        pairId: pair.id,
        local: endpoint(local.address, local.port),
        localType: local.type,
        remote: endpoint(pair.remote.address, pair.remote.port),
        remoteType: pair.remote.type,
        from: seen === undefined ? undefined : (seen.slice(0, seen.indexOf('|')) as CandidatePair['state']),
        state: pair.state,
        valid: pair.valid,
        nominated: pair.nominated,
        at,
        generation,
      });
    }
  }
}
