/**
 * What the collaborators of {@link IceAgent} share: the resolved options, the
 * agent's own counters, the subjects behind its public streams and the table
 * of bound sockets. Internal to the agent.
 * @internal
 * @module
 */
import { BehaviorSubject, ReplaySubject, Subject, type Subscription } from 'rxjs';
import type { Candidate } from '../candidate-types.js';
import type { InterfaceChange } from '../core/interfaces.js';
import type { IceRole } from '../core/pair.js';
import type { ConnectionState } from '../core/session.js';
import type { IceCandidate } from '../ice-candidate.js';
import type { ResolvedOptions } from '../options.js';
import type { TransportCounters } from '../stats.js';
import type { PacketSocket } from '../transport/types.js';
import type { IceServerError } from '../turn/server-error.js';
import type { AgentTracer } from './tracer.js';

/** Gathering states (W3C `RTCIceGatheringState`). */
export type GatheringState = 'new' | 'gathering' | 'complete';

/** The pair data flows over: what each side sees of the path. */
export interface SelectedPair {
  /** The local candidate of the pair. */
  readonly local: Candidate;
  /** The remote candidate of the pair (possibly peer-reflexive, learned from a check). */
  readonly remote: Candidate;
}

/** A socket the agent reads from: a host socket or a TURN relay socket. */
export interface BoundSocket {
  readonly id: number;
  readonly socket: PacketSocket;
  /** The socket's own candidate: a host candidate, or a relayed one for a TURN relay socket. */
  readonly host: Candidate;
  readonly subscription: Subscription;
  /** Server-reflexive candidates learned for this socket (re-announced on restart). */
  readonly reflexive: Candidate[];
}

/** The subjects behind the agent's public streams. */
export class AgentStreams {
  /** One ReplaySubject per generation of local candidates. */
  readonly generations = new BehaviorSubject<ReplaySubject<IceCandidate>>(new ReplaySubject<IceCandidate>());
  readonly gatheringState = new BehaviorSubject<GatheringState>('new');
  readonly connectionState = new BehaviorSubject<ConnectionState>('new');
  readonly selected = new BehaviorSubject<SelectedPair | undefined>(undefined);
  readonly data = new Subject<Uint8Array>();
  readonly role: BehaviorSubject<IceRole>;
  readonly interfaceChanges = new Subject<InterfaceChange>();
  readonly serverErrors = new Subject<IceServerError>();

  constructor(role: IceRole) {
    this.role = new BehaviorSubject<IceRole>(role);
  }

  /** Completes every stream (the agent stopped). */
  complete(): void {
    this.generations.value.complete();
    for (const subject of [
      this.generations,
      this.gatheringState,
      this.connectionState,
      this.selected,
      this.data,
      this.role,
      this.interfaceChanges,
      this.serverErrors,
    ]) {
      subject.complete();
    }
  }
}

/** State shared by the agent's collaborators. */
export interface AgentContext {
  readonly options: ResolvedOptions;
  readonly counters: TransportCounters;
  readonly streams: AgentStreams;
  /** Bound sockets by id (host and relay). */
  readonly sockets: Map<number, BoundSocket>;
  /** ICE generation: 0, then +1 per restart. */
  generation: number;
  /** `stop()` was called. */
  stopped: boolean;
  /** `trace$` and whether anyone listens to it. */
  readonly tracer: AgentTracer;
}

/** The agent's clock: its scheduler's `now()`. */
export function nowOf(context: AgentContext): number {
  return context.options.scheduler.now();
}
