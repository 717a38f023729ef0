import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { DEFAULT_PAC_TIMEOUT } from './core/conclusion.js';
import { DEFAULT_LITE_TIMEOUT } from './core/lite-liveness.js';
import type { NominationPolicy } from './core/nomination-policy.js';
import type { IceRole } from './core/pair.js';
import { DEFAULT_RETRANSMISSION, type RetransmissionPolicy } from './core/retransmission.js';
import { type Entropy, resolveEntropy } from './entropy.js';
import { InvalidOptionError } from './errors.js';
import type { MdnsMode, MdnsPublisher, MdnsResolver } from './mdns/agent-mdns.js';
import { type ResolvedTcpLimits, resolveTcpLimits, type TcpLimits } from './tcp-options.js';
import { withNodeTcp } from './transport/tcp.js';
import type { PortRange, Transport, TurnTlsOptions } from './transport/types.js';
import { UdpTransport } from './transport/udp.js';
import { DEFAULT_SERVER_RETRANSMISSION, type ServerRetransmission } from './turn/transactions.js';
import { type IceServerUrl, parseIceServers } from './turn/urls.js';

/** A STUN/TURN server, in the W3C `RTCIceServer` shape. */
export interface IceServer {
  /** One or more `stun:`, `turn:` or `turns:` URLs (RFC 7064, RFC 7065). */
  readonly urls: string | readonly string[];
  /** TURN username (long-term credentials). */
  readonly username?: string;
  /** TURN password (long-term credentials). */
  readonly credential?: string;
}

