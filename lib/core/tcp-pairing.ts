/**
 * ICE-TCP rules (RFC 6544) as pure functions: the priority of TCP candidates
 * (§4.2), which local and remote candidates form a pair we check (§6.2), and
 * the `tcptype` of a peer-reflexive candidate learned over a connection (§7.2).
 * @module
 */
import { candidatePriority, TYPE_PREFERENCE } from '../candidate.js';
import type { Candidate, CandidateType, TcpType } from '../candidate-types.js';
import { InvalidArgumentError } from '../errors.js';

/**
 * Direction preference (0–7, RFC 6544 §4.2) by candidate type and `tcptype`.
 * Host and relayed candidates prefer active (6), then passive (4), then
 * simultaneous-open (2): an active host candidate needs no inbound
 * connection through a firewall. Server- and peer-reflexive ones prefer
 * simultaneous-open (6), then active (4), then passive (2), since a NAT
 * rarely lets a connection in to a reflexive passive candidate.
 */
export function tcpDirectionPreference(type: CandidateType, tcpType: TcpType): number {
  const reflexive = type === 'srflx' || type === 'prflx';
  switch (tcpType) {
    case 'active':
      return reflexive ? 4 : 6;
    case 'passive':
      return reflexive ? 2 : 4;
    case 'so':
      return reflexive ? 6 : 2;
  }
}

/** Largest other-preference (13 bits, RFC 6544 §4.2). */
export const MAX_TCP_OTHER_PREFERENCE = 8191;

/**
 * Local preference of a TCP candidate (RFC 6544 §4.2):
 * 2^13 · direction-pref + other-pref.
 * @throws InvalidArgumentError when a preference is out of range.
 */
export function tcpLocalPreference(directionPreference: number, otherPreference: number): number {
  checkRange(directionPreference, 'direction preference', 7);
  checkRange(otherPreference, 'other preference', MAX_TCP_OTHER_PREFERENCE);
  return 2 ** 13 * directionPreference + otherPreference;
}

/**
 * Type preference of a TCP candidate: half the UDP one of its type (host 63,
 * prflx 55, srflx 50, relay 0). RFC 6544 §4.2 leaves the choice open; with
 * these values every direct UDP path (host, srflx, prflx) outranks every TCP
 * one, and TCP outranks UDP relayed through TURN, so TCP is the fallback for
 * networks that block UDP, not a competitor of working UDP.
 */
export function tcpTypePreference(type: CandidateType): number {
  return Math.floor(TYPE_PREFERENCE[type] / 2);
}

/**
 * Priority of a TCP candidate: RFC 8445 §5.1.2.1 with the TCP type
 * preference ({@link tcpTypePreference}) and the RFC 6544 §4.2 local
 * preference. `otherPreference` (0–8191) tells apart candidates that share
 * type and direction, e.g. by interface ({@link tcpOtherPreference}).
 * @throws InvalidArgumentError when an input is out of range.
 */
export function tcpCandidatePriority(
  type: CandidateType,
  tcpType: TcpType,
  otherPreference: number,
  component: number,
): number {
  const local = tcpLocalPreference(tcpDirectionPreference(type, tcpType), otherPreference);
  return candidatePriority(tcpTypePreference(type), local, component);
}

/**
 * Other-preference (0–8191) from the 16-bit local preference the UDP host
 * candidate of the same interface gets: its top 13 bits, so the address
 * class and interface order of the UDP candidates carry over.
 */
export function tcpOtherPreference(udpLocalPreference: number): number {
  checkRange(udpLocalPreference, 'local preference', 65535);
  return udpLocalPreference >> 3;
}

/**
 * Whether a local TCP candidate and a remote one form a pair we check
 * (RFC 6544 §6.2): local active with remote passive (we connect), and
 * simultaneous-open with simultaneous-open. A local passive candidate with a
 * remote active one is not checked by us: the remote connects, and its check
 * arrives over that connection (a peer-reflexive remote, §7.2). Candidates of
 * different transports never pair; UDP ones always may.
 */
export function isCheckableTransportPair(local: Candidate, remote: Candidate): boolean {
  if (local.transport !== remote.transport) return false;
  if (local.transport === 'udp') return true;
  if (local.tcpType === 'active') return remote.tcpType === 'passive';
  if (local.tcpType === 'so') return remote.tcpType === 'so';
  return false;
}

/**
 * The `tcptype` of a remote peer-reflexive candidate learned from a check
 * that arrived on a connection to local candidate `local` (RFC 6544 §7.2):
 * the opposite of ours (a connection to our passive candidate comes from an
 * active one), `so` for `so`.
 */
export function peerReflexiveTcpType(local: TcpType): TcpType {
  if (local === 'passive') return 'active';
  if (local === 'active') return 'passive';
  return 'so';
}

function checkRange(value: number, name: string, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new InvalidArgumentError(`${name} "${String(value)}" must be an integer in the range 0-${max}`);
  }
}
