/**
 * Benchmark helper: the cost of answering connectivity checks, rx-ice vs
 * werift-ice, on 127.0.0.1.
 *
 * Each side is a controlled agent connected to a scripted peer (a raw
 * `node:dgram` socket that answers the agent's checks and nominates with a
 * USE-CANDIDATE check), so that the measured requests hit a pair that has
 * already succeeded: steady state, as consent checks do. The measured
 * requests are built before the clock starts (distinct transaction IDs,
 * USERNAME, PRIORITY, ICE-CONTROLLING, MESSAGE-INTEGRITY under the agent's
 * password, FINGERPRINT) and are the same bytes for both agents but for the
 * credentials.
 *
 * Two ways in:
 * - in-process: the datagram is handed to the agent's receive path as the
 *   socket would (rx-ice: the socket's `packets$`; werift-ice:
 *   `StunProtocol.datagramReceived`) and the answer is counted instead of
 *   sent, so only the agent's own work is measured;
 * - loopback UDP: the peer sends the requests for real (<= 32 in flight) and
 *   counts the answers; the process's CPU then includes both sides' socket
 *   work, which a raw echo socket (answers every request with fixed bytes)
 *   measures on its own as the floor.
 *
 * CPU is process.cpuUsage() (user + system) per item: wall time swings on a
 * shared machine, CPU per item much less.
 */
import { createSocket, type Socket } from 'node:dgram';
import { merge, Subject } from 'rxjs';
import { map } from 'rxjs/operators';
import * as werift from 'werift-ice';
import { IceAgent } from '../../lib/index.js';
import {
  buildBindingRequest,
  buildBindingSuccess,
  decodeStun,
  shortTermKey,
} from '../../lib/stun/message.js';
import type { InboundPacket, PacketSocket, Transport } from '../../lib/transport/types.js';
import { UdpTransport } from '../../lib/transport/udp.js';

const PEER = { ufrag: 'benchPeer', pwd: 'benchPeerPasswordPasswordPassword' };
const TIE_BREAKER = 0xfedcba9876543210n;

/** What the measurements need from one agent under test. */
export interface CheckTarget {
  readonly name: string;
  /** Builds one signed check for this agent (outside the measured interval). */
  request(useCandidate?: boolean): Buffer;
  /** Hands a datagram from the peer to the agent's receive path; answers are counted, not sent. */
  inject(data: Buffer): void;
  /** Answers counted by {@link inject} so far. */
  readonly injectedAnswers: number;
  /** Sends a datagram from the peer socket over loopback UDP. */
  sendUdp(data: Buffer): void;
  /** Success responses the peer socket received for its own requests. */
  readonly udpAnswers: number;
  /** The rx-ice agent under test (the trace section subscribes to its `trace$`). */
  readonly agent?: IceAgent;
  stop(): Promise<void>;
}

/** The scripted peer: a raw socket answering the agent's checks with signed success responses. */
class ScriptedPeer {
  readonly socket: Socket = createSocket('udp4');
  answers = 0;
  private readonly key = shortTermKey(PEER.pwd);

  async bind(): Promise<number> {
    await new Promise<void>((resolve) => this.socket.bind(0, '127.0.0.1', resolve));
    this.socket.on('message', (data, rinfo) => {
      // 0x0101: Binding success, an answer to one of ours; 0x0001: a check from the agent.
      if (data[0] === 0x01 && data[1] === 0x01) {
        this.answers++;
        return;
      }
      if (data[0] !== 0x00 || data[1] !== 0x01) return;
      const request = decodeStun(data);
      if (!request) return;
      const response = buildBindingSuccess({
        transactionId: request.transactionId,
        mapped: { address: rinfo.address, port: rinfo.port },
        key: this.key,
      });
      this.socket.send(response, rinfo.port, rinfo.address);
    });
    return this.socket.address().port;
  }

  close(): void {
    this.socket.close();
  }
}