/** Options of {@link IceAgent}. Only `role` is required. */
export interface IceAgentOptions {
  /** ICE role; a role conflict with the peer may switch it (RFC 8445 §7.3.1.1). */
  readonly role: IceRole;
  /**
   * Which local addresses to gather host candidates on. Default: every
   * non-loopback address. Loopback addresses are gathered only when this
   * filter selects them (tests and the interop harness run on 127.0.0.1).
   */
  readonly ipFilter?: (address: string, iface: string) => boolean;
  /** Inclusive port range for host sockets; default: any port the OS picks. */
  readonly ports?: PortRange;
  /**
   * STUN/TURN servers (server-reflexive and relayed candidates): `stun:host[:port]`,
   * `turn:host[:port][?transport=udp|tcp]`, `turns:host[:port]` (RFC 7064/7065);
   * TURN URLs need `username` and `credential`. Hosts are IP literals,
   * `localhost`, or names resolved once when gathering starts.
   */
  readonly iceServers?: readonly IceServer[];
  /**
   * `relay`: only relayed candidates are gathered, signaled and checked (host
   * sockets are still bound, to reach TURN servers over UDP, but never announced).
   */
  readonly iceTransportPolicy?: 'all' | 'relay';
  /**
   * Retransmission of requests to STUN/TURN servers over UDP: the RTO starts at
   * `initialRto` (500 ms) and doubles up to `maxRto` (1600 ms), `retransmissions`
   * (3) after the first, so an unreachable server is given up after 4.7 s. Over
   * TCP/TLS a request is sent once and given up after the same total time.
   */
  readonly serverRetransmission?: Partial<ServerRetransmission>;
  /** TLS settings for `turns:` servers (extra CA certificates; certificate checks are on by default). */
  readonly turnTls?: TurnTlsOptions;
  /** Scheduler for every timer of the agent; default `asyncScheduler`. Pass a `TestScheduler` for virtual time. */
  readonly scheduler?: SchedulerLike;
  /** Where sockets come from; default real UDP. `rx-ice/testing`'s virtual network plugs in here. */
  readonly transport?: Transport;
  /** Pacing of new connectivity checks in ms (RFC 8445 §14.2); default 50. */
  readonly ta?: number;
  /** Most candidate pairs kept in the checklist; default 100 (RFC 8445 §6.1.2.5). */
  readonly checklistLimit?: number;
  /** Most remote candidates accepted (signaled and peer-reflexive); default 100. */
  readonly maxRemoteCandidates?: number;
  /** Check retransmissions; default 6 retransmissions, RTO doubling up to 1600 ms. */
  readonly retransmission?: Partial<RetransmissionPolicy>;
  /** Controlling side: ms to wait for a better pair after the first valid one before nominating; default 200. */
  readonly nominationDelay?: number;
  /**
   * Controlling side: how a pair is nominated. `'regular'` (default, RFC 8445
   * §8.1.1): the best valid pair once no better one can succeed or
   * `nominationDelay` passed, with one USE-CANDIDATE check. `'aggressive'`
   * (RFC 5245 §8.1.1.2, for peers that expect it): USE-CANDIDATE on every
   * check, the highest-priority pair that succeeds is selected. Or a
   * {@link NominationPolicy}: a pure function choosing the pair and when.
   */
  readonly nomination?: 'regular' | 'aggressive' | NominationPolicy;
  /**
   * Offer renomination (draft-thatcher-ice-renomination, as Chromium signals
   * it with `a=ice-options:renomination`; see `getLocalIceOptions()`). It is
   * used only when the peer offers it too (`setRemoteCredentials(…, {
   * iceOptions: ['renomination'] })`): then a controlling agent may nominate
   * another pair after the first (its nomination policy is asked again), each
   * nominating check carries NOMINATION, and a controlled agent follows the
   * highest. Default false: a nomination is final (RFC 8445 §8.1.1).
   */
  readonly renomination?: boolean;
  /**
   * Failover without restart (needs `renomination`, and the peer's
   * agreement): while connected, the controlling agent keeps one backup
   * valid pair warm (a check every 2.5 s), probes the selected path when it
   * goes quiet (every 200 ms), and when it stays silent for 600 ms (no answer,
   * no check, no data) renominates the backup, so data moves within about
   * 1 s of a path cut, without `disconnected` or `failed`. Default false.
   */
  readonly failover?: boolean;
  /**
   * Ms to wait, once every pair failed and the remote has not signaled
   * end-of-candidates, before declaring `failed`; default 10000. Never
   * shortens the PAC timer (`pacTimeout`).
   */
  readonly candidateWait?: number;
  /**
   * RFC 8863 PAC timer ("Patiently Awaiting Connectivity"), ms from the moment
   * the remote's credentials arrive: the agent never declares `failed` before
   * it expires, however early every pair fails, because the peer's checks may
   * still reveal a peer-reflexive pair. Default 39500 (the check transaction
   * timeout RFC 8863 §4 recommends).
   */
  readonly pacTimeout?: number;
  /**
   * Ms after `gatherCandidates()` (or `restart()`) without remote credentials
   * before a `remote-credentials-missing` warning goes out on `trace$` (and
   * to `NODE_DEBUG=rx-ice`). A warning only: the agent keeps waiting, since
   * signaling may be slow. Default 10000; 1 to 600000.
   */
  readonly remoteCredentialsWarningAfter?: number;
  /** ICE tie-breaker (RFC 8445 §7.1.1.2); default: 64 random bits. For tests of role conflicts. */
  readonly tieBreaker?: bigint;
  /**
   * Ms without an authenticated response on the selected pair before the
   * state is `disconnected` — once a consent check sent since that response
   * has also gone unanswered for one RTO (500 ms), so a healthy path never
   * flaps; it returns to `connected`/`completed` with the next authenticated
   * response. Default 5000. Consent itself expires (state `failed`) 30 s
   * after the last response (RFC 7675).
   */
  readonly disconnectedTimeout?: number;
  /** Tr (RFC 8445 §11): a Binding indication goes out after this many ms without application data; default 15000. */
  readonly keepaliveInterval?: number;
  /** Uniform random numbers in [0, 1] for the ±20 % jitter of consent checks; default `Math.random`. */
  readonly random?: () => number;
  /**
   * Where every random byte of the agent comes from: credentials,
   * tie-breaker, transaction ids, mDNS names, and the consent jitter unless
   * `random` is given. A function filling its argument with random bytes;
   * default: the system's CSPRNG. It must be a CSPRNG in production (the
   * credentials and transaction ids are security-relevant); `recordSession`
   * wraps it to log every draw so a replay can feed them back.
   */
  readonly entropy?: Entropy;
  /**
   * The peer is an ICE-lite agent (SDP `a=ice-lite`, RFC 8445 §2.5). This
   * agent must then be controlling (RFC 8445 §6.1.1: `role: 'controlled'` is
   * an `InvalidOptionError`) and never waits for checks from the peer. When
   * the peer's lite-ness is only learned from its signaling, leave this out
   * and pass `setRemoteCredentials(ufrag, pwd, { iceLite: true })` instead:
   * that also makes a controlled agent controlling.
   */
  readonly remoteIceLite?: boolean;
  /**
   * Run as an ICE-lite agent (RFC 8445 §2.5), as servers do: host candidates
   * only (`iceServers` and the relay policy are errors), always controlled
   * (`role: 'controlling'` is an error), no checks of its own: it answers the
   * full peer's checks, takes its nomination (regular or aggressive), goes
   * `connected` → `completed` at once (§8.2), and watches the peer's consent
   * checks: `disconnected` after `disconnectedTimeout` without one, `failed`
   * (`peer-silent`) after `liteTimeout`. Signal it to the peer (SDP
   * `a=ice-lite`). Two lite agents cannot connect: `remoteIceLite` with
   * `lite` is an error.
   */
  readonly lite?: boolean;
  /** Lite agent: ms without a check from the peer before `failed` (`peer-silent`); default 30000 (RFC 7675's consent lifetime). */
  readonly liteTimeout?: number;
  /**
   * Ms between polls of the transport's interface addresses for network
   * changes (new addresses are gathered and trickled, vanished ones retired);
   * default 5000, 0 turns polling off. Polls run while a session is active
   * (checking, or a pair selected): they never wake an otherwise idle agent,
   * so a gathering-only agent in virtual time lets `TestScheduler` finish.
   */
  readonly interfacePollInterval?: number;
  /**
   * ICE-TCP (RFC 6544), off by default. `true` gathers, besides the UDP
   * candidates, three TCP host candidates per address: a passive one
   * listening on a port of `ports`, an active one (signaled with port 9) that
   * connects to the peer's passive candidates, and a simultaneous-open one
   * on a reserved port of `ports` that connects to the peer's `so`
   * candidates as they connect to it; checks, consent and data then
   * travel RFC 4571-framed over one connection per pair. `'only'` gathers the
   * TCP candidates and no UDP ones (for networks that block UDP). The
   * transport must offer `listenTcp` and `connectTcp` (the default one does);
   * TCP is for host candidates only, so `'only'` with `iceServers`, and TCP
   * with `lite` or `iceTransportPolicy: 'relay'`, are errors.
   */
  readonly tcp?: boolean | 'only';
  /**
   * Bounds of the ICE-TCP connections (with `tcp`): pre-authentication time
   * and bytes, connections per candidate, bytes buffered per connection. See
   * {@link TcpLimits} for defaults and ranges.
   */
  readonly tcpLimits?: TcpLimits;
  /**
   * mDNS (RFC 6762) names in candidates: `'resolve'` (default) resolves the
   * remote's `<uuid>.local` candidates with one-shot queries (until resolved,
   * or if they never are, the agent still connects through the peer-reflexive
   * candidates its checks reveal); `'publish'` also signals our host
   * candidates under `<uuid>.local` names and answers queries for them, as
   * browsers do; `'off'` ignores `.local` candidates (counted in stats).
   */
  readonly mdns?: MdnsMode;
  /** Resolves remote `.local` names; default: the transport's (real multicast over UDP; none on the virtual network). */
  readonly mdnsResolver?: MdnsResolver;
  /** Answers queries for our names in `'publish'` mode; default: the transport's. */
  readonly mdnsPublisher?: MdnsPublisher;
  /** Ms a remote `.local` name may take to resolve; default 3000. */
  readonly mdnsTimeout?: number;
  /**
   * `sdpMid` of the emitted candidates' `toJSON()` (W3C `RTCIceCandidateInit`):
   * the media stream identification tag (RFC 5888) of the one m= line this
   * agent serves; default `'0'` (the first m= line of a BUNDLE group).
   */
  readonly sdpMid?: string;
  /** `sdpMLineIndex` of the emitted candidates' `toJSON()`; default 0. */
  readonly sdpMLineIndex?: number;
}

