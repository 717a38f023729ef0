/**
 * ICE candidates: the RFC 8839 `a=candidate` wire format and the RFC 8445
 * priority and foundation rules. Parsing is liberal where real peers are
 * (upper-case transports, long hex foundations, mDNS names, unknown
 * extensions) and strict everywhere else, so a bad candidate fails here with
 * a precise message instead of deep inside the agent.
 */
import { createHash } from 'node:crypto';
import { Address4, Address6 } from 'ip-address';
import type { Candidate, CandidateType } from './candidate-types.js';
import { InvalidArgumentError, InvalidCandidateError } from './errors.js';

/** A whole string of RFC 8839 ice-chars (ALPHA / DIGIT / "+" / "/"). Not global, so safe to reuse. */
export const ICE_CHARS = /^[A-Za-z0-9+/]+$/;

/** True when `value` is a string of `minLength` to `maxLength` ice-chars (foundations, ufrags, passwords). */
export function isIceChars(
  value: unknown,
  minLength = 1,
  maxLength = Number.POSITIVE_INFINITY,
): value is string {
  return (
    typeof value === 'string' &&
    value.length >= minLength &&
    value.length <= maxLength &&
    ICE_CHARS.test(value)
  );
}

/** Longest accepted candidate string: bounds the work done on untrusted signaling input. */
export const MAX_CANDIDATE_LENGTH = 1024;

/** Recommended type preferences (RFC 8445 §5.1.2.2): direct paths first, relays last. */
export const TYPE_PREFERENCE: Readonly<Record<CandidateType, number>> = Object.freeze({
  host: 126,
  prflx: 110,
  srflx: 100,
  relay: 0,
});

const CANDIDATE_TYPES: readonly string[] = ['host', 'srflx', 'prflx', 'relay'];
const TCP_TYPES: readonly string[] = ['active', 'passive', 'so'];
const UINT32_MAX = 0xffff_ffff;
/** Extension names with a dedicated field; they may not also appear in `extensions`. */
const RESERVED_NAMES: readonly string[] = ['typ', 'raddr', 'rport', 'tcptype', 'generation', 'ufrag'];
/** One SDP token: visible ASCII, no spaces (RFC 8839 byte-string minus the separators). */
const TOKEN = /^[\x21-\x7e]+$/;
const HOST_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

function fail(message: string): never {
  throw new InvalidCandidateError(message);
}

/** An IP address literal (IPv6 zone id allowed), or undefined. */
function parseIp(value: unknown): Address4 | Address6 | undefined {
  // ip-address accepts CIDR suffixes ("1.2.3.4/24"); a candidate address never has one.
  if (typeof value !== 'string' || !TOKEN.test(value) || value.includes('/')) return undefined;
  if (Address4.isValid(value)) return new Address4(value);
  if (Address6.isValid(value)) {
    const ip = new Address6(value);
    return ip.zone === '%' ? undefined : ip;
  }
  return undefined;
}

/** IPv4, IPv6 (zone id kept as given) or an FQDN such as an mDNS `<uuid>.local` name. */
function isCandidateAddress(value: string): boolean {
  if (parseIp(value) !== undefined) return true;
  if (!TOKEN.test(value)) return false;
  const labels = value.split('.');
  // A top-level label is never all digits, so "999.1.1.1" is rejected rather than taken as a name.
  return (
    value.length <= 253 && labels.every((l) => HOST_LABEL.test(l)) && /[A-Za-z]/.test(labels.at(-1) ?? '')
  );
}

function checkInteger(value: unknown, field: string, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value))
    fail(`candidate ${field} "${String(value)}" is not an integer`);
  if (value < min || value > max) fail(`candidate ${field} "${value}" is out of range ${min}-${max}`);
}

function checkAddress(value: unknown, field: string): void {
  if (typeof value !== 'string' || !isCandidateAddress(value)) {
    fail(`candidate ${field} "${String(value)}" is not an IPv4 or IPv6 address or a host name`);
  }
}

