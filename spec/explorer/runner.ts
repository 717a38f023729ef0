/**
 * Runs one explorer {@link Scenario} deterministically on a
 * {@link FastScheduler} and checks the invariants of issue #10 on the way.
 *
 * Invariants (ids used in reports):
 * - `connect` (1): where a path exists ({@link pathExists}) and the links
 *   are reliable enough that the RFC's retransmissions must get through
 *   (see {@link reliable}), both agents select a pair of their current
 *   generation and are `connected`/`completed` by {@link connectBound}. The
 *   path is judged as run: a relay or srflx whose every transmission was
 *   lost (a lossy server link) is no path; over a lossless one, such a loss
 *   is itself a violation.
 * - `agree` (1): then one's selected local candidate is, as seen through its
 *   NAT, the other's selected remote candidate, both ways.
 * - `pac` (2): no `failed` for want of checks before the PAC timer
 *   (`pacTimeout` after the remote credentials of the generation arrived).
 * - `stuck` (3): at every quiescent instant (all actions due now have run),
 *   each non-terminal session has a deadline not in the past, or names the
 *   input it awaits (`nextTimeout`/`awaiting`, what `getStats()` reports);
 *   no instant runs more than 50,000 actions (livelock).
 * - `checks-after-nomination` (4): once an agent selected a pair in its
 *   current generation, every connectivity check (Binding request with
 *   USERNAME) it puts on the wire for that generation, directly or inside a
 *   TURN Send indication / ChannelData, is on the selected pair. A
 *   generation is the pair of ufrags a check names: a session that follows
 *   the peer's new credentials checks again for the peer's new generation.
 * - `data` (5): 24 datagrams each way sent once both are connected (first
 *   bytes 0–3, 0x40, near-STUN headers...) all arrive over lossless links,
 *   and some arrive over lossy ones.
 * - `bounded` (6): checklist ≤ `checklistLimit`, remote candidates ≤
 *   `maxRemoteCandidates`, pending check transactions ≤ what the table keeps
 *   (per pair, the current check and `MAX_CANCELLED_PER_PAIR` superseded ones
 *   awaiting a late answer, RFC 8445 §7.2.5.4), and the
 *   scheduler queue ≤ {@link MAX_QUEUE} at every instant.
 * - `crash`: an exception from the agent API or a scheduled action.
 */
import { map } from 'rxjs';
import type { SelectedPair } from '../../lib/agent/context.js';
import { IceAgent } from '../../lib/agent.js';
import { DEFAULT_PAC_TIMEOUT } from '../../lib/core/conclusion.js';
import { isChecklistFailure } from '../../lib/core/failure-reasons.js';
import type { IceSession } from '../../lib/core/session.js';
import { MAX_CANCELLED_PER_PAIR } from '../../lib/core/transactions.js';
import {
  FastScheduler,
  mulberry32,
  NAT_PRESETS,
  seededEntropy,
  type VirtualHost,
  type VirtualNat,
  VirtualNetwork,
} from '../../lib/testing/index.js';
import type { PacketSocket, Transport } from '../../lib/transport/types.js';
import { type LinkSpec, pathExists, roundTripLoss, type Scenario, type SideSpec } from './scenario.js';
import { ATTR, decodeChannelData, decodeStun, decodeXorAddress, TYPE } from './wire.js';

/** Invariant ids, as reported. */
export type InvariantId =
  | 'connect'
  | 'agree'
  | 'pac'
  | 'stuck'
  | 'checks-after-nomination'
  | 'data'
  | 'bounded'
  | 'crash';

/** One broken invariant. */
export interface Violation {
  readonly invariant: InvariantId;
  readonly side?: 'a' | 'b';
  /** Virtual time, ms. */
  readonly at: number;
  readonly message: string;
}

/** What one run found. */
export interface RunResult {
  readonly violations: Violation[];
  /** The local ufrags of a and b at the end (their last generations'). */
  readonly ufrags: readonly [string, string];
  /** Whether a path existed at the end ({@link pathExists}, less a relay or srflx lost to loss). */
  readonly pathExists: boolean;
  /** Whether invariant 1 was enforced at the end (path exists and links reliable). */
  readonly enforced: boolean;
  /** When both had selected a pair of their current generation, if they did. */
  readonly connectedAt: number | undefined;
  /** The invariant-1 deadline. */
  readonly bound: number;
  /** Virtual time the run ended. */
  readonly endedAt: number;
  /** Scheduler actions run. */
  readonly actions: number;
  /** Largest scheduler queue seen. */
  readonly peakQueue: number;
}