/** Options with defaults applied, validated. */
export interface ResolvedOptions {
  readonly role: IceRole;
  readonly ipFilter: (address: string, iface: string, internal: boolean) => boolean;
  readonly ports: PortRange | undefined;
  /** One entry per URL, parsed and validated. */
  readonly iceServers: readonly IceServerUrl[];
  readonly iceTransportPolicy: 'all' | 'relay';
  readonly serverRetransmission: ServerRetransmission;
  readonly turnTls: TurnTlsOptions | undefined;
  readonly scheduler: SchedulerLike;
  readonly transport: Transport;
  readonly ta: number;
  readonly checklistLimit: number;
  readonly maxRemoteCandidates: number;
  readonly retransmission: RetransmissionPolicy;
  readonly nominationDelay: number;
  readonly nomination: 'regular' | 'aggressive' | NominationPolicy;
  readonly renomination: boolean;
  readonly failover: boolean;
  readonly candidateWait: number;
  readonly pacTimeout: number;
  readonly remoteCredentialsWarningAfter: number;
  readonly tieBreaker: bigint | undefined;
  readonly disconnectedTimeout: number;
  readonly keepaliveInterval: number;
  readonly random: () => number;
  readonly entropy: Entropy;
  readonly newTransactionId: () => Uint8Array;
  readonly remoteIceLite: boolean;
  readonly lite: boolean;
  readonly liteTimeout: number;
  readonly interfacePollInterval: number;
  readonly tcp: boolean | 'only';
  readonly tcpLimits: ResolvedTcpLimits;
  readonly mdns: MdnsMode;
  readonly mdnsResolver: MdnsResolver | undefined;
  readonly mdnsPublisher: MdnsPublisher | undefined;
  readonly mdnsTimeout: number;
  readonly sdpMid: string;
  readonly sdpMLineIndex: number;
}