function checkBuilder(ufrag: string, pwd: string): (useCandidate?: boolean) => Buffer {
  const key = shortTermKey(pwd);
  return (useCandidate = false) =>
    buildBindingRequest({
      username: `${ufrag}:${PEER.ufrag}`,
      key,
      priority: 1_853_824_767,
      role: 'controlling',
      tieBreaker: TIE_BREAKER,
      useCandidate,
    }).bytes;
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: not done after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** A socket of the real UDP transport whose input can also be fed in-process, and whose sends can be counted instead. */
class TapSocket implements PacketSocket {
  readonly injected = new Subject<InboundPacket>();
  readonly packets$;
  stubSends = false;
  stubbed = 0;

  constructor(private readonly inner: PacketSocket) {
    this.packets$ = merge(inner.packets$, this.injected);
  }
  get address(): string {
    return this.inner.address;
  }
  get port(): number {
    return this.inner.port;
  }
  get family(): PacketSocket['family'] {
    return this.inner.family;
  }
  get sendErrors(): number {
    return this.inner.sendErrors;
  }
  send(data: Uint8Array, port: number, address: string): void {
    if (this.stubSends) {
      this.stubbed++;
      return;
    }
    this.inner.send(data, port, address);
  }
  close(): void {
    this.injected.complete();
    this.inner.close();
  }
}

class TapTransport implements Transport {
  readonly sockets: TapSocket[] = [];
  private readonly inner = new UdpTransport();
  hostAddresses() {
    return this.inner.hostAddresses();
  }
  bind(address: string, ports?: { min: number; max: number }) {
    return this.inner.bind(address, ports).pipe(
      map((s) => {
        const tap = new TapSocket(s);
        this.sockets.push(tap);
        return tap;
      }),
    );
  }
}

/** An rx-ice agent (controlled, defaults) connected to the scripted peer. */
export async function rxIceTarget(): Promise<CheckTarget> {
  const peer = new ScriptedPeer();
  const peerPort = await peer.bind();
  const transport = new TapTransport();
  const agent = new IceAgent({
    role: 'controlled',
    transport,
    ipFilter: (address) => address === '127.0.0.1',
  });
  const { ufrag, pwd } = agent.getLocalCredentials();
  const request = checkBuilder(ufrag, pwd);
  const local = new Promise<{ address: string; port: number }>((resolve) =>
    agent.candidates$.subscribe((c) => resolve(c)),
  );
  const connected = new Promise<void>((resolve) =>
    agent.connectionState$.subscribe((s) => {
      if (s === 'connected' || s === 'completed') resolve();
    }),
  );
  agent.setRemoteCredentials(PEER.ufrag, PEER.pwd);
  agent.addRemoteCandidate(`candidate:1 1 udp 2130706431 127.0.0.1 ${peerPort} typ host`);
  agent.gatherCandidates();
  const target = await within(local, 5000, 'rx-ice gathering');
  // Nominate: the agent answers, checks back (the peer answers) and selects the pair.
  const nominate = setInterval(() => peer.socket.send(request(true), target.port, target.address), 20);
  try {
    await within(connected, 5000, 'rx-ice connecting');
  } finally {
    clearInterval(nominate);
  }
  const tap = transport.sockets.find((s) => s.port === target.port);
  if (!tap) throw new Error('rx-ice: no socket for the candidate');
  const from = { address: '127.0.0.1', port: peerPort };
  return {
    name: 'rx-ice',
    agent,
    request,
    inject(data) {
      tap.stubSends = true;
      tap.injected.next({ data, address: from.address, port: from.port });
      tap.stubSends = false;
    },
    get injectedAnswers() {
      return tap.stubbed;
    },
    sendUdp(data) {
      peer.socket.send(data, target.port, target.address);
    },
    get udpAnswers() {
      return peer.answers;
    },
    async stop() {
      agent.stop();
      peer.close();
    },
  };
}

/** The parts of werift-ice's `StunProtocol` the measurement reaches into. */
interface WeriftProtocol {
  readonly localCandidate?: unknown;
  readonly transport: { send(data: Buffer, addr: readonly [string, number]): Promise<void> };
  datagramReceived(data: Buffer, addr: readonly [string, number]): void;
}

/** A werift-ice `Connection` (controlled) connected to the scripted peer. */
export async function weriftTarget(): Promise<CheckTarget> {
  const peer = new ScriptedPeer();
  const peerPort = await peer.bind();
  const connection = new werift.Connection(false, {
    useIpv4: true,
    useIpv6: false,
    interfaceAddresses: { udp4: '127.0.0.1' },
    additionalHostAddresses: ['127.0.0.1'],
  });
  connection.stunServer = undefined; // else werift-ice gathers against stun.l.google.com (off loopback)
  const request = checkBuilder(connection.localUsername, connection.localPassword);
  connection.setRemoteParams({ iceLite: false, usernameFragment: PEER.ufrag, password: PEER.pwd });
  await within(connection.gatherCandidates(), 5000, 'werift-ice gathering');
  const local = connection.localCandidates.find((c) => c.host === '127.0.0.1');
  // Private in werift-ice's typings: the socket-level object that receives datagrams.
  const { protocols } = connection as unknown as { protocols: WeriftProtocol[] };
  const protocol = protocols.find((p) => p.localCandidate === local);
  if (!local || !protocol) throw new Error('werift-ice: no 127.0.0.1 candidate');
  await connection.addRemoteCandidate(
    werift.Candidate.fromSdp(`candidate:1 1 udp 2130706431 127.0.0.1 ${peerPort} typ host`),
  );
  const nominate = setInterval(() => peer.socket.send(request(true), local.port, local.host), 20);
  try {
    await within(connection.connect(), 5000, 'werift-ice connecting');
  } finally {
    clearInterval(nominate);
  }
  const transport = protocol.transport;
  const realSend = transport.send.bind(transport);
  let stubbed = 0;
  const stubSend = (): Promise<void> => {
    stubbed++;
    return Promise.resolve();
  };
  const from: readonly [string, number] = ['127.0.0.1', peerPort];
  return {
    name: 'werift-ice',
    request,
    inject(data) {
      transport.send = stubSend;
      protocol.datagramReceived(data, from);
      transport.send = realSend;
    },
    get injectedAnswers() {
      return stubbed;
    },
    sendUdp(data) {
      peer.socket.send(data, local.port, local.host);
    },
    get udpAnswers() {
      return peer.answers;
    },
    async stop() {
      await connection.close();
      peer.close();
    },
  };
}

/** A raw socket that answers every request with fixed bytes: the socket work alone (the floor). */
export async function echoTarget(): Promise<CheckTarget> {
  const peer = new ScriptedPeer();
  await peer.bind();
  const echo = createSocket('udp4');
  await new Promise<void>((resolve) => echo.bind(0, '127.0.0.1', resolve));
  const port = echo.address().port;
  const answer = Buffer.alloc(80);
  answer.writeUInt16BE(0x0101, 0); // looks like a Binding success to the peer's counter
  echo.on('message', (_data, rinfo) => echo.send(answer, rinfo.port, rinfo.address));
  const request = checkBuilder('echo', 'echoPasswordechoPasswordecho');
  return {
    name: 'raw echo',
    request,
    inject() {},
    injectedAnswers: 0,
    sendUdp(data) {
      peer.socket.send(data, port, '127.0.0.1');
    },
    get udpAnswers() {
      return peer.answers;
    },
    async stop() {
      echo.close();
      peer.close();
    },
  };
}

/** CPU microseconds (user + system) since `start`. */
export function cpuSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return d.user + d.system;
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Result of one measured run. */
export interface RunResult {
  readonly items: number;
  readonly answered: number;
  /** CPU µs per item sent or injected. */
  readonly cpuPerItem: number;
}

/**
 * Injects `messages` (reused round-robin up to `count`) in-process, yielding
 * to the event loop every 64 so promise-based answers settle inside the
 * measured interval.
 */
export async function injectRun(
  target: CheckTarget,
  messages: readonly Buffer[],
  count: number,
): Promise<RunResult> {
  const answeredBefore = target.injectedAnswers;
  await yieldToLoop();
  const start = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    target.inject(messages[i % messages.length] as Buffer);
    if ((i & 63) === 63) await yieldToLoop();
  }
  await yieldToLoop();
  const cpu = cpuSince(start);
  return { items: count, answered: target.injectedAnswers - answeredBefore, cpuPerItem: cpu / count };
}

