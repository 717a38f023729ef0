/**
 * Server-reflexive and relayed candidates (RFC 8445 §5.1.1.2, §5.1.2):
 * priorities, foundations and related addresses.
 */
import { candidatePriority, computeFoundation } from '../candidate.js';
import type { Candidate } from '../candidate-types.js';
import type { StunAddress } from '../stun/types.js';
import type { IceServerUrl } from './urls.js';

/** The local preference inside a candidate's priority (bits 8–23). */
function localPreferenceOf(candidate: Candidate): number {
  return Math.floor(candidate.priority / 256) & 0xffff;
}

/**
 * The server-reflexive candidate of a host candidate: same local preference
 * (so srflx candidates of different bases keep the host order), foundation
 * from type, base and server, raddr/rport = the base.
 */
export function reflexiveCandidate(host: Candidate, mapped: StunAddress, server: IceServerUrl): Candidate {
  return {
    foundation: computeFoundation('srflx', host.address, 'udp', server.url),
    component: 1,
    transport: 'udp',
    priority: candidatePriority('srflx', localPreferenceOf(host), 1),
    address: mapped.address,
    port: mapped.port,
    type: 'srflx',
    relatedAddress: host.address,
    relatedPort: host.port,
    extensions: [],
  };
}

/** Transport to the TURN server, best first: UDP, then TCP, then TLS (as browsers rank them). */
const TRANSPORT_RANK = { udp: 2, tcp: 1, tls: 0 } as const;

/**
 * A relayed candidate. Its local preference ranks the transport to the server
 * (UDP > TCP > TLS) and then the attempt (`index`, 0 first), so every relayed
 * candidate's priority is distinct (RFC 8445 §5.1.2.1). raddr/rport are the
 * client's address as the server saw it (XOR-MAPPED-ADDRESS), or the base.
 */
export function relayCandidate(
  host: Candidate,
  relayed: StunAddress,
  mapped: StunAddress | undefined,
  server: IceServerUrl,
  index: number,
): Candidate {
  const localPreference = TRANSPORT_RANK[server.transport] * 16384 + (16383 - Math.min(index, 16383));
  return {
    foundation: computeFoundation('relay', host.address, 'udp', `${server.url} ${server.transport}`),
    component: 1,
    transport: 'udp',
    priority: candidatePriority('relay', localPreference, 1),
    address: relayed.address,
    port: relayed.port,
    type: 'relay',
    relatedAddress: mapped?.address ?? host.address,
    relatedPort: mapped?.port ?? host.port,
    extensions: [],
  };
}
