/**
 * Peer-reflexive candidates (RFC 8445 §7.2.5.3.1, §7.3.1.3) as plain
 * constructors: the remote one a check teaches us, and the local one a
 * response's XOR-MAPPED-ADDRESS reveals.
 */
import { candidatePriority, computeFoundation } from '../candidate.js';
import type { Candidate } from '../candidate-types.js';
import { peerReflexivePriority } from './check-messages.js';
import type { LocalCandidate } from './pair.js';
import { peerReflexiveTcpType } from './tcp-pairing.js';

/**
 * A remote peer-reflexive candidate learned from a check's source address
 * (RFC 8445 §7.3.1.3): the foundation only has to be unique; the priority
 * comes from the request's PRIORITY. Learned on the socket of a TCP
 * candidate `local`, it is a TCP one (RFC 6544 §7.2).
 */
export function remotePeerReflexive(
  serial: number,
  address: string,
  port: number,
  priority: number | undefined,
  local?: Candidate,
): Candidate {
  const learned: Candidate = {
    foundation: `prflx${serial}`,
    component: 1,
    transport: 'udp',
    priority: priority ?? candidatePriority('prflx', 0, 1),
    address,
    port,
    type: 'prflx',
    extensions: [],
  };
  // RFC 6544 §7.2: learned over a TCP connection, it is a TCP candidate of the opposite tcptype.
  if (local?.transport !== 'tcp' || local.tcpType === undefined) return learned;
  return { ...learned, transport: 'tcp', tcpType: peerReflexiveTcpType(local.tcpType) };
}

/**
 * A local peer-reflexive candidate (RFC 8445 §7.2.5.3.1): the mapped address
 * a response reports for a check sent from `base`. It shares the base's
 * socket and generation.
 */
export function localPeerReflexive(base: LocalCandidate, address: string, port: number): LocalCandidate {
  const candidate = base.candidate;
  const learned: Candidate = {
    foundation: computeFoundation('prflx', candidate.address, candidate.transport),
    component: 1,
    transport: candidate.transport,
    priority: peerReflexivePriority(candidate),
    address,
    port,
    type: 'prflx',
    relatedAddress: candidate.address,
    relatedPort: candidate.port,
    extensions: [],
    ...(candidate.tcpType === undefined ? {} : { tcpType: candidate.tcpType }),
  };
  return {
    socketId: base.socketId,
    candidate:
      candidate.generation === undefined ? learned : { ...learned, generation: candidate.generation },
  };
}