/** Validates user options and fills in defaults; throws {@link InvalidOptionError} naming the bad option. */
export function resolveOptions(options: IceAgentOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null)
    throw new InvalidOptionError('options must be an object');
  if (options.role !== 'controlling' && options.role !== 'controlled') {
    throw new InvalidOptionError(
      `role must be 'controlling' or 'controlled', got ${JSON.stringify(options.role)}`,
    );
  }
  const { ipFilter } = options;
  if (ipFilter !== undefined && typeof ipFilter !== 'function') {
    throw new InvalidOptionError('ipFilter must be a function (address, iface) => boolean');
  }
  if (options.iceTransportPolicy !== undefined && !['all', 'relay'].includes(options.iceTransportPolicy)) {
    throw new InvalidOptionError(
      `iceTransportPolicy must be 'all' or 'relay', got ${JSON.stringify(options.iceTransportPolicy)}`,
    );
  }
  checkPlainObject('serverRetransmission', options.serverRetransmission);
  checkPlainObject('retransmission', options.retransmission);
  const scheduler = checkScheduler(options.scheduler);
  const tcp = checkTcp(options);
  const transport = checkTransport(options.transport, tcp !== false);
  const serverRetransmission = { ...DEFAULT_SERVER_RETRANSMISSION, ...options.serverRetransmission };
  checkInteger('serverRetransmission.initialRto', serverRetransmission.initialRto, 10, 10_000);
  checkInteger('serverRetransmission.retransmissions', serverRetransmission.retransmissions, 0, 10);
  checkInteger('serverRetransmission.maxRto', serverRetransmission.maxRto, 10, 60_000);
  if (options.turnTls !== undefined && (typeof options.turnTls !== 'object' || options.turnTls === null)) {
    throw new InvalidOptionError('turnTls must be an object { ca?, rejectUnauthorized? }');
  }
  checkLiveness(options);
  const mdns = checkMdns(options);
  const retransmission = { ...DEFAULT_RETRANSMISSION, ...options.retransmission };
  checkInteger('retransmission.retransmissions', retransmission.retransmissions, 0, 20);
  checkInteger('retransmission.maxRto', retransmission.maxRto, 100, 60_000);
  return {
    role: options.role,
    ipFilter: ipFilter ? (address, iface) => ipFilter(address, iface) : (_a, _i, internal) => !internal,
    ports: checkPorts(options.ports),
    iceServers: parseIceServers(options.iceServers),
    iceTransportPolicy: options.iceTransportPolicy ?? 'all',
    serverRetransmission,
    turnTls: options.turnTls,
    scheduler,
    transport,
    ta: checkInteger('ta', options.ta ?? 50, 5, 1000),
    checklistLimit: checkInteger('checklistLimit', options.checklistLimit ?? 100, 1, 1000),
    maxRemoteCandidates: checkInteger('maxRemoteCandidates', options.maxRemoteCandidates ?? 100, 1, 1000),
    retransmission,
    nominationDelay: checkInteger('nominationDelay', options.nominationDelay ?? 200, 0, 60_000),
    nomination: checkNomination(options.nomination),
    renomination: checkBoolean('renomination', options.renomination),
    failover: checkFailover(options),
    candidateWait: checkInteger('candidateWait', options.candidateWait ?? 10_000, 0, 600_000),
    pacTimeout: checkInteger('pacTimeout', options.pacTimeout ?? DEFAULT_PAC_TIMEOUT, 0, 600_000),
    remoteCredentialsWarningAfter: checkInteger(
      'remoteCredentialsWarningAfter',
      options.remoteCredentialsWarningAfter ?? 10_000,
      1,
      600_000,
    ),
    tieBreaker: checkTieBreaker(options.tieBreaker),
    disconnectedTimeout: checkInteger(
      'disconnectedTimeout',
      options.disconnectedTimeout ?? 5000,
      100,
      60_000,
    ),
    keepaliveInterval: checkInteger(
      'keepaliveInterval',
      options.keepaliveInterval ?? 15_000,
      15_000,
      3_600_000,
    ),
    ...resolveEntropy(options.entropy, options.random),
    remoteIceLite: options.remoteIceLite ?? false,
    lite: options.lite ?? false,
    liteTimeout: checkInteger('liteTimeout', options.liteTimeout ?? DEFAULT_LITE_TIMEOUT, 1000, 3_600_000),
    interfacePollInterval: checkPollInterval(options.interfacePollInterval ?? 5000),
    tcp,
    tcpLimits: resolveTcpLimits(options.tcpLimits),
    mdns,
    mdnsResolver:
      mdns === 'off' ? undefined : (options.mdnsResolver ?? transport.resolveMdns?.bind(transport)),
    mdnsPublisher:
      mdns === 'publish' ? (options.mdnsPublisher ?? transport.publishMdns?.bind(transport)) : undefined,
    mdnsTimeout: checkInteger('mdnsTimeout', options.mdnsTimeout ?? 3000, 10, 60_000),
    sdpMid: checkSdpMid(options.sdpMid),
    sdpMLineIndex: checkInteger('sdpMLineIndex', options.sdpMLineIndex ?? 0, 0, 65535),
  };
}