function checkToken(value: unknown, field: string): void {
  if (typeof value !== 'string' || !TOKEN.test(value)) {
    fail(`candidate ${field} "${String(value)}" must be non-empty visible ASCII without spaces`);
  }
}

/** Formats without checking; callers validate first. */
function format(c: Candidate): string {
  const parts = [
    `candidate:${c.foundation}`,
    c.component,
    c.transport,
    c.priority,
    c.address,
    c.port,
    'typ',
    c.type,
  ];
  if (c.relatedAddress !== undefined) parts.push('raddr', c.relatedAddress);
  if (c.relatedPort !== undefined) parts.push('rport', c.relatedPort);
  if (c.tcpType !== undefined) parts.push('tcptype', c.tcpType);
  if (c.generation !== undefined) parts.push('generation', c.generation);
  if (c.ufrag !== undefined) parts.push('ufrag', c.ufrag);
  for (const [name, value] of c.extensions) parts.push(name, value);
  return parts.join(' ');
}

/**
 * Checks a candidate built by a caller against the same rules as
 * {@link parseCandidate}, so anything accepted here serializes to a string
 * the parser accepts back unchanged. Returns the same object.
 * @throws InvalidCandidateError naming the first offending field.
 */
export function validateCandidate(c: Candidate): Candidate {
  if (typeof c !== 'object' || c === null) fail('candidate must be an object');
  if (!isIceChars(c.foundation, 1, 32)) {
    fail(`candidate foundation "${String(c.foundation)}" must be 1-32 ice-chars (ALPHA / DIGIT / "+" / "/")`);
  }
  checkInteger(c.component, 'component-id', 1, 256);
  if (c.transport !== 'udp' && c.transport !== 'tcp') {
    fail(`candidate transport "${String(c.transport)}" is not supported (expected udp or tcp)`);
  }
  checkInteger(c.priority, 'priority', 1, UINT32_MAX);
  checkAddress(c.address, 'connection-address');
  checkInteger(c.port, 'port', 0, 65535);
  if (!CANDIDATE_TYPES.includes(c.type)) {
    fail(`candidate typ "${String(c.type)}" is not one of ${CANDIDATE_TYPES.join(', ')}`);
  }
  if (c.relatedAddress !== undefined) checkAddress(c.relatedAddress, 'raddr');
  if (c.relatedPort !== undefined) checkInteger(c.relatedPort, 'rport', 0, 65535);
  if (c.tcpType !== undefined) {
    if (!TCP_TYPES.includes(c.tcpType))
      fail(`candidate tcptype "${String(c.tcpType)}" is not one of ${TCP_TYPES.join(', ')}`);
    if (c.transport !== 'tcp')
      fail(`candidate tcptype "${c.tcpType}" is only valid with transport tcp, not ${c.transport}`);
  }
  if (c.generation !== undefined) checkInteger(c.generation, 'generation', 0, UINT32_MAX);
  if (c.ufrag !== undefined) checkToken(c.ufrag, 'ufrag');
  if (!Array.isArray(c.extensions)) fail('candidate extensions must be an array of [name, value] pairs');
  for (const pair of c.extensions) {
    if (!Array.isArray(pair) || pair.length !== 2)
      fail('candidate extensions must be an array of [name, value] pairs');
    const [name, value] = pair;
    checkToken(name, 'extension name');
    if (RESERVED_NAMES.includes(name))
      fail(`candidate extension "${name}" must be given in its own field, not in extensions`);
    checkToken(value, `extension "${name}" value`);
  }
  const length = format(c).length;
  if (length > MAX_CANDIDATE_LENGTH)
    fail(`candidate is ${length} characters long, over the ${MAX_CANDIDATE_LENGTH} limit`);
  return c;
}

/** Decimal digits only: `Number()` alone would accept "0x10", "1e3" and " 7". */
function toNumber(token: string, field: string): number {
  if (!/^\d+$/.test(token)) fail(`candidate ${field} "${token}" is not a decimal integer`);
  return Number(token);
}