/** Timers the bound is computed from (the agents run with these defaults). */
export const TIMING = {
  ta: 50,
  nominationDelay: 200,
  pacTimeout: DEFAULT_PAC_TIMEOUT,
  candidateWait: 10_000,
  /** Server transactions: 500 + 1000 + 1600 + 1600 ms (RTO 500, 3 retransmissions, max 1600). */
  serverTransaction: 4700,
} as const;

/** Scheduler queue size flagged as unbounded growth. */
export const MAX_QUEUE = 2000;
const DATAGRAMS = 24;
const MAX_CANDIDATES = 4; // host, srflx, relay (+ one spare) per side
const TURN = {
  address: '198.51.100.1',
  port: 3478,
  username: 'rx',
  password: 'explorer-secret',
  realm: 'rx.test',
};
const FIRST_BYTES = [
  0, 1, 2, 3, 4, 0x14, 0x16, 0x17, 0x3f, 0x40, 0x41, 0x4f, 0x50, 0x7f, 0x80, 0xbf, 0xc0, 0xff,
];

/** Worst one-way delay of a link (latency, jitter, reordering hold-back) plus a 1 ms NAT hop. */
export function oneWayMax(l: LinkSpec): number {
  return l.latency + l.jitter + (l.reorder > 0 ? 2 * l.latency + l.jitter + 10 : 0) + 1;
}

function usesServers(side: SideSpec): boolean {
  return side.stun || side.turn;
}

/**
 * Links reliable enough that a path must work: a check round trip fails at
 * most 26.8 % of tries on the direct and relayed paths (7 tries: ≤ 1e-4),
 * and a server round trip at most 10 % (4 tries: ≤ 1e-4).
 */
export function reliable(s: Scenario): boolean {
  if (roundTripLoss([s.link]) > 0.268) return false;
  if (usesServers(s.a) && roundTripLoss([s.serverLinkA]) > 0.1) return false;
  if (usesServers(s.b) && roundTripLoss([s.serverLinkB]) > 0.1) return false;
  if ((s.a.turn || s.b.turn) && roundTripLoss([s.serverLinkA, s.serverLinkB]) > 0.268) return false;
  return true;
}

function lossless(s: Scenario): boolean {
  return s.link.loss === 0 && s.serverLinkA.loss === 0 && s.serverLinkB.loss === 0;
}

/** When one side's signalling of a generation started at `t0` has surely reached the peer. */
function signalledBy(side: SideSpec, t0: number, gather: number): number {
  return (
    t0 + Math.max(side.credentialsDelay, gather + side.candidateDelay + side.trickleStep * MAX_CANDIDATES)
  );
}

/**
 * Invariant 1's deadline, from the configured timers and the scenario:
 * signalling done (credentials, and candidates trickled after gathering,
 * which takes up to 4 server round trips, or with loss 3 server transactions
 * of {@link TIMING.serverTransaction}; a restart adds its time and the
 * peer's answer), then over lossless links 10 worst round trips
 * + 20 × Ta + nomination delay + 2 s, over lossy ones the PAC timer
 * (39.5 s: every check's retransmissions) + 10 worst round trips.
 */
export function connectBound(s: Scenario): number {
  const owd = Math.max(oneWayMax(s.link), oneWayMax(s.serverLinkA) + oneWayMax(s.serverLinkB));
  const rtt = 2 * owd;
  const clean = lossless(s);
  const gatherOf = (l: LinkSpec) => (clean ? 8 * oneWayMax(l) : 3 * TIMING.serverTransaction);
  const gA = usesServers(s.a) ? gatherOf(s.serverLinkA) : 0;
  const gB = usesServers(s.b) ? gatherOf(s.serverLinkB) : 0;
  let ready = Math.max(signalledBy(s.a, 0, gA), signalledBy(s.b, 0, gB));
  for (const [side, peer, g, gp] of [
    [s.a, s.b, gA, gB],
    [s.b, s.a, gB, gA],
  ] as const) {
    if (side.restartAt === null) continue;
    const mine = signalledBy(side, side.restartAt, g);
    ready = Math.max(ready, mine, signalledBy(peer, side.restartAt + side.credentialsDelay, gp));
  }
  const checks = clean
    ? 10 * rtt + 20 * TIMING.ta + TIMING.nominationDelay + 2000
    : TIMING.pacTimeout + 10 * rtt;
  return ready + checks;
}

