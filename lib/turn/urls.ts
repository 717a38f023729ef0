/**
 * `iceServers` parsing: the W3C `RTCIceServer` shape with RFC 7064 `stun:` and
 * RFC 7065 `turn:` / `turns:` URLs. Everything is validated up front so a bad
 * configuration fails in the constructor, naming the URL, instead of turning
 * into a silent gathering timeout later.
 */
import { isIP } from 'node:net';
import { canonicalAddress } from '../core/address.js';
import { InvalidOptionError } from '../errors.js';

/** URL schemes rx-ice speaks. */
export type IceServerScheme = 'stun' | 'turn' | 'turns';

/** How packets reach the server: plain UDP, TCP (RFC 8656 framing), or TLS over TCP (`turns:`). */
export type ServerTransport = 'udp' | 'tcp' | 'tls';

/** One STUN or TURN server URL, parsed and validated, with the credentials it is used with. */
export interface IceServerUrl {
  /** The URL as the application wrote it (used in error events and stats). */
  readonly url: string;
  readonly scheme: IceServerScheme;
  /**
   * An IP literal (IPv6 in the canonical form sockets report, no brackets),
   * `localhost`, or a DNS name (lower-case) resolved at gathering time.
   */
  readonly host: string;
  readonly port: number;
  /** `udp` for `stun:` and `turn:` by default, `tcp` for `turn:…?transport=tcp`, `tls` for `turns:`. */
  readonly transport: ServerTransport;
  /** TURN long-term credentials (always set for `turn:`/`turns:`). */
  readonly username?: string;
  readonly credential?: string;
}

/** RFC 7064 / RFC 7065 default ports. */
const DEFAULT_PORT: Record<IceServerScheme, number> = { stun: 3478, turn: 3478, turns: 5349 };

/** Most URLs accepted over all servers: every URL becomes gathering work per host socket. */
export const MAX_ICE_SERVER_URLS = 32;

/** RFC 8489 §14.3: USERNAME is under 513 bytes. */
const MAX_USERNAME_BYTES = 512;
/** Longest accepted server URL: a host name is at most 253 characters, plus scheme, port and query. */
const MAX_URL_LENGTH = 512;
/** One DNS label (RFC 1123). */
const HOST_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

function bad(url: string, why: string): never {
  // Quoted, and cut short: a URL is untrusted input and may be huge.
  const shown = url.length > 100 ? `${url.slice(0, 100)}…` : url;
  throw new InvalidOptionError(`iceServers: ${JSON.stringify(shown)}: ${why}`);
}

/**
 * Parses and validates `iceServers` into one entry per URL. Throws
 * {@link InvalidOptionError} naming the offending server or URL: not an array
 * of objects, `urls` missing or empty, an unknown scheme (`stuns:` and DTLS
 * `turns:…?transport=udp` are not supported), a bad host or port, an unknown
 * query, or a TURN URL without a string `username` and `credential`.
 */
export function parseIceServers(servers: unknown): IceServerUrl[] {
  if (servers === undefined) return [];
  if (!Array.isArray(servers)) {
    throw new InvalidOptionError('iceServers must be an array of { urls, username?, credential? }');
  }
  const result: IceServerUrl[] = [];
  servers.forEach((server: unknown, index) => {
    if (typeof server !== 'object' || server === null) {
      throw new InvalidOptionError(`iceServers[${index}] must be an object { urls, username?, credential? }`);
    }
    const { urls, username, credential } = server as Record<string, unknown>;
    const list = typeof urls === 'string' ? [urls] : urls;
    if (!Array.isArray(list) || list.length === 0) {
      throw new InvalidOptionError(
        `iceServers[${index}].urls must be a URL string or a non-empty array of them`,
      );
    }
    for (const url of list) {
      if (typeof url !== 'string') {
        throw new InvalidOptionError(`iceServers[${index}].urls: ${String(url)} is not a string`);
      }
      const parsed = parseIceServerUrl(url);
      if (parsed.scheme === 'stun') {
        result.push(parsed);
        continue;
      }
      if (typeof username !== 'string' || username.length === 0) {
        bad(url, 'a TURN server needs a non-empty string username');
      }
      if (Buffer.byteLength(username, 'utf8') > MAX_USERNAME_BYTES) {
        bad(url, `the TURN username exceeds ${MAX_USERNAME_BYTES} UTF-8 bytes`);
      }
      if (typeof credential !== 'string') bad(url, 'a TURN server needs a string credential (its password)');
      result.push({ ...parsed, username, credential });
    }
  });
  if (result.length > MAX_ICE_SERVER_URLS) {
    throw new InvalidOptionError(`iceServers: at most ${MAX_ICE_SERVER_URLS} URLs, got ${result.length}`);
  }
  return result;
}

