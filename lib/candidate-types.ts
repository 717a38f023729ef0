/** ICE candidate types (RFC 8445 §5.1.1). */
export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay';

/** TCP candidate role (RFC 6544). */
export type TcpType = 'active' | 'passive' | 'so';

/**
 * An ICE candidate as signaled in SDP (RFC 8839 `a=candidate`). Immutable
 * plain data; {@link parseCandidate} and {@link serializeCandidate} convert
 * to and from the `candidate:` attribute string.
 */
export interface Candidate {
  /** 1 to 32 ice-chars identifying candidates of the same type, base and server. */
  readonly foundation: string;
  /** Component ID, 1 to 256 (rx-ice uses component 1 only). */
  readonly component: number;
  /** Transport protocol, lower-case. */
  readonly transport: 'udp' | 'tcp';
  /** Candidate priority, 1 to 2^31-1 (RFC 8445 §5.1.2). */
  readonly priority: number;
  /** IP address (or an mDNS `.local` name for remote candidates). */
  readonly address: string;
  /** Port, 0 to 65535 (0 for TCP active candidates). */
  readonly port: number;
  /** Candidate type (`typ`): host, server-reflexive, peer-reflexive or relayed. */
  readonly type: CandidateType;
  /** `raddr`: the related address (base or mapped address), when signaled. */
  readonly relatedAddress?: string;
  /** `rport`: the related port, when signaled. */
  readonly relatedPort?: number;
  /** `tcptype` of TCP candidates. */
  readonly tcpType?: TcpType;
  /** `generation` extension (browsers), when present. */
  readonly generation?: number;
  /** `ufrag` extension (browsers), when present. */
  readonly ufrag?: string;
  /** Other extension attributes, in order, preserved for round trips. */
  readonly extensions: ReadonlyArray<readonly [string, string]>;
}
