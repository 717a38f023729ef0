/** The non-fatal STUN/TURN server problems `IceAgent.errors$` reports. */

/**
 * Which step failed:
 * - `dns`: the server's host name did not resolve;
 * - `stun-timeout` / `stun-error`: a Binding request to a STUN server got no
 *   answer / an error answer (no server-reflexive candidate from it);
 * - `turn-allocate`: the allocation failed (401 wrong credentials, 403, 437,
 *   486 quota, 508 capacity, no answer...): no relayed candidate from it;
 * - `turn-refresh`: refreshing the allocation failed (it is gone when `fatal`);
 * - `turn-permission` / `turn-channel`: CreatePermission / ChannelBind for a
 *   peer failed; the allocation lives on (data to that peer is dropped, or
 *   keeps using Send indications);
 * - `turn-connection`: the TCP/TLS connection to the server failed or broke.
 */
export type IceServerErrorKind =
  | 'dns'
  | 'stun-timeout'
  | 'stun-error'
  | 'turn-allocate'
  | 'turn-refresh'
  | 'turn-permission'
  | 'turn-channel'
  | 'turn-connection';

/**
 * One problem with a STUN or TURN server. Never thrown: emitted on
 * `IceAgent.errors$` and counted in `getStats().serverErrors`; the agent
 * goes on with its other candidates.
 */
export interface IceServerError {
  /** The server URL as configured, e.g. `turn:turn.example.org?transport=tcp`. */
  readonly url: string;
  /** Which step failed (see {@link IceServerErrorKind}). */
  readonly kind: IceServerErrorKind;
  /** STUN error code of the server's answer (401, 403, 437, 438, 486, 508...); absent for timeouts and I/O errors. */
  readonly code?: number;
  /** Human-readable cause: the server's reason phrase, or what went wrong locally. */
  readonly reason: string;
  /** The local address the request was made from, when there was one. */
  readonly hostAddress?: string;
  /** The peer concerned (`turn-permission`: its IP; `turn-channel`: `address:port`). */
  readonly peer?: string;
  /** True when the server attempt is over: no candidate, or the relayed candidate no longer works. */
  readonly fatal: boolean;
}