/** RFC 5888 identification-tag: 1 to 32 visible ASCII characters. */
function checkSdpMid(value: unknown): string {
  if (value === undefined) return '0';
  if (typeof value !== 'string' || !/^[\x21-\x7e]{1,32}$/.test(value)) {
    throw new InvalidOptionError(`sdpMid must be 1-32 visible ASCII characters, got ${describe(value)}`);
  }
  return value;
}

/** An optional option that, when given, must be a non-null, non-array object. */
function checkPlainObject(name: string, value: unknown): void {
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw new InvalidOptionError(`${name} must be an object, got ${describe(value)}`);
  }
}

/** Duck-typed: an RxJS `SchedulerLike` has `now()` and `schedule()`. */
function checkScheduler(value: unknown): SchedulerLike {
  if (value === undefined) return asyncScheduler;
  const s = value as Partial<SchedulerLike> | null;
  if (
    typeof s !== 'object' ||
    s === null ||
    typeof s.now !== 'function' ||
    typeof s.schedule !== 'function'
  ) {
    throw new InvalidOptionError(
      `scheduler must be an RxJS SchedulerLike with now() and schedule() functions, got ${describe(value)}`,
    );
  }
  return value as SchedulerLike;
}

/** Duck-typed: a {@link Transport} has `bind()` and `hostAddresses()`, and its optional mDNS hooks are functions. */
function checkTransport(value: unknown, tcp: boolean): Transport {
  if (value === undefined) return tcp ? withNodeTcp(new UdpTransport()) : new UdpTransport();
  const t = value as Partial<Transport> | null;
  if (
    typeof t !== 'object' ||
    t === null ||
    typeof t.bind !== 'function' ||
    typeof t.hostAddresses !== 'function'
  ) {
    throw new InvalidOptionError(
      `transport must have bind() and hostAddresses() functions (a Transport), got ${describe(value)}`,
    );
  }
  for (const hook of ['resolveMdns', 'publishMdns', 'claimUfrag', 'releaseUfrag'] as const) {
    if (t[hook] !== undefined && typeof t[hook] !== 'function') {
      throw new InvalidOptionError(`transport.${hook} must be a function when present`);
    }
  }
  if (tcp && (typeof t.listenTcp !== 'function' || typeof t.connectTcp !== 'function')) {
    throw new InvalidOptionError('tcp needs a transport with listenTcp() and connectTcp() functions');
  }
  return value as Transport;
}