type SideName = 'a' | 'b';

interface SideState {
  readonly name: SideName;
  readonly spec: SideSpec;
  readonly host: VirtualHost;
  readonly nat: VirtualNat | undefined;
  agent: IceAgent;
  peer: SideState;
  signalledUfrag: string;
  /** How many local ufrags this side has signalled (its first, plus one per restart). */
  ufragsUsed: number;
  nextCandidateAt: number;
  pacStart: number;
  restartedAt: number;
  selected: SelectedPair | undefined;
  /** The USERNAME (`remote:local` ufrags) of the generations the selected pair was selected in. */
  selectedUsername: string | undefined;
  readonly channels: Map<string, Map<number, string>>;
  readonly received: Set<number>;
  failedAt: number | undefined;
  /** Its STUN probe / TURN allocation got no answer at all (every transmission lost) and none has succeeded since. */
  readonly serverLost: { stun: boolean; turn: boolean };
}

function sessionOf(agent: IceAgent): IceSession {
  return (agent as unknown as { driver: { session: IceSession } }).driver.session;
}

/** The USERNAME the agent's current session puts on its checks, once it has remote credentials. */
function currentUsername(agent: IceAgent): string | undefined {
  const remote = sessionOf(agent).remoteCredentials;
  return remote === undefined ? undefined : `${remote.ufrag}:${agent.getLocalCredentials().ufrag}`;
}

function pendingTransactions(session: IceSession): number {
  return (session as unknown as { transactions: { size: number } }).transactions.size;
}

function endpoint(address: string, port: number): string {
  return `${address}:${port}`;
}

const decoder = new TextDecoder();

/** Options of {@link runScenario}. */
export interface RunOptions {
  /** Receives a line per signalling delivery, state change, selection and check sent (for replays). */
  readonly log?: (line: string) => void;
}