/**
 * Sends `messages` over loopback UDP with at most `window` unanswered; gives
 * up on the rest after `stallMs` without an answer (reported, not thrown).
 */
export async function udpRun(
  target: CheckTarget,
  messages: readonly Buffer[],
  window = 32,
  stallMs = 200,
): Promise<RunResult> {
  const base = target.udpAnswers;
  const start = process.cpuUsage();
  let sent = 0;
  let lastProgress = performance.now();
  let lastAnswered = 0;
  while (true) {
    const answered = target.udpAnswers - base;
    if (answered !== lastAnswered) {
      lastAnswered = answered;
      lastProgress = performance.now();
    }
    if (answered >= messages.length) break;
    if (performance.now() - lastProgress > stallMs) break;
    while (sent < messages.length && sent - answered < window) target.sendUdp(messages[sent++] as Buffer);
    await new Promise((resolve) => setImmediate(resolve));
  }
  const cpu = cpuSince(start);
  const answered = target.udpAnswers - base;
  return { items: messages.length, answered, cpuPerItem: cpu / Math.max(answered, 1) };
}

/**
 * A 64 KiB framed STUN Binding request of 4-byte attributes (16k of them):
 * the worst case for a decoder that walks every attribute before checking
 * anything.
 */
export function oversizedRequest(): Buffer {
  const bytes = Buffer.alloc(20 + 16_380 * 4);
  bytes.writeUInt16BE(0x0001, 0);
  bytes.writeUInt16BE(bytes.length - 20, 2);
  bytes.writeUInt32BE(0x2112a442, 4);
  for (let offset = 20; offset < bytes.length; offset += 4) bytes.writeUInt16BE(0x8022, offset); // SOFTWARE, empty
  return bytes;
}