/** `tcp`: a boolean or 'only', for host candidates of a full agent. */
function checkTcp(options: IceAgentOptions): boolean | 'only' {
  const tcp = options.tcp ?? false;
  if (tcp !== true && tcp !== false && tcp !== 'only') {
    throw new InvalidOptionError(`tcp must be true, false or 'only', got ${describe(tcp)}`);
  }
  if (tcp === false) return tcp;
  if (options.lite === true) throw new InvalidOptionError('tcp is not supported for lite agents');
  if (options.iceTransportPolicy === 'relay') {
    throw new InvalidOptionError("tcp gathers host candidates, which iceTransportPolicy 'relay' never uses");
  }
  if (tcp === 'only' && options.iceServers !== undefined && options.iceServers.length > 0) {
    throw new InvalidOptionError("tcp: 'only' gathers TCP host candidates only: remove iceServers");
  }
  return tcp;
}

/** A short description of a bad value for error messages (never the whole value). */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return `an object with keys [${Object.keys(value).slice(0, 5).join(', ')}]`;
  return typeof value === 'string' ? `a string of ${value.length} characters` : String(value);
}

function checkMdns(options: IceAgentOptions): MdnsMode {
  const mode = options.mdns ?? 'resolve';
  if (mode !== 'resolve' && mode !== 'publish' && mode !== 'off') {
    throw new InvalidOptionError(
      `mdns must be 'resolve', 'publish' or 'off', got ${JSON.stringify(options.mdns)}`,
    );
  }
  for (const name of ['mdnsResolver', 'mdnsPublisher'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new InvalidOptionError(`${name} must be a function`);
    }
  }
  if (
    mode === 'publish' &&
    options.mdnsPublisher === undefined &&
    options.transport?.publishMdns === undefined &&
    options.transport !== undefined
  ) {
    throw new InvalidOptionError(
      "mdns: 'publish' needs an mdnsPublisher: this transport cannot publish mDNS names",
    );
  }
  return mode;
}

