/**
 * One readable line per trace event, as `NODE_DEBUG=rx-ice` prints them.
 * @module
 */
import type { TraceEvent, TraceRecord } from './trace-events.js';

/**
 * A trace event as one line: the scheduler time in ms, the generation, the
 * event type and its fields in words.
 *
 * @example
 * ```ts
 * formatTraceEvent({ type: 'check-failed', pairId: 3, transactionId: 'a1…', cause: 'error-response', code: 401, reason: 'Unauthorized', at: 1250, generation: 0 });
 * // '1250ms g0 check-failed pair 3 tx a1… error-response 401 Unauthorized'
 * ```
 */
export function formatTraceEvent(event: TraceEvent): string {
  return `${event.at}ms g${event.generation} ${event.type} ${describe(event)}`.trimEnd();
}

function describe(e: TraceRecord): string {
  switch (e.type) {
    case 'check-sent':
      return `pair ${e.pairId} ${e.local} -> ${e.remote} tx ${e.transactionId} ${e.role}${e.useCandidate ? ' USE-CANDIDATE' : ''}`;
    case 'check-retransmitted':
      return `pair ${e.pairId} tx ${e.transactionId} attempt ${e.attempt}`;
    case 'check-answered':
      return `pair ${e.pairId} tx ${e.transactionId} rtt ${e.rtt === undefined ? '? (retransmitted)' : `${e.rtt}ms`} mapped ${e.mapped}`;
    case 'check-failed':
      return `pair ${e.pairId} tx ${e.transactionId} ${e.cause}${e.code === undefined ? '' : ` ${e.code}`}${e.reason === undefined ? '' : ` ${e.reason}`}`;
    case 'request-received':
      return `from ${e.from} socket ${e.socketId}${e.pairId === undefined ? '' : ` pair ${e.pairId}`} tx ${e.transactionId}${e.useCandidate ? ' USE-CANDIDATE' : ''} -> ${e.outcome}${e.code === undefined ? '' : ` ${e.code}`}${e.reason === undefined ? '' : ` ${e.reason}`}`;
    case 'pair-state':
      return `pair ${e.pairId} ${e.localType} ${e.local} -> ${e.remoteType} ${e.remote} ${e.from ?? 'new'} -> ${e.state}${e.valid ? ' valid' : ''}${e.nominated ? ' nominated' : ''}`;
    case 'nomination':
      return `pair ${e.pairId} ${e.phase}`;
    case 'pair-nominated':
      return `pair ${e.pairId} by ${e.by}`;
    case 'pair-selected':
      return `pair ${e.pairId} ${e.local} -> ${e.remote}`;
    case 'consent-sent':
      return `pair ${e.pairId} tx ${e.transactionId}${e.retransmission ? ' (retransmission)' : ''}`;
    case 'consent-answered':
      return `pair ${e.pairId} tx ${e.transactionId}`;
    case 'consent-expired':
    case 'keepalive-sent':
      return `pair ${e.pairId}`;
    case 'connection-state':
      return `${e.state}${e.failureReason === undefined ? '' : ` (${e.failureReason}${e.code === undefined ? '' : ` ${e.code}`})`}: ${e.reason}`;
    case 'gathering-state':
      return `${e.state}: ${e.reason}`;
    case 'local-candidate':
      return `${e.candidateType} ${e.transport} ${e.address}`;
    case 'remote-candidate':
      return `${e.candidateType} ${e.address} ${e.outcome}`;
    case 'role':
      return e.role;
    case 'server':
      return `${e.url} from ${e.hostAddress || '?'} ${e.step}${e.method === undefined ? '' : ` ${e.method}`}${e.transactionId === undefined ? '' : ` tx ${e.transactionId}`}${e.address === undefined ? '' : ` ${e.address}`}${e.kind === undefined ? '' : ` ${e.kind}`}${e.code === undefined ? '' : ` ${e.code}`}${e.reason === undefined ? '' : ` ${e.reason}`}${e.length === undefined ? '' : ` (${e.length} bytes)`}`;
    case 'datagram-dropped':
      return `${e.length} bytes from ${e.from} socket ${e.socketId}: ${e.reason}`;
    case 'remote-credentials-missing':
      return `no remote credentials after ${e.waited}ms: call setRemoteCredentials() (checks wait for them)`;
    case 'trace-lost':
      return `${e.count} trace events lost (buffer full)`;
  }
}