/**
 * Parses an RFC 8839 candidate attribute value, with or without a leading
 * `a=`; the `candidate:` prefix is required, as every browser sends it.
 * Transport, typ and tcptype are case-insensitive; `raddr`, `rport`,
 * `tcptype`, `generation` and `ufrag` go to their fields wherever they
 * appear, every other extension pair is kept in order in `extensions`.
 * @throws InvalidCandidateError naming the offending field.
 */
export function parseCandidate(input: string): Candidate {
  if (typeof input !== 'string') fail(`candidate must be a string, got ${typeof input}`);
  if (input.length > MAX_CANDIDATE_LENGTH) {
    fail(`candidate is ${input.length} characters long, over the ${MAX_CANDIDATE_LENGTH} limit`);
  }
  let text = input.trim();
  if (text.startsWith('a=')) text = text.slice(2);
  if (!text.startsWith('candidate:'))
    fail(`candidate must start with "candidate:" (got "${text.slice(0, 20)}")`);
  text = text.slice('candidate:'.length);
  if (text === '' || /^\s/.test(text)) fail('candidate foundation is missing after "candidate:"');

  const tokens = text.split(/\s+/);
  if (tokens.length < 6) {
    fail(
      `candidate has ${tokens.length} fields, expected "<foundation> <component-id> <transport> <priority> <address> <port> typ <type>"`,
    );
  }
  const [foundation = '', component = '', transport = '', priority = '', address = '', port = '', typ, type] =
    tokens;
  if (typ !== 'typ')
    fail(
      `candidate is missing the "typ" keyword after the port (found ${typ === undefined ? 'end of input' : `"${typ}"`})`,
    );
  if (type === undefined) fail('candidate is missing the candidate type after "typ"');

  const lower = (token: string, allowed: readonly string[]) =>
    allowed.includes(token.toLowerCase()) ? token.toLowerCase() : token;
  const fields: Record<string, unknown> = {};
  const extensions: [string, string][] = [];
  const rest = tokens.slice(8);
  if (rest.length % 2 !== 0)
    fail(`candidate extension "${rest.at(-1)}" has no value (extensions come in name/value pairs)`);
  for (let i = 0; i < rest.length; i += 2) {
    const name = rest[i] as string;
    const value = rest[i + 1] as string;
    if (!RESERVED_NAMES.includes(name)) {
      extensions.push([name, value]);
      continue;
    }
    const key =
      { typ: 'type', raddr: 'relatedAddress', rport: 'relatedPort', tcptype: 'tcpType' }[name] ?? name;
    if (name === 'typ' || key in fields) fail(`candidate has a duplicate "${name}"`);
    if (name === 'rport' || name === 'generation') fields[key] = toNumber(value, name);
    else fields[key] = name === 'tcptype' ? lower(value, TCP_TYPES) : value;
  }

  const candidate = {
    foundation,
    component: toNumber(component, 'component-id'),
    transport: lower(transport, ['udp', 'tcp']),
    priority: toNumber(priority, 'priority'),
    address,
    port: toNumber(port, 'port'),
    type: lower(type, CANDIDATE_TYPES),
    ...fields,
    extensions,
  } as Candidate;
  return validateCandidate(candidate);
}

/**
 * Formats a candidate as `candidate:...` (without `a=`), in the order
 * browsers expect: `raddr`/`rport`, then `tcptype`, `generation`, `ufrag`,
 * then the other extensions.
 * @throws InvalidCandidateError when the candidate is not valid.
 */
export function serializeCandidate(c: Candidate): string {
  return format(validateCandidate(c));
}

function checkArgument(value: unknown, name: string, min: number, max: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(
      `${name} "${String(value)}" must be an integer in the range ${min}-${max}`,
    );
  }
}

/**
 * Candidate priority (RFC 8445 §5.1.2.1): 2^24·type + 2^8·local + (256 − component).
 * `type` is a type preference 0–126 or a candidate type mapped via {@link TYPE_PREFERENCE}.
 * The result is at most 2^31−1, so plain arithmetic is exact (no bitwise ops).
 * @throws InvalidArgumentError when an input is out of range.
 */