// ---- the report section ----------------------------------------------------------------

/** One measured kind of item, per side: the medians over the rounds. */
export interface ChecksFigures {
  /** CPU µs per answered check, in-process. */
  readonly answeredInProcess: number;
  /** CPU µs per answered check over loopback UDP (both sides' socket work included). */
  readonly answeredUdp: number;
  /** CPU µs per 64 KiB message of 16k attributes, in-process. */
  readonly oversized: number;
  /** CPU µs per check signed with the wrong key (answered 401 by rx-ice), in-process. */
  readonly forged: number;
  /** Rounds where a side did not answer everything over UDP (lost or slow), reported not fatal. */
  readonly incompleteUdpRounds: number;
}

export interface ChecksResult {
  readonly sides: Record<string, ChecksFigures>;
  /** rx-ice / werift-ice, ratio of the medians, per kind. */
  readonly ratios: Record<string, number>;
  /** Median over rounds of the per-round ratios rx-ice / werift-ice, answered in-process. */
  readonly perRoundInProcess: readonly number[];
  /** CPU µs per request of the raw echo socket over UDP: the socket floor. */
  readonly udpFloor: number;
  readonly failures: readonly string[];
}

/** Options of {@link checksSection}. */
export interface ChecksOptions {
  readonly rounds: number;
  /** Checks injected per round and side. */
  readonly injected: number;
  /** Checks sent over UDP per round and side. */
  readonly udp: number;
  readonly median: (values: readonly number[]) => number;
}

/**
 * Measures rx-ice and werift-ice (and the raw echo floor) side by side, rounds
 * interleaved (ABBA); a side that fails to set up or to answer is reported in
 * `failures`, never thrown.
 */
