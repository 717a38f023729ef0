import { asyncScheduler, type SchedulerLike } from 'rxjs';
import type { IceRole } from './core/pair.js';
import { DEFAULT_RETRANSMISSION, type RetransmissionPolicy } from './core/retransmission.js';
import { InvalidOptionError } from './errors.js';
import type { PortRange, Transport } from './transport/types.js';
import { UdpTransport } from './transport/udp.js';

/** A STUN/TURN server, in the W3C `RTCIceServer` shape. */
export interface IceServer {
  readonly urls: string | readonly string[];
  readonly username?: string;
  readonly credential?: string;
}

/** Options of {@link IceAgent}. Only `role` is required. */
export interface IceAgentOptions {
  /** ICE role; a role conflict with the peer may switch it (RFC 8445 §7.3.1.1). */
  readonly role: IceRole;
  /**
   * Which local addresses to gather host candidates on. Default: every
   * non-loopback address. Loopback addresses are gathered only when this
   * filter selects them (tests and the interop harness run on 127.0.0.1).
   */
  readonly ipFilter?: (address: string, iface: string) => boolean;
  /** Inclusive port range for host sockets; default: any port the OS picks. */
  readonly ports?: PortRange;
  /** STUN/TURN servers (server-reflexive and relayed candidates). */
  readonly iceServers?: readonly IceServer[];
  /** `relay`: only relayed candidates are gathered, signaled and checked. */
  readonly iceTransportPolicy?: 'all' | 'relay';
  /** Scheduler for every timer of the agent; default `asyncScheduler`. Pass a `TestScheduler` for virtual time. */
  readonly scheduler?: SchedulerLike;
  /** Where sockets come from; default real UDP. `rx-ice/testing`'s virtual network plugs in here. */
  readonly transport?: Transport;
  /** Pacing of new connectivity checks in ms (RFC 8445 §14.2); default 50. */
  readonly ta?: number;
  /** Most candidate pairs kept in the checklist; default 100 (RFC 8445 §6.1.2.5). */
  readonly checklistLimit?: number;
  /** Most remote candidates accepted (signaled and peer-reflexive); default 100. */
  readonly maxRemoteCandidates?: number;
  /** Check retransmissions; default 6 retransmissions, RTO doubling up to 1600 ms. */
  readonly retransmission?: Partial<RetransmissionPolicy>;
  /** Controlling side: ms to wait for a better pair after the first valid one before nominating; default 200. */
  readonly nominationDelay?: number;
  /**
   * Ms to wait, once every pair failed and the remote has not signaled
   * end-of-candidates, before declaring `failed`; default 10000.
   */
  readonly candidateWait?: number;
  /** ICE tie-breaker (RFC 8445 §7.1.1.2); default: 64 random bits. For tests of role conflicts. */
  readonly tieBreaker?: bigint;
}

/** Options with defaults applied, validated. */
export interface ResolvedOptions {
  readonly role: IceRole;
  readonly ipFilter: (address: string, iface: string, internal: boolean) => boolean;
  readonly ports: PortRange | undefined;
  readonly iceServers: readonly IceServer[];
  readonly iceTransportPolicy: 'all' | 'relay';
  readonly scheduler: SchedulerLike;
  readonly transport: Transport;
  readonly ta: number;
  readonly checklistLimit: number;
  readonly maxRemoteCandidates: number;
  readonly retransmission: RetransmissionPolicy;
  readonly nominationDelay: number;
  readonly candidateWait: number;
  readonly tieBreaker: bigint | undefined;
}

/** Validates user options and fills in defaults; throws {@link InvalidOptionError} naming the bad option. */
export function resolveOptions(options: IceAgentOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null)
    throw new InvalidOptionError('options must be an object');
  if (options.role !== 'controlling' && options.role !== 'controlled') {
    throw new InvalidOptionError(
      `role must be 'controlling' or 'controlled', got ${JSON.stringify(options.role)}`,
    );
  }
  const { ipFilter } = options;
  if (ipFilter !== undefined && typeof ipFilter !== 'function') {
    throw new InvalidOptionError('ipFilter must be a function (address, iface) => boolean');
  }
  if (options.iceTransportPolicy !== undefined && !['all', 'relay'].includes(options.iceTransportPolicy)) {
    throw new InvalidOptionError(
      `iceTransportPolicy must be 'all' or 'relay', got ${JSON.stringify(options.iceTransportPolicy)}`,
    );
  }
  if (options.iceServers !== undefined && !Array.isArray(options.iceServers)) {
    throw new InvalidOptionError('iceServers must be an array of { urls, username?, credential? }');
  }
  const retransmission = { ...DEFAULT_RETRANSMISSION, ...options.retransmission };
  checkInteger('retransmission.retransmissions', retransmission.retransmissions, 0, 20);
  checkInteger('retransmission.maxRto', retransmission.maxRto, 100, 60_000);
  return {
    role: options.role,
    ipFilter: ipFilter ? (address, iface) => ipFilter(address, iface) : (_a, _i, internal) => !internal,
    ports: checkPorts(options.ports),
    iceServers: options.iceServers ?? [],
    iceTransportPolicy: options.iceTransportPolicy ?? 'all',
    scheduler: options.scheduler ?? asyncScheduler,
    transport: options.transport ?? new UdpTransport(),
    ta: checkInteger('ta', options.ta ?? 50, 5, 1000),
    checklistLimit: checkInteger('checklistLimit', options.checklistLimit ?? 100, 1, 1000),
    maxRemoteCandidates: checkInteger('maxRemoteCandidates', options.maxRemoteCandidates ?? 100, 1, 1000),
    retransmission,
    nominationDelay: checkInteger('nominationDelay', options.nominationDelay ?? 200, 0, 60_000),
    candidateWait: checkInteger('candidateWait', options.candidateWait ?? 10_000, 0, 600_000),
    tieBreaker: checkTieBreaker(options.tieBreaker),
  };
}

function checkInteger(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(`${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

function checkPorts(ports: PortRange | undefined): PortRange | undefined {
  if (ports === undefined) return undefined;
  if (typeof ports !== 'object' || ports === null) throw new InvalidOptionError('ports must be { min, max }');
  checkInteger('ports.min', ports.min, 1, 65535);
  checkInteger('ports.max', ports.max, 1, 65535);
  if (ports.min > ports.max)
    throw new InvalidOptionError(`ports.min (${ports.min}) is above ports.max (${ports.max})`);
  return { min: ports.min, max: ports.max };
}

function checkTieBreaker(value: bigint | undefined): bigint | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'bigint' || value < 0n || value >= 2n ** 64n) {
    throw new InvalidOptionError('tieBreaker must be a bigint from 0 to 2^64-1');
  }
  return value;
}
