/**
 * The fields of each trace event type as they appear in JSON (`undefined` fields are absent),
 * for checking untrusted JSON lines before drawing them.
 * @internal
 * @module
 */
import type { TraceEvent } from '../trace-events.js';

/** A field's JSON type; `?` marks an optional field. */
export type FieldKind = 'number' | 'string' | 'boolean' | 'number?' | 'string?';

/** Fields of every event, besides its own. */
const STAMP = { at: 'number', generation: 'number' } as const;

/** Every event type with the fields the renderer reads (extra fields are allowed and ignored). */
export const TRACE_SCHEMA: Readonly<Record<TraceEvent['type'], Readonly<Record<string, FieldKind>>>> = {
  'check-sent': {
    pairId: 'number',
    transactionId: 'string',
    local: 'string',
    remote: 'string',
    useCandidate: 'boolean',
    role: 'string',
  },
  'check-retransmitted': { pairId: 'number', transactionId: 'string', attempt: 'number' },
  'check-answered': { pairId: 'number', transactionId: 'string', rtt: 'number?', mapped: 'string' },
  'check-failed': {
    pairId: 'number',
    transactionId: 'string',
    cause: 'string',
    code: 'number?',
    reason: 'string?',
  },
  'request-received': {
    transactionId: 'string',
    from: 'string',
    socketId: 'number',
    pairId: 'number?',
    useCandidate: 'boolean',
    outcome: 'string',
    code: 'number?',
    reason: 'string?',
  },
  'pair-state': {
    pairId: 'number',
    local: 'string',
    localType: 'string',
    remote: 'string',
    remoteType: 'string',
    from: 'string?',
    state: 'string',
    valid: 'boolean',
    nominated: 'boolean',
  },
  nomination: { pairId: 'number', phase: 'string' },
  'pair-nominated': { pairId: 'number', by: 'string' },
  'pair-selected': { pairId: 'number', local: 'string', remote: 'string' },
  'consent-sent': { pairId: 'number', transactionId: 'string', retransmission: 'boolean' },
  'consent-answered': { pairId: 'number', transactionId: 'string' },
  'consent-expired': { pairId: 'number' },
  'keepalive-sent': { pairId: 'number' },
  'connection-state': { state: 'string', reason: 'string', failureReason: 'string?', code: 'number?' },
  'gathering-state': { state: 'string', reason: 'string' },
  'local-candidate': { candidateType: 'string', address: 'string', transport: 'string' },
  'remote-candidate': { candidateType: 'string', address: 'string', outcome: 'string' },
  role: { role: 'string' },
  server: {
    url: 'string',
    hostAddress: 'string',
    step: 'string',
    method: 'string?',
    transactionId: 'string?',
    address: 'string?',
    kind: 'string?',
    code: 'number?',
    reason: 'string?',
  },
  'datagram-dropped': { socketId: 'number', from: 'string', length: 'number', reason: 'string' },
  'remote-credentials-missing': { waited: 'number' },
  'trace-lost': { count: 'number' },
};

/** Whether `type` is an event type this version knows. */
export function isKnownTraceType(type: string): type is TraceEvent['type'] {
  return Object.hasOwn(TRACE_SCHEMA, type);
}

/**
 * What is wrong with `record` as an event of `type`, or undefined when nothing is: the stamp
 * (`at`, `generation`) and every field of the type's schema are checked; numbers must be finite.
 */
export function traceFieldProblem(
  type: TraceEvent['type'],
  record: Record<string, unknown>,
): string | undefined {
  for (const [name, want, optional] of fieldsOf(type)) {
    const value = record[name];
    if (value === undefined || value === null) {
      if (optional) continue;
      return `${type} event lacks "${name}"`;
    }
    if (typeof value !== want || (want === 'number' && !Number.isFinite(value))) {
      return `${type} event has "${name}" of type ${typeof value}, expected a finite ${want}`;
    }
  }
  return undefined;
}

/** A field to check: its name, JSON type, and whether it may be absent. */
type FieldCheck = readonly [name: string, type: string, optional: boolean];

/** Each type's checks, the stamp first, built once per type. */
const CHECKS = new Map<string, readonly FieldCheck[]>();

function fieldsOf(type: TraceEvent['type']): readonly FieldCheck[] {
  let checks = CHECKS.get(type);
  if (checks === undefined) {
    checks = Object.entries({ ...STAMP, ...TRACE_SCHEMA[type] }).map(([name, kind]): FieldCheck => {
      const optional = kind.endsWith('?');
      return [name, optional ? kind.slice(0, -1) : kind, optional];
    });
    CHECKS.set(type, checks);
  }
  return checks;
}
