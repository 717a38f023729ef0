/**
 * The explorer's scenarios: plain, JSON-safe descriptions of one two-agent
 * ICE session on the virtual network (topology, link conditions, signalling
 * order and timing, roles, restarts, ICE-lite, TURN), and the fast-check
 * arbitrary that generates (and shrinks) them.
 */
import fc from 'fast-check';

/** Where a side sits: on the public network or behind a NAT preset of the testing kit. */
export type NatKind = 'none' | 'fullCone' | 'restrictedCone' | 'portRestrictedCone' | 'symmetric';

/** Conditions of one virtual link (see `LinkConditions`). */
export interface LinkSpec {
  /** One-way latency, ms (0–300). */
  readonly latency: number;
  /** Extra uniform delay [0, jitter) ms. */
  readonly jitter: number;
  /** Loss probability, 0–0.3. */
  readonly loss: number;
  /** Duplication probability. */
  readonly duplicate: number;
  /** Reordering (hold-back) probability. */
  readonly reorder: number;
}

/** When end-of-candidates reaches the peer: right after the last candidate, much later, or never. */
export type EndOfCandidates = 'prompt' | 'late' | 'never';

/** One side of the session (agent `a` or `b`). */
export interface SideSpec {
  readonly nat: NatKind;
  readonly role: 'controlling' | 'controlled';
  /** Gathers server-reflexive candidates from the virtual STUN/TURN server. */
  readonly stun: boolean;
  /** Gathers a relayed candidate from the virtual TURN server. */
  readonly turn: boolean;
  /** When the peer receives this side's credentials, ms after they exist (start or restart). */
  readonly credentialsDelay: number;
  /** Signalling delay of this side's first candidate, ms. */
  readonly candidateDelay: number;
  /** Candidates reach the peer one by one, at least this many ms apart. */
  readonly trickleStep: number;
  readonly endOfCandidates: EndOfCandidates;
  /** Extra delay of a `late` end-of-candidates, ms. */
  readonly lateEndDelay: number;
  /** Virtual time of a `restart()` on this side, if any. */
  readonly restartAt: number | null;
}

/** One explored session. */
export interface Scenario {
  /** Seeds the network PRNG, tie-breakers and the agents' `random`. */
  readonly seed: number;
  readonly a: SideSpec;
  readonly b: SideSpec;
  /** Link between the two sides' edge nodes (host or NAT). */
  readonly link: LinkSpec;
  /** Links between each side's edge node and the STUN/TURN server. */
  readonly serverLinkA: LinkSpec;
  readonly serverLinkB: LinkSpec;
  /** `b` is an ICE-lite agent (public, controlled, host candidates only); `a` gets `remoteIceLite`. */
  readonly lite: boolean;
  /**
   * Signalling says which of the receiver's generations new credentials
   * answer (`setRemoteCredentials(…, { answers })`, as `localSignals` and
   * SDP offer/answer do). Without it (absent: false) the agents infer it.
   */
  readonly answerHints?: boolean;
}

const natKind = fc.constantFrom<NatKind>(
  'none',
  'fullCone',
  'restrictedCone',
  'portRestrictedCone',
  'symmetric',
);

/** A link: half of them lossless, latency 0–300 ms, loss 0–30 %. */
export const linkArb: fc.Arbitrary<LinkSpec> = fc.record({
  latency: fc.integer({ min: 0, max: 300 }),
  jitter: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 100 })),
  loss: fc.oneof(
    fc.constant(0),
    fc.constant(0),
    fc.integer({ min: 1, max: 30 }).map((p) => p / 100),
  ),
  duplicate: fc.oneof(
    fc.constant(0),
    fc.integer({ min: 1, max: 20 }).map((p) => p / 100),
  ),
  reorder: fc.oneof(
    fc.constant(0),
    fc.integer({ min: 1, max: 20 }).map((p) => p / 100),
  ),
});

const sideArb: fc.Arbitrary<SideSpec> = fc.record({
  nat: natKind,
  role: fc.constantFrom('controlling' as const, 'controlled' as const),
  stun: fc.boolean(),
  turn: fc.oneof(fc.constant(false), fc.constant(false), fc.constant(true)),
  credentialsDelay: fc.integer({ min: 0, max: 3000 }),
  candidateDelay: fc.integer({ min: 0, max: 2000 }),
  trickleStep: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 500 })),
  endOfCandidates: fc.constantFrom<EndOfCandidates>('prompt', 'late', 'never'),
  lateEndDelay: fc.integer({ min: 1000, max: 15_000 }),
  restartAt: fc.oneof(
    { weight: 4, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 6000 }) },
  ),
});