export function candidatePriority(
  type: CandidateType | number,
  localPreference: number,
  component: number,
): number {
  const typePreference = typeof type === 'string' ? TYPE_PREFERENCE[type] : type;
  checkArgument(typePreference, 'type preference', 0, 126);
  checkArgument(localPreference, 'local preference', 0, 65535);
  checkArgument(component, 'component', 1, 256);
  return 2 ** 24 * typePreference + 2 ** 8 * localPreference + (256 - component);
}

/** Interface indexes per address class: 2^14 slots × 4 classes fill the 16-bit local preference. */
const INTERFACE_SLOTS = 16384;

/**
 * Local preference (0–65535) for a host address, in the spirit of RFC 8421:
 * global/ULA IPv6 (class 3) > IPv4 (2) > link-local IPv6 or IPv4 (1) > loopback (0).
 * Within a class, a lower `interfaceIndex` (0 to 16383, the order interfaces
 * were enumerated in) scores higher, so every host candidate gets a distinct value.
 * @throws InvalidArgumentError for a non-IP address or an index out of range.
 */
export function localPreference(address: string, interfaceIndex: number): number {
  checkArgument(interfaceIndex, 'interface index', 0, INTERFACE_SLOTS - 1);
  const ip = parseIp(address);
  if (ip === undefined)
    throw new InvalidArgumentError(`address "${String(address)}" is not an IPv4 or IPv6 address`);
  const addressClass = ip.isLoopback() ? 0 : ip.isLinkLocal() ? 1 : ip instanceof Address6 ? 3 : 2;
  return addressClass * INTERFACE_SLOTS + (INTERFACE_SLOTS - 1 - interfaceIndex);
}

/**
 * Candidate pair priority (RFC 8445 §6.1.2.3):
 * 2^32·MIN(G,D) + 2·MAX(G,D) + (G>D ? 1 : 0), where G is the controlling
 * agent's candidate priority and D the controlled agent's. Results exceed
 * 2^53 (and 2^64 for priorities above 2^31), hence bigint.
 * @throws InvalidArgumentError when a priority is not an unsigned 32-bit integer.
 */
export function pairPriority(controllingPriority: number, controlledPriority: number): bigint {
  checkArgument(controllingPriority, 'controlling priority', 0, UINT32_MAX);
  checkArgument(controlledPriority, 'controlled priority', 0, UINT32_MAX);
  const g = BigInt(controllingPriority);
  const d = BigInt(controlledPriority);
  const [min, max] = g < d ? [g, d] : [d, g];
  return (min << 32n) + 2n * max + (g > d ? 1n : 0n);
}

/**
 * Foundation (RFC 8445 §5.1.1.3): equal for candidates sharing type, base IP,
 * server (`serverKey`, e.g. the STUN/TURN URL; omit for host candidates) and
 * transport, different otherwise. Deterministic: the first 64 bits of a
 * SHA-256 of those inputs in base 36 (≤ 13 ALPHA/DIGIT chars). IPv6 bases are
 * canonicalized first so `::1` and `0:0:0:0:0:0:0:1` agree.
 * @throws InvalidArgumentError for an unknown type/transport or a non-IP base.
 */
export function computeFoundation(
  type: CandidateType,
  baseAddress: string,
  transport: 'udp' | 'tcp',
  serverKey = '',
): string {
  if (!CANDIDATE_TYPES.includes(type))
    throw new InvalidArgumentError(`candidate type "${String(type)}" is unknown`);
  if (transport !== 'udp' && transport !== 'tcp')
    throw new InvalidArgumentError(`transport "${String(transport)}" is not udp or tcp`);
  const ip = parseIp(baseAddress);
  if (ip === undefined)
    throw new InvalidArgumentError(`base address "${String(baseAddress)}" is not an IPv4 or IPv6 address`);
  const base = ip instanceof Address6 ? ip.correctForm() + ip.zone : ip.correctForm();
  const digest = createHash('sha256').update([type, base, transport, serverKey].join('\n')).digest();
  return digest.readBigUInt64BE(0).toString(36);
}