/**
 * Parses one `stun:host[:port]`, `turn:host[:port][?transport=udp|tcp]` or
 * `turns:host[:port][?transport=tcp]` URL (scheme and transport
 * case-insensitive; IPv6 hosts in brackets). No credentials are attached.
 * Throws {@link InvalidOptionError} naming the URL.
 */
export function parseIceServerUrl(url: string): IceServerUrl {
  if (url.length > MAX_URL_LENGTH) bad(url, `longer than ${MAX_URL_LENGTH} characters`);
  const colon = url.indexOf(':');
  const scheme = url.slice(0, Math.max(colon, 0)).toLowerCase();
  if (scheme !== 'stun' && scheme !== 'turn' && scheme !== 'turns') {
    const hint = scheme === 'stuns' ? ' (STUN over TLS is not supported)' : '';
    bad(url, `the scheme must be stun:, turn: or turns:${hint}`);
  }
  let rest = url.slice(colon + 1);
  if (rest.startsWith('//')) bad(url, 'write stun:host:port / turn:host:port, without "//" (RFC 7064/7065)');
  const question = rest.indexOf('?');
  const query = question < 0 ? undefined : rest.slice(question + 1);
  rest = question < 0 ? rest : rest.slice(0, question);
  const { host, port } = splitHostPort(url, rest, DEFAULT_PORT[scheme]);
  return { url, scheme, host, port, transport: parseTransport(url, scheme, query) };
}

function splitHostPort(url: string, authority: string, defaultPort: number): { host: string; port: number } {
  let host: string;
  let portText: string | undefined;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close < 0) bad(url, 'unterminated [IPv6] host');
    host = authority.slice(1, close);
    if (isIP(host) !== 6) bad(url, `"${host}" is not an IPv6 address`);
    const after = authority.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) bad(url, 'unexpected text after the [IPv6] host');
    portText = after === '' ? undefined : after.slice(1);
    host = canonicalAddress(host);
  } else {
    const colon = authority.indexOf(':');
    if (colon !== authority.lastIndexOf(':')) bad(url, 'put an IPv6 host in brackets: turn:[::1]:3478');
    host = colon < 0 ? authority : authority.slice(0, colon);
    portText = colon < 0 ? undefined : authority.slice(colon + 1);
    if (isIP(host) === 0) host = checkHostName(url, host);
  }
  if (portText === undefined) return { host, port: defaultPort };
  if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
    bad(url, `the port must be 1-65535, got "${portText}"`);
  }
  return { host, port: Number(portText) };
}

function checkHostName(url: string, host: string): string {
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name === '') bad(url, 'the host is missing');
  const labels = name.split('.');
  // An all-numeric last label would be a malformed IPv4 address ("1.2.3.256"), not a name.
  if (name.length > 253 || !labels.every((l) => HOST_LABEL.test(l)) || /^\d+$/.test(labels.at(-1) ?? '')) {
    bad(url, `"${host}" is not an IP address or a host name`);
  }
  return name;
}

function parseTransport(url: string, scheme: IceServerScheme, query: string | undefined): ServerTransport {
  if (query === undefined) return scheme === 'turns' ? 'tls' : 'udp';
  if (scheme === 'stun') bad(url, 'stun: URLs take no query');
  const match = /^transport=(udp|tcp)$/i.exec(query);
  if (!match) bad(url, `unknown query "${query}": only transport=udp or transport=tcp`);
  const transport = (match[1] as string).toLowerCase();
  if (scheme === 'turns') {
    if (transport === 'udp') bad(url, 'turns: over UDP (DTLS) is not supported; use transport=tcp');
    return 'tls';
  }
  return transport === 'tcp' ? 'tcp' : 'udp';
}