/** Every scenario the explorer can run; roles are random, so a quarter start in a role conflict each way. */
export const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    seed: fc.integer({ min: 1, max: 0x7fffffff }),
    a: sideArb,
    b: sideArb,
    link: linkArb,
    serverLinkA: linkArb,
    serverLinkB: linkArb,
    lite: fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    answerHints: fc.boolean(),
  })
  .map((s) =>
    s.lite
      ? // RFC 8445 §6.1.1: facing a lite peer the full agent controls. A lite agent is a public server.
        {
          ...s,
          a: { ...s.a, role: 'controlling' as const },
          b: { ...s.b, role: 'controlled' as const, nat: 'none' as const, stun: false, turn: false },
        }
      : s,
  );

/** Probability that one try of a round trip over `links` (each crossed twice) loses a datagram. */
export function roundTripLoss(links: readonly LinkSpec[]): number {
  let ok = 1;
  for (const l of links) ok *= (1 - l.loss) ** 2;
  return 1 - ok;
}

/**
 * Whether some candidate pair can work in this topology, by RFC 4787
 * reasoning (conservative: unsure combinations count as no path):
 * a lite peer is public; a relay works when the other side is public, has a
 * server-reflexive candidate or relays too (TURN permissions are per IP); a public
 * side is reachable from any NAT; two NATed sides need server-reflexive
 * candidates: a full-cone side with one is reachable by anybody, two
 * endpoint-independent mappings punch through each other, and a symmetric
 * side works against an address-restricted (or full) cone with srflx on both.
 */
export function pathExists(s: Scenario): boolean {
  const { a, b } = s;
  if (s.lite) return true;
  // A relay needs a permission for the peer's public IP: the peer is public, has srflx, or relays too.
  const relayed = (x: SideSpec, y: SideSpec) => x.turn && (y.nat === 'none' || y.stun || y.turn);
  if (relayed(a, b) || relayed(b, a)) return true;
  if (a.nat === 'none' || b.nat === 'none') return true;
  if ((a.stun && a.nat === 'fullCone') || (b.stun && b.nat === 'fullCone')) return true;
  if (!(a.stun && b.stun)) return false;
  const symmetric = (a.nat === 'symmetric' ? 1 : 0) + (b.nat === 'symmetric' ? 1 : 0);
  if (symmetric === 0) return true;
  if (symmetric === 2) return false;
  const other = a.nat === 'symmetric' ? b.nat : a.nat;
  return other === 'restrictedCone';
}

const LINK_KEYS = ['latency', 'jitter', 'loss', 'duplicate', 'reorder'];
const SIDE_KEYS = [
  'nat',
  'role',
  'stun',
  'turn',
  'credentialsDelay',
  'candidateDelay',
  'trickleStep',
  'endOfCandidates',
  'lateEndDelay',
  'restartAt',
];
const SCENARIO_KEYS = ['seed', 'a', 'b', 'link', 'serverLinkA', 'serverLinkB', 'lite', 'answerHints'];

/**
 * A scenario from the one-line JSON the explorer prints (`npm run explore --
 * --scenario '<JSON>'` takes the same). Throws when a field is missing or
 * unknown, so a pasted scenario cannot silently run as another one.
 */
export function parseScenario(json: string): Scenario {
  const s = JSON.parse(json) as Record<string, unknown>;
  const expectKeys = (value: unknown, keys: readonly string[], where: string, optional: string[] = []) => {
    if (typeof value !== 'object' || value === null) throw new Error(`scenario ${where}: not an object`);
    const present = Object.keys(value);
    const missing = keys.filter((k) => !present.includes(k) && !optional.includes(k));
    const unknown = present.filter((k) => !keys.includes(k));
    if (missing.length > 0 || unknown.length > 0) {
      throw new Error(`scenario ${where}: missing [${missing.join(', ')}], unknown [${unknown.join(', ')}]`);
    }
  };
  expectKeys(s, SCENARIO_KEYS, 'top level', ['answerHints']);
  for (const side of ['a', 'b']) expectKeys(s[side], SIDE_KEYS, side);
  for (const link of ['link', 'serverLinkA', 'serverLinkB']) expectKeys(s[link], LINK_KEYS, link);
  return s as unknown as Scenario;
}
