/**
 * What a STUN/TURN server transaction looks like on `trace$`: a request
 * leaving for the server, or its answer, read from the message header (and
 * ERROR-CODE). Only called while someone listens.
 */
import { decodeStun } from '../stun/message.js';
import type { ServerTrace } from '../trace-events.js';

/** STUN/TURN methods by number (RFC 8489 §18.2, RFC 8656 §17). */
const METHODS: Readonly<Record<number, string>> = {
  1: 'Binding',
  3: 'Allocate',
  4: 'Refresh',
  8: 'CreatePermission',
  9: 'ChannelBind',
};

/** The trace fields of a request we send or a response we receive; undefined for anything else (data, indications). */
export function serverTransactionStep(
  bytes: Uint8Array,
  direction: 'out' | 'in',
): Pick<ServerTrace, 'step' | 'method' | 'transactionId' | 'code' | 'reason'> | undefined {
  if (bytes.length < 20 || (bytes[0] as number) > 0x3f) return undefined;
  const type = ((bytes[0] as number) << 8) | (bytes[1] as number);
  const cls = ((type >> 7) & 2) | ((type >> 4) & 1); // 0 request, 1 indication, 2 success, 3 error
  const number = (type & 0x000f) | ((type >> 1) & 0x0070) | ((type >> 2) & 0x0f80);
  const method = METHODS[number] ?? `0x${number.toString(16).padStart(3, '0')}`;
  const transactionId = Buffer.from(bytes.buffer, bytes.byteOffset + 8, 12).toString('hex');
  if (direction === 'out') return cls === 0 ? { step: 'request', method, transactionId } : undefined;
  if (cls === 2) return { step: 'response', method, transactionId };
  if (cls !== 3) return undefined;
  const error = decodeStun(bytes)?.errorCode;
  return { step: 'response', method, transactionId, code: error?.code, reason: error?.reason };
}