/** Liveness options that need more than a range check. */
function checkLiveness(options: IceAgentOptions): void {
  if (options.random !== undefined && typeof options.random !== 'function') {
    throw new InvalidOptionError('random must be a function returning numbers in [0, 1]');
  }
  if (options.remoteIceLite !== undefined && typeof options.remoteIceLite !== 'boolean') {
    throw new InvalidOptionError('remoteIceLite must be a boolean');
  }
  checkLite(options);
  if (options.remoteIceLite === true && options.role === 'controlled') {
    throw new InvalidOptionError(
      "remoteIceLite requires role 'controlling': a full agent facing an ICE-lite peer controls (RFC 8445 §6.1.1)",
    );
  }
}

/** A lite agent (RFC 8445 §2.5) is controlled, gathers host candidates only, and needs a full peer. */
function checkLite(options: IceAgentOptions): void {
  if (options.lite === undefined || options.lite === false) return;
  if (options.lite !== true) throw new InvalidOptionError('lite must be a boolean');
  if (options.role !== 'controlled') {
    throw new InvalidOptionError(
      "lite requires role 'controlled': an ICE-lite agent is always controlled (RFC 8445 §6.1.1)",
    );
  }
  if (options.remoteIceLite === true) {
    throw new InvalidOptionError(
      'lite and remoteIceLite together: two ICE-lite agents cannot connect, one side must be a full agent (RFC 8445 §6.1.1)',
    );
  }
  if (options.iceServers !== undefined && options.iceServers.length > 0) {
    throw new InvalidOptionError(
      'lite agents gather host candidates only: remove iceServers (RFC 8445 §2.5)',
    );
  }
  if (options.iceTransportPolicy === 'relay') {
    throw new InvalidOptionError(
      "lite agents gather host candidates only: iceTransportPolicy 'relay' is impossible",
    );
  }
}

function checkPollInterval(value: unknown): number {
  if (value === 0) return 0;
  return checkInteger('interfacePollInterval (or 0)', value, 100, 3_600_000);
}

function checkInteger(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(`${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

function checkPorts(ports: PortRange | undefined): PortRange | undefined {
  if (ports === undefined) return undefined;
  if (typeof ports !== 'object' || ports === null) throw new InvalidOptionError('ports must be { min, max }');
  checkInteger('ports.min', ports.min, 1, 65535);
  checkInteger('ports.max', ports.max, 1, 65535);
  if (ports.min > ports.max)
    throw new InvalidOptionError(`ports.min (${ports.min}) is above ports.max (${ports.max})`);
  return { min: ports.min, max: ports.max };
}

function checkTieBreaker(value: bigint | undefined): bigint | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'bigint' || value < 0n || value >= 2n ** 64n) {
    throw new InvalidOptionError('tieBreaker must be a bigint from 0 to 2^64-1');
  }
  return value;
}

function checkNomination(value: unknown): 'regular' | 'aggressive' | NominationPolicy {
  if (value === undefined) return 'regular';
  if (value === 'regular' || value === 'aggressive' || typeof value === 'function') {
    return value as 'regular' | 'aggressive' | NominationPolicy;
  }
  throw new InvalidOptionError(
    `nomination must be 'regular', 'aggressive' or a NominationPolicy function, got ${JSON.stringify(value)}`,
  );
}

function checkBoolean(name: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new InvalidOptionError(`${name} must be a boolean`);
  return value;
}

function checkFailover(options: IceAgentOptions): boolean {
  const failover = checkBoolean('failover', options.failover);
  if (failover && options.renomination !== true) {
    throw new InvalidOptionError(
      'failover needs renomination: true (the peer must follow a second nomination, draft-thatcher-ice-renomination)',
    );
  }
  return failover;
}
