/**
 * Reading a session recording back: one JSON object per line, each checked
 * against its kind; a bad line is an {@link InvalidRecordingError} naming it.
 * @module
 */
import { InvalidRecordingError } from '../errors.js';
import { RECORDED_METHODS, RECORDING_VERSION, type RecordLine, type StartLine } from './record-lines.js';

/** One line of a recording and where it was (from 1). */
export interface NumberedLine {
  /** Where the line was, from 1. */
  readonly line: number;
  /** The line, parsed. */
  readonly record: RecordLine;
}

/** A recording read and checked. */
export interface ParsedRecording {
  /** The first line. */
  readonly start: StartLine;
  /** Every line after it, in order. */
  readonly lines: readonly NumberedLine[];
}

type FieldType = 'number' | 'string' | 'boolean' | 'hex' | 'array' | 'object' | 'any';

/** The fields of both ends of a TCP connection. */
const ENDS: Record<string, FieldType> = {
  localAddress: 'string',
  localPort: 'number',
  remoteAddress: 'string',
  remotePort: 'number',
};

/** The fields each kind must have (besides `k` and `t`). */
const FIELDS: Record<string, Record<string, FieldType>> = {
  start: { v: 'number', options: 'object' },
  call: { method: 'string', args: 'array' },
  timer: { id: 'number' },
  bound: { bind: 'number', address: 'string', port: 'number', family: 'string' },
  'bind-error': { bind: 'number', message: 'string' },
  packet: { socket: 'number', from: 'string', port: 'number', hex: 'hex' },
  'socket-end': { socket: 'number' },
  'transport-closed': {},
  draw: { hex: 'hex' },
  random: { value: 'number' },
  hosts: { addresses: 'array' },
  claim: { ufrag: 'string', granted: 'boolean' },
  sent: { socket: 'number', to: 'string', port: 'number', hex: 'hex' },
  closed: { socket: 'number' },
  emit: { stream: 'string', value: 'any' },
  threw: { method: 'string', error: 'string' },
  'tcp-listening': { op: 'number', address: 'string', port: 'number', family: 'string' },
  'tcp-reserved': { op: 'number', address: 'string', port: 'number', family: 'string' },
  'tcp-connected': { ...ENDS, op: 'number', conn: 'number' },
  'tcp-failed': { op: 'number', message: 'string' },
  'tcp-accepted': { ...ENDS, op: 'number', conn: 'number' },
  'tcp-listen-end': { op: 'number' },
  'tcp-data': { conn: 'number', hex: 'hex' },
  'tcp-end': { conn: 'number', reason: 'string' },
  'tcp-buffered': { conn: 'number', read: 'number', bytes: 'number' },
  lookup: { id: 'number', host: 'string' },
  'tcp-write': { conn: 'number', hex: 'hex' },
  'tcp-close': { conn: 'number', how: 'string' },
  'tcp-release': { op: 'number' },
  'mdns-address': { id: 'number', address: 'string' },
  'mdns-end': { id: 'number' },
  'mdns-malformed': { id: 'number' },
};

/**
 * Parses a recording: the text of a `.jsonl` file, or its lines. Blank lines
 * are skipped (but counted).
 * @throws InvalidRecordingError naming the first bad line: not JSON, an
 *   unknown kind, a missing or mistyped field, no `start` line first, or a format version this library does not read.
 */
export function parseRecording(log: string | Iterable<string>): ParsedRecording {
  const texts = typeof log === 'string' ? log.split('\n') : [...log];
  const lines: NumberedLine[] = [];
  let start: StartLine | undefined;
  texts.forEach((text, index) => {
    const line = index + 1;
    if (text.trim() === '') return;
    const record = parseLine(text, line);
    if (start === undefined) {
      if (record.k !== 'start') throw new InvalidRecordingError(line, 'the first line must be of kind start');
      if (record.v !== RECORDING_VERSION) {
        throw new InvalidRecordingError(
          line,
          `format version ${record.v}, this library reads ${RECORDING_VERSION}`,
        );
      }
      start = record;
    } else if (record.k === 'start') {
      throw new InvalidRecordingError(line, 'a second start line: one recording per log');
    } else {
      lines.push({ line, record });
    }
  });
  if (start === undefined) throw new InvalidRecordingError(1, 'empty recording: no start line');
  return { start, lines };
}

function parseLine(text: string, line: number): RecordLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidRecordingError(line, 'not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidRecordingError(line, 'not a JSON object');
  }
  const record = value as Record<string, unknown>;
  const fields = typeof record.k === 'string' ? FIELDS[record.k] : undefined;
  if (fields === undefined) throw new InvalidRecordingError(line, `unknown kind ${JSON.stringify(record.k)}`);
  if (typeof record.t !== 'number' || !Number.isFinite(record.t)) {
    throw new InvalidRecordingError(line, 'field t must be a finite number');
  }
  for (const [name, type] of Object.entries(fields)) {
    if (!hasType(record[name], type)) throw new InvalidRecordingError(line, `field ${name} must be ${type}`);
  }
  if (record.k === 'call' && !RECORDED_METHODS.includes(record.method as never)) {
    throw new InvalidRecordingError(line, `unknown method ${JSON.stringify(record.method)}`);
  }
  return record as unknown as RecordLine;
}

function hasType(value: unknown, type: FieldType): boolean {
  switch (type) {
    case 'any':
      return value !== undefined;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'hex':
      return typeof value === 'string' && /^(?:[0-9a-fA-F]{2})*$/.test(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    default:
      return typeof value === type;
  }
}