/** Runs `scenario` to its end and returns every invariant it broke. */
export function runScenario(scenario: Scenario, options: RunOptions = {}): RunResult {
  const s = new FastScheduler();
  const log = options.log;
  const say = log ? (line: string) => log(`${s.now().toFixed(1).padStart(9)} ${line}`) : undefined;
  const violations: Violation[] = [];
  let now = 0;
  const seen = new Set<string>();
  const violate = (invariant: InvariantId, side: SideName | undefined, message: string) => {
    const key = `${invariant}/${side ?? ''}`;
    if (seen.has(key)) return; // first of a kind per side is enough
    seen.add(key);
    violations.push({ invariant, ...(side ? { side } : {}), at: now, message });
    say?.(`VIOLATION ${invariant} ${side ?? ''}: ${message}`);
  };
  const guard = (side: SideName | undefined, what: string, f: () => void) => {
    try {
      f();
    } catch (err) {
      violate('crash', side, `${what}: ${(err as Error).stack ?? String(err)}`);
    }
  };

  const net = new VirtualNetwork({ scheduler: s, seed: scenario.seed, latency: 5 });
  net.createTurnServer('turn', TURN);
  const random = mulberry32(scenario.seed ^ 0x5eed);
  const place = (name: SideName, spec: SideSpec, index: number) => {
    if (spec.nat === 'none') {
      return { host: net.createHost(name, { addresses: [`192.0.2.${index}`] }), nat: undefined, edge: name };
    }
    const nat = net.createNat(`nat-${name}`, {
      publicAddress: `203.0.113.${index}`,
      ...NAT_PRESETS[spec.nat],
    });
    const host = net.createHost(name, { addresses: [`10.0.${index}.1`], behind: nat.name });
    net.setLink(name, nat.name, { latency: 1 });
    return { host, nat, edge: nat.name };
  };
  const pa = place('a', scenario.a, 1);
  const pb = place('b', scenario.b, 2);
  net.setLink(pa.edge, pb.edge, scenario.link);
  net.setLink(pa.edge, 'turn', scenario.serverLinkA);
  net.setLink(pb.edge, 'turn', scenario.serverLinkB);

  const sides = {} as Record<SideName, SideState>;
  const makeAgent = (name: SideName, spec: SideSpec, host: VirtualHost): IceAgent => {
    const iceServers = [
      ...(spec.stun ? [{ urls: `stun:${TURN.address}:${TURN.port}` }] : []),
      ...(spec.turn
        ? [{ urls: `turn:${TURN.address}:${TURN.port}`, username: TURN.username, credential: TURN.password }]
        : []),
    ];
    const lite = scenario.lite && name === 'b';
    return new IceAgent({
      role: spec.role,
      transport: observe(host, (socket, data, port, address) => onSend(name, socket, data, port, address)),
      scheduler: s,
      tieBreaker: BigInt(Math.floor(random() * 2 ** 52)),
      random: mulberry32(Math.floor(random() * 2 ** 31)),
      // Credentials and transaction ids from the seed too (not drawn from `random`, whose sequence the
      // stored regression scenarios depend on): a replay shows the failing run's very ufrags.
      entropy: seededEntropy(scenario.seed ^ (name === 'a' ? 0x0a0a0a0a : 0x0b0b0b0b)),
      interfacePollInterval: 0,
      ...(iceServers.length > 0 ? { iceServers } : {}),
      ...(lite ? { lite: true } : {}),
      ...(scenario.lite && name === 'a' ? { remoteIceLite: true } : {}),
    });
  };

  // ---- invariant 4: checks on the wire ---------------------------------------------
  const onCheck = (name: SideName, relayed: boolean, remote: string, username: Uint8Array) => {
    const st = sides[name];
    say?.(`${name} check -> ${remote}${relayed ? ' (relayed)' : ''} user ${decoder.decode(username)}`);
    if (st?.selected === undefined || st.selectedUsername === undefined) return;
    if (decoder.decode(username) !== st.selectedUsername || currentUsername(st.agent) !== st.selectedUsername)
      return;
    const sel = st.selected;
    const onSelected =
      relayed === (sel.local.type === 'relay') && remote === endpoint(sel.remote.address, sel.remote.port);
    if (!onSelected) {
      violate(
        'checks-after-nomination',
        name,
        `check to ${remote}${relayed ? ' (relayed)' : ''} after selecting ` +
          `${sel.local.type} ${endpoint(sel.local.address, sel.local.port)} -> ` +
          `${sel.remote.type} ${endpoint(sel.remote.address, sel.remote.port)}`,
      );
    }
  };
  const onSend = (name: SideName, socket: PacketSocket, data: Uint8Array, port: number, address: string) => {
    const to = endpoint(address, port);
    const msg = decodeStun(data);
    if (msg !== undefined) {
      const username = msg.attributes.get(ATTR.USERNAME);
      if (msg.type === TYPE.BINDING_REQUEST && username !== undefined) onCheck(name, false, to, username);
      else if (msg.type === TYPE.SEND_INDICATION) {
        const peer = decodeXorAddress(msg.attributes.get(ATTR.XOR_PEER_ADDRESS) ?? new Uint8Array());
        const inner = decodeStun(msg.attributes.get(ATTR.DATA) ?? new Uint8Array());
        const user = inner?.attributes.get(ATTR.USERNAME);
        if (peer && inner?.type === TYPE.BINDING_REQUEST && user)
          onCheck(name, true, endpoint(peer.address, peer.port), user);
      } else if (msg.type === TYPE.CHANNEL_BIND_REQUEST) {
        const peer = decodeXorAddress(msg.attributes.get(ATTR.XOR_PEER_ADDRESS) ?? new Uint8Array());
        const number = msg.attributes.get(ATTR.CHANNEL_NUMBER);
        if (peer && number && number.length >= 2) {
          const key = `${endpoint(socket.address, socket.port)}>${to}`;
          const map = sides[name].channels.get(key) ?? new Map<number, string>();
          map.set(((number[0] as number) << 8) | (number[1] as number), endpoint(peer.address, peer.port));
          sides[name].channels.set(key, map);
        }
      }
      return;
    }
    const cd = decodeChannelData(data);
    if (cd === undefined) return;
    const inner = decodeStun(cd.payload);
    const user = inner?.attributes.get(ATTR.USERNAME);
    if (inner?.type !== TYPE.BINDING_REQUEST || user === undefined) return;
    const peer = sides[name].channels.get(`${endpoint(socket.address, socket.port)}>${to}`)?.get(cd.channel);
    onCheck(name, true, peer ?? `unbound-channel-${cd.channel}`, user);
  };

  for (const [name, placed] of [
    ['a', pa],
    ['b', pb],
  ] as const) {
    const spec = scenario[name];
    sides[name] = {
      name,
      spec,
      host: placed.host,
      nat: placed.nat,
      agent: undefined as unknown as IceAgent,
      peer: undefined as unknown as SideState,
      signalledUfrag: '',
      ufragsUsed: 0,
      nextCandidateAt: 0,
      pacStart: Number.POSITIVE_INFINITY,
      restartedAt: 0,
      selected: undefined,
      selectedUsername: undefined,
      channels: new Map(),
      received: new Set(),
      failedAt: undefined,
      serverLost: { stun: false, turn: false },
    };
  }
  sides.a.peer = sides.b;
  sides.b.peer = sides.a;
  for (const st of Object.values(sides)) st.agent = makeAgent(st.name, st.spec, st.host);

  // ---- signalling ------------------------------------------------------------------
  let signalDone = 0;
  const signalCredentials = (st: SideState, delay: number) => {
    const { ufrag, pwd, answers } = st.agent.getLocalCredentials();
    const remote = scenario.answerHints ? { answers } : undefined;
    st.signalledUfrag = ufrag;
    st.ufragsUsed++;
    signalDone = Math.max(signalDone, now + delay);
    s.schedule(() => {
      const peer = st.peer;
      const before = peer.agent.getLocalCredentials().ufrag;
      say?.(`${peer.name} <- credentials ${ufrag}`);
      guard(peer.name, 'setRemoteCredentials', () => peer.agent.setRemoteCredentials(ufrag, pwd, remote));
      peer.pacStart = s.now();
      if (peer.agent.getLocalCredentials().ufrag !== before) peer.restartedAt = s.now();
    }, delay);
  };
  for (const st of Object.values(sides)) {
    const { spec, agent, peer } = st;
    agent.candidates$.subscribe((c) => {
      const init = c.toJSON();
      const t = s.now();
      const at = Math.max(t + spec.candidateDelay, st.nextCandidateAt);
      st.nextCandidateAt = at + spec.trickleStep;
      signalDone = Math.max(signalDone, at);
      s.schedule(() => {
        say?.(`${peer.name} <- ${init.candidate} (${String(init.usernameFragment)})`);
        guard(peer.name, 'addRemoteCandidate', () => peer.agent.addRemoteCandidate(init));
      }, at - t);
    });
    agent.gatheringState$.subscribe((state) => {
      if (state !== 'complete' || spec.endOfCandidates === 'never') return;
      const usernameFragment = agent.getLocalCredentials().ufrag;
      const t = s.now();
      const at =
        Math.max(t + spec.candidateDelay, st.nextCandidateAt) +
        (spec.endOfCandidates === 'late' ? spec.lateEndDelay : 0);
      s.schedule(() => {
        say?.(`${peer.name} <- end-of-candidates (${usernameFragment})`);
        guard(peer.name, 'end-of-candidates', () =>
          peer.agent.addRemoteCandidate({ candidate: '', usernameFragment }),
        );
      }, at - t);
    });
    // Traced runs: the STUN/TURN server steps too (a relay missing from a generation shows here).
    if (say) {
      agent.trace$.subscribe((e) => {
        if (e.type !== 'server') return;
        const what = [e.method, e.code, e.reason, e.address].filter((v) => v !== undefined).join(' ');
        say(`${st.name} server ${e.step} ${what}`);
      });
    }
    agent.selectedPair$.subscribe((pair) => {
      say?.(
        `${st.name} selected ${pair.local.type} ${endpoint(pair.local.address, pair.local.port)} -> ` +
          `${pair.remote.type} ${endpoint(pair.remote.address, pair.remote.port)} (${agent.getLocalCredentials().ufrag})`,
      );
      // The same path shown again (a peer-reflexive candidate now signalled with its type) is no new
      // selection: it stays the selection of the generation that made it (explore seed 20261223, #8310).
      const samePath =
        st.selected !== undefined &&
        endpoint(st.selected.local.address, st.selected.local.port) ===
          endpoint(pair.local.address, pair.local.port) &&
        endpoint(st.selected.remote.address, st.selected.remote.port) ===
          endpoint(pair.remote.address, pair.remote.port);
      st.selected = pair;
      if (!samePath) st.selectedUsername = currentUsername(agent);
    });
    agent.connectionState$.subscribe((state) => {
      say?.(`${st.name} state ${state}`);
      if (state !== 'failed') return;
      const t = s.now();
      st.failedAt ??= t;
      // The agent's reason: after a restart the failure may be the previous session's (consent).
      const reason = agent.getStats().failureReason;
      if (!isChecklistFailure(reason) && reason !== undefined) return;
      const pacStart = Math.max(st.pacStart, st.restartedAt);
      if (t < pacStart + TIMING.pacTimeout - 1e-6)
        violate('pac', st.name, `failed (${String(reason)}) ${t - pacStart} ms after the PAC timer started`);
    });
    agent.data$.subscribe((d) => {
      if (d.length === 32 && d[30] === (st.peer.name === 'a' ? 0xaa : 0xbb)) st.received.add(d[31] as number);
    });
    if (spec.restartAt !== null) {
      s.schedule(() => {
        say?.(`${st.name} restart()`);
        guard(st.name, 'restart', () => agent.restart());
        st.restartedAt = s.now();
      }, spec.restartAt);
    }
  }
  for (const st of Object.values(sides)) signalCredentials(st, st.spec.credentialsDelay);
  for (const st of Object.values(sides))
    guard(st.name, 'gatherCandidates', () => st.agent.gatherCandidates());

  // ---- the run ---------------------------------------------------------------------
  // reliable() admits server links that lose a transaction's every transmission about once in 1e4: a
  // relay (or srflx) lost that way is no longer a path (explore seed 20261234, #37403: 4 Allocate
  // answers lost in a row at 3 % loss, and the peer behind a symmetric NAT had no other way in).
  for (const st of Object.values(sides)) {
    st.agent.errors$.subscribe((e) => {
      if (e.code !== undefined || (e.kind !== 'turn-allocate' && e.kind !== 'stun-timeout')) return;
      say?.(`${st.name} lost its ${e.kind === 'turn-allocate' ? 'relay' : 'srflx'}: ${e.reason}`);
      // Only loss excuses it: over a lossless server link an unanswered transaction is a bug.
      if ((st.name === 'a' ? scenario.serverLinkA : scenario.serverLinkB).loss === 0)
        violate('connect', st.name, `${e.kind} got no answer over a lossless server link: ${e.reason}`);
      if (e.kind === 'turn-allocate') st.serverLost.turn = true;
      else st.serverLost.stun = true;
    });
    st.agent.candidates$.subscribe((c) => {
      if (c.type === 'relay') st.serverLost.turn = false;
      if (c.type === 'srflx') st.serverLost.stun = false;
    });
  }
  const asRun = (st: SideState): SideSpec => ({
    ...st.spec,
    stun: st.spec.stun && !st.serverLost.stun,
    turn: st.spec.turn && !st.serverLost.turn,
  });
  const hasPathNow = () => pathExists({ ...scenario, a: asRun(sides.a), b: asRun(sides.b) });
  const enforcedNow = () => hasPathNow() && reliable(scenario);
  const bound = connectBound(scenario);
  const clean = lossless(scenario);
  const settleMs =
    2 *
      Math.max(oneWayMax(scenario.link), oneWayMax(scenario.serverLinkA) + oneWayMax(scenario.serverLinkB)) +
    500;
  let connectedAt: number | undefined;
  let dataEndsAt: number | undefined;
  let peakQueue = 0;
  const HARD_END = 200_000;

  const settled = (st: SideState) => {
    const session = sessionOf(st.agent);
    return (
      session.selectedPair !== undefined && (session.state === 'connected' || session.state === 'completed')
    );
  };
  const restartBudget = 1 + (scenario.a.restartAt === null ? 0 : 1) + (scenario.b.restartAt === null ? 0 : 1);
  const stepChecks = () => {
    if (s.size > peakQueue) peakQueue = s.size;
    if (s.size > MAX_QUEUE) violate('bounded', undefined, `scheduler queue holds ${s.size} actions`);
    for (const st of Object.values(sides)) {
      const session = sessionOf(st.agent);
      if (session.state === 'failed' || session.state === 'closed') continue;
      const next = session.nextTimeout(now);
      if (next === undefined) {
        if (session.awaiting(now) === undefined)
          violate('stuck', st.name, `state ${session.state}: no deadline and no awaited input`);
      } else if (next < now - 1e-6) {
        violate('stuck', st.name, `state ${session.state}: deadline ${next} passed unserved`);
      }
      // Restarts are bounded: the scheduled ones, each answered once by the peer.
      const generation = (st.agent as unknown as { context: { generation: number } }).context.generation;
      if (st.ufragsUsed > restartBudget || generation > restartBudget)
        violate(
          'bounded',
          st.name,
          `restart loop: generation ${generation}, ${st.ufragsUsed} ufrags after ${restartBudget - 1} scheduled restart(s)`,
        );
      // A restart (ours or the peer's) re-signals credentials.
      const { ufrag } = st.agent.getLocalCredentials();
      if (ufrag !== st.signalledUfrag) signalCredentials(st, st.spec.credentialsDelay);
    }
  };
  const tableChecks = () => {
    for (const st of Object.values(sides)) {
      const session = sessionOf(st.agent);
      const pairs = session.checklist.pairs.length;
      if (pairs > 100) violate('bounded', st.name, `${pairs} candidate pairs`);
      if (session.remoteCandidates.length > 100)
        violate('bounded', st.name, `${session.remoteCandidates.length} remote candidates`);
      const pending = pendingTransactions(session);
      if (pending > pairs * (1 + MAX_CANCELLED_PER_PAIR))
        violate('bounded', st.name, `${pending} pending transactions for ${pairs} pairs`);
    }
  };
  const startData = () => {
    for (const st of Object.values(sides)) {
      for (let k = 0; k < DATAGRAMS; k++) {
        const d = new Uint8Array(32).fill(0x5a);
        if (k < FIRST_BYTES.length) d[0] = FIRST_BYTES[k] as number;
        else {
          // Near-STUN: a Binding request header with the magic cookie but a length other than 12 (the real one).
          d.set([0x00, 0x01, 0x00, [4, 8, 16, 24, 28][k - FIRST_BYTES.length] ?? 4, 0x21, 0x12, 0xa4, 0x42]);
        }
        d[30] = st.name === 'a' ? 0xaa : 0xbb;
        d[31] = k;
        s.schedule(() => guard(st.name, 'send', () => st.agent.send(d)), 10 * k);
      }
    }
    dataEndsAt = now + 10 * DATAGRAMS + settleMs;
  };
  const checkData = () => {
    for (const st of Object.values(sides)) {
      const got = st.peer.received.size;
      const missing = [...Array(DATAGRAMS).keys()].filter((k) => !st.peer.received.has(k));
      if (clean ? got < DATAGRAMS : got === 0)
        violate(
          'data',
          st.name,
          `${got}/${DATAGRAMS} datagrams ${st.name} -> ${st.peer.name} arrived; missing k=${missing.join(',')}` +
            ` over ${st.selected?.local.type ?? '?'} -> ${st.selected?.remote.type ?? '?'}`,
        );
    }
  };
  const publicOf = (st: SideState, pair: SelectedPair): string => {
    const { local, remote } = pair;
    if (local.type === 'relay' || local.type === 'srflx' || local.type === 'prflx' || st.nat === undefined)
      return endpoint(local.address, local.port);
    const mapping = st.nat
      .mappings()
      .find(
        (m) =>
          m.internal.address === local.address &&
          m.internal.port === local.port &&
          (m.destination === undefined ||
            (m.destination.address === remote.address &&
              (m.destination.port === undefined || m.destination.port === remote.port))),
      );
    return mapping ? endpoint(mapping.external.address, mapping.external.port) : `unmapped ${local.address}`;
  };
  const checkAgreement = () => {
    const a = sessionOf(sides.a.agent).selectedPair;
    const b = sessionOf(sides.b.agent).selectedPair;
    if (!a || !b) return;
    const pairA = { local: a.local.candidate, remote: a.remote };
    const pairB = { local: b.local.candidate, remote: b.remote };
    const aSeen = publicOf(sides.a, pairA);
    const bSeen = publicOf(sides.b, pairB);
    const bRemote = endpoint(pairB.remote.address, pairB.remote.port);
    const aRemote = endpoint(pairA.remote.address, pairA.remote.port);
    if (aSeen !== bRemote || bSeen !== aRemote)
      violate(
        'agree',
        undefined,
        `a selected ${pairA.local.type} ${aSeen} -> ${pairA.remote.type} ${aRemote}, ` +
          `b selected ${pairB.local.type} ${bSeen} -> ${pairB.remote.type} ${bRemote}`,
      );
  };

  // Past the PAC timer a failure is allowed: watching a session that cannot connect longer finds nothing new.
  const horizon = () =>
    Math.min(HARD_END, enforcedNow() ? bound : Math.max(bound, signalDone) + (hasPathNow() ? 0 : 1000));
  let lastTableCheck = 0;
  for (;;) {
    const t = s.nextTime();
    if (t === undefined || t > horizon()) {
      now = Math.min(horizon(), HARD_END);
      break;
    }
    const before = s.executed;
    try {
      s.runUntil(() => {
        const n = s.nextTime();
        return n === undefined || n > t || s.executed - before > 50_000;
      });
    } catch (err) {
      now = s.now();
      violate('crash', undefined, `scheduled action threw: ${(err as Error).stack ?? String(err)}`);
      break;
    }
    now = t;
    if (s.executed - before > 50_000) {
      violate('stuck', undefined, `livelock: more than 50,000 actions at ${t} ms`);
      break;
    }
    stepChecks();
    if (now - lastTableCheck >= 1000) {
      lastTableCheck = now;
      tableChecks();
    }
    if (dataEndsAt !== undefined) {
      if (now >= dataEndsAt) break;
      continue;
    }
    const both = settled(sides.a) && settled(sides.b);
    if (both && connectedAt === undefined) connectedAt = now;
    if (!both) connectedAt = undefined;
    if (both && now >= signalDone) {
      tableChecks();
      startData();
      continue;
    }
    const failed = sides.a.failedAt !== undefined || sides.b.failedAt !== undefined;
    if (enforcedNow() && (failed || now > bound)) {
      const states = `a ${sessionOf(sides.a.agent).state} (${sessionOf(sides.a.agent).failureReason ?? '-'}), b ${sessionOf(sides.b.agent).state} (${sessionOf(sides.b.agent).failureReason ?? '-'})`;
      violate(
        'connect',
        undefined,
        `${failed ? 'failed' : `not connected by the bound ${bound} ms`}: ${states}`,
      );
      break;
    }
    if (
      !hasPathNow() &&
      sessionOf(sides.a.agent).state === 'failed' &&
      sessionOf(sides.b.agent).state === 'failed'
    )
      break;
  }
  if (dataEndsAt !== undefined && now >= dataEndsAt) {
    checkData();
    checkAgreement();
  }
  tableChecks();
  const ufrags = [sides.a, sides.b].map((st) => st.agent.getLocalCredentials().ufrag) as [string, string];
  for (const st of Object.values(sides)) guard(st.name, 'stop', () => st.agent.stop());
  return {
    violations,
    ufrags,
    pathExists: hasPathNow(),
    enforced: enforcedNow(),
    connectedAt,
    bound,
    endedAt: now,
    actions: s.executed,
    peakQueue,
  };
}

/** Wraps a virtual host so that every datagram its sockets send is shown to `tap` first. */
function observe(
  host: VirtualHost,
  tap: (socket: PacketSocket, data: Uint8Array, port: number, address: string) => void,
): Transport {
  return {
    hostAddresses: () => host.hostAddresses(),
    bind: (address, ports) =>
      host.bind(address, ports).pipe(
        map(
          (socket): PacketSocket => ({
            address: socket.address,
            port: socket.port,
            family: socket.family,
            packets$: socket.packets$,
            get sendErrors() {
              return socket.sendErrors;
            },
            send(data, port, to) {
              tap(socket, data, port, to);
              socket.send(data, port, to);
            },
            close: () => socket.close(),
          }),
        ),
      ),
  };
}