export async function checksSection(o: ChecksOptions): Promise<ChecksResult> {
  const failures: string[] = [];
  const targets: CheckTarget[] = [];
  for (const make of [rxIceTarget, weriftTarget, echoTarget]) {
    try {
      targets.push(await make());
    } catch (err) {
      failures.push(`${make.name}: ${(err as Error).message}`);
    }
  }
  const agents = targets.filter((t) => t.name !== 'raw echo');
  const echo = targets.find((t) => t.name === 'raw echo');
  type Samples = {
    inProcess: number[];
    udp: number[];
    oversized: number[];
    forged: number[];
    incomplete: number;
  };
  const samples = new Map<string, Samples>(
    agents.map((t) => [t.name, { inProcess: [], udp: [], oversized: [], forged: [], incomplete: 0 }]),
  );
  const floor: number[] = [];
  const pools = new Map(agents.map((t) => [t.name, Array.from({ length: 2048 }, () => t.request())]));
  const forgedPool = forgedChecks(agents);
  const big = [oversizedRequest()];

  for (const t of agents) await injectRun(t, pools.get(t.name) ?? [], 2000); // warm-up
  for (let round = 0; round < o.rounds; round++) {
    const order = round % 2 === 0 ? agents : [...agents].reverse();
    for (const t of order) {
      const s = samples.get(t.name) as Samples;
      s.inProcess.push((await injectRun(t, pools.get(t.name) ?? [], o.injected)).cpuPerItem);
      s.oversized.push((await injectRun(t, big, 200)).cpuPerItem);
      s.forged.push((await injectRun(t, forgedPool.get(t.name) ?? [], Math.ceil(o.injected / 2))).cpuPerItem);
      const fresh = Array.from({ length: o.udp }, () => t.request());
      const udp = await udpRun(t, fresh);
      if (udp.answered < udp.items) s.incomplete++;
      s.udp.push(udp.cpuPerItem);
    }
    if (echo) {
      const fresh = Array.from({ length: o.udp }, () => echo.request());
      floor.push((await udpRun(echo, fresh)).cpuPerItem);
    }
  }
  for (const t of targets) await t.stop().catch(() => undefined);

  const sides: Record<string, ChecksFigures> = {};
  for (const [name, s] of samples) {
    sides[name] = {
      answeredInProcess: o.median(s.inProcess),
      answeredUdp: o.median(s.udp),
      oversized: o.median(s.oversized),
      forged: o.median(s.forged),
      incompleteUdpRounds: s.incomplete,
    };
  }
  const rx = sides['rx-ice'];
  const wr = sides['werift-ice'];
  const ratios: Record<string, number> = {};
  if (rx && wr) {
    for (const k of ['answeredInProcess', 'answeredUdp', 'oversized', 'forged'] as const)
      ratios[k] = rx[k] / wr[k];
  }
  const rxs = samples.get('rx-ice')?.inProcess ?? [];
  const wrs = samples.get('werift-ice')?.inProcess ?? [];
  const perRoundInProcess = rxs.map((v, i) => v / (wrs[i] ?? Number.NaN)).filter(Number.isFinite);
  return { sides, ratios, perRoundInProcess, udpFloor: o.median(floor), failures };
}

/** Checks for each agent signed with a key that is not its password: every one fails MESSAGE-INTEGRITY. */
function forgedChecks(agents: readonly CheckTarget[]): Map<string, Buffer[]> {
  const wrong = shortTermKey('notThePasswordNotThePassword');
  return new Map(
    agents.map((t) => {
      const username = decodeStun(t.request())?.username ?? 'x:y';
      const forged = Array.from(
        { length: 1024 },
        () =>
          buildBindingRequest({
            username,
            key: wrong,
            priority: 1_853_824_767,
            role: 'controlling',
            tieBreaker: TIE_BREAKER,
          }).bytes,
      );
      return [t.name, forged];
    }),
  );
}
