import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  candidatePriority,
  computeFoundation,
  ICE_CHARS,
  isIceChars,
  localPreference,
  pairPriority,
  parseCandidate,
  serializeCandidate,
  TYPE_PREFERENCE,
  validateCandidate,
} from '../lib/candidate.js';
import type { Candidate } from '../lib/candidate-types.js';
import { InvalidArgumentError, InvalidCandidateError } from '../lib/errors.js';

const UINT32_MAX = 2 ** 32 - 1;
const RESERVED = ['typ', 'raddr', 'rport', 'tcptype', 'generation', 'ufrag'];

const token = fc.stringMatching(/^[\x21-\x7e]{1,12}$/);
const address = fc.oneof(
  fc.ipV4(),
  fc.ipV6(),
  fc.tuple(fc.ipV6(), fc.stringMatching(/^[a-z0-9]{1,8}$/)).map(([ip, zone]) => `${ip}%${zone}`),
  fc.uuid().map((uuid) => `${uuid}.local`),
  fc.domain(),
);

const candidateArb: fc.Arbitrary<Candidate> = fc
  .record(
    {
      foundation: fc.stringMatching(/^[A-Za-z0-9+/]{1,32}$/),
      component: fc.integer({ min: 1, max: 256 }),
      transport: fc.constantFrom('udp' as const, 'tcp' as const),
      priority: fc.integer({ min: 1, max: UINT32_MAX }),
      address,
      port: fc.integer({ min: 0, max: 65535 }),
      type: fc.constantFrom('host' as const, 'srflx' as const, 'prflx' as const, 'relay' as const),
      relatedAddress: address,
      relatedPort: fc.integer({ min: 0, max: 65535 }),
      tcpType: fc.constantFrom('active' as const, 'passive' as const, 'so' as const),
      generation: fc.integer({ min: 0, max: UINT32_MAX }),
      ufrag: token,
      extensions: fc.array(
        fc.tuple(
          token.filter((name) => !RESERVED.includes(name)),
          token,
        ),
        { maxLength: 5 },
      ),
    },
    {
      requiredKeys: [
        'foundation',
        'component',
        'transport',
        'priority',
        'address',
        'port',
        'type',
        'extensions',
      ],
    },
  )
  .map((c) => {
    if (c.transport === 'tcp') return c;
    const { tcpType: _dropped, ...udp } = c;
    return udp;
  });

/** A valid but untidy string for a candidate: shuffled extensions, odd spacing and case, leading zeros. */
const messyStringArb = fc
  .tuple(
    candidateArb,
    fc.boolean(),
    fc.boolean(),
    fc.array(fc.constantFrom(' ', '  ', '\t'), { minLength: 64, maxLength: 64 }),
  )
  .chain(([c, withPrefix, upperCase, gaps]) => {
    const pairs = serializeCandidate(c).split(' ').slice(8);
    const pairList: string[][] = [];
    for (let i = 0; i < pairs.length; i += 2) pairList.push([pairs[i] ?? '', pairs[i + 1] ?? '']);
    return fc.shuffledSubarray(pairList, { minLength: pairList.length }).map((shuffled) => {
      const head = [
        `candidate:${c.foundation}`,
        `00${c.component}`,
        upperCase ? c.transport.toUpperCase() : c.transport,
        String(c.priority),
        c.address,
        String(c.port),
        'typ',
        upperCase ? c.type.toUpperCase() : c.type,
      ];
      const tokens = [...head, ...shuffled.flat()];
      const body = tokens.map((t, i) => (i === 0 ? t : `${gaps[i % gaps.length]}${t}`)).join('');
      return `${withPrefix ? 'a=' : ''}${body}  \r\n`;
    });
  });

function expectInvalid(input: string, mention: string | RegExp): void {
  let caught: unknown;
  try {
    parseCandidate(input);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(InvalidCandidateError);
  expect((caught as InvalidCandidateError).code).toBe('INVALID_CANDIDATE');
  expect((caught as InvalidCandidateError).message).toMatch(mention);
}

describe('parseCandidate / serializeCandidate round trips', () => {
  it('serialize → parse gives back any valid candidate', () => {
    fc.assert(
      fc.property(candidateArb, (c) => {
        expect(parseCandidate(serializeCandidate(c))).toEqual(c);
      }),
      { numRuns: 500 },
    );
  });

  it('parse → serialize → parse is a fixed point for valid, untidy strings', () => {
    fc.assert(
      fc.property(messyStringArb, (input) => {
        const parsed = parseCandidate(input);
        const canonical = serializeCandidate(parsed);
        expect(parseCandidate(canonical)).toEqual(parsed);
        expect(serializeCandidate(parseCandidate(canonical))).toBe(canonical);
      }),
      { numRuns: 500 },
    );
  });

  it('validateCandidate accepts every generated candidate and returns the same object', () => {
    fc.assert(fc.property(candidateArb, (c) => validateCandidate(c) === c));
  });
});

describe('parseCandidate on real-world strings', () => {
  it('parses a Chrome srflx candidate with network-id/network-cost kept as extensions', () => {
    const input =
      'candidate:842163049 1 udp 1677729535 203.0.113.5 52133 typ srflx raddr 10.0.0.5 rport 52133 generation 0 ufrag sXoP network-id 1 network-cost 10';
    const c = parseCandidate(input);
    expect(c).toEqual({
      foundation: '842163049',
      component: 1,
      transport: 'udp',
      priority: 1677729535,
      address: '203.0.113.5',
      port: 52133,
      type: 'srflx',
      relatedAddress: '10.0.0.5',
      relatedPort: 52133,
      generation: 0,
      ufrag: 'sXoP',
      extensions: [
        ['network-id', '1'],
        ['network-cost', '10'],
      ],
    });
    expect(serializeCandidate(c)).toBe(input);
  });

  it('parses Chrome host and relay candidates', () => {
    const host = parseCandidate(
      'candidate:1467250027 1 udp 2122260223 192.168.1.5 54321 typ host generation 0 ufrag sXoP network-id 1 network-cost 10',
    );
    expect(host).toMatchObject({ type: 'host', priority: 2122260223, generation: 0, ufrag: 'sXoP' });
    expect(host.relatedAddress).toBeUndefined();
    const relay = parseCandidate(
      'candidate:3993828754 1 udp 33562623 198.51.100.7 61234 typ relay raddr 203.0.113.5 rport 52133 generation 0 ufrag sXoP network-id 1 network-cost 10',
    );
    expect(relay).toMatchObject({ type: 'relay', address: '198.51.100.7', relatedAddress: '203.0.113.5' });
  });

  it('parses Firefox candidates (upper-case UDP/TCP, raddr 0.0.0.0)', () => {
    expect(parseCandidate('candidate:0 1 UDP 2122252543 10.0.0.5 55555 typ host')).toMatchObject({
      foundation: '0',
      transport: 'udp',
      type: 'host',
      extensions: [],
    });
    const srflx = parseCandidate(
      'candidate:1 1 UDP 1686052863 203.0.113.5 55555 typ srflx raddr 0.0.0.0 rport 0',
    );
    expect(srflx).toMatchObject({ relatedAddress: '0.0.0.0', relatedPort: 0 });
    const tcp = parseCandidate('candidate:2 1 TCP 2105524479 10.0.0.5 9 typ host tcptype active');
    expect(tcp).toMatchObject({ transport: 'tcp', port: 9, tcpType: 'active' });
    expect(serializeCandidate(tcp)).toBe('candidate:2 1 tcp 2105524479 10.0.0.5 9 typ host tcptype active');
  });

  it('parses an mDNS .local host candidate', () => {
    const c = parseCandidate(
      'candidate:1467250027 1 udp 2122260223 3f6c1c3e-0d5a-4c5e-8d7e-1b2a3c4d5e6f.local 54321 typ host generation 0',
    );
    expect(c.address).toBe('3f6c1c3e-0d5a-4c5e-8d7e-1b2a3c4d5e6f.local');
  });

  it('parses a passive TCP candidate', () => {
    const c = parseCandidate(
      'candidate:1853887674 1 tcp 1518280447 192.168.1.5 50000 typ host tcptype passive generation 0 ufrag sXoP network-id 1',
    );
    expect(c).toMatchObject({ transport: 'tcp', tcpType: 'passive', extensions: [['network-id', '1']] });
  });

  it('keeps an IPv6 zone id as given, and accepts plain IPv6', () => {
    expect(
      parseCandidate('candidate:1 1 udp 2122262783 fe80::1c2d:3e4f:5a6b:7c8d%eth0 50001 typ host').address,
    ).toBe('fe80::1c2d:3e4f:5a6b:7c8d%eth0');
    expect(parseCandidate('candidate:1 1 udp 2122262783 2001:db8::5 50001 typ host').address).toBe(
      '2001:db8::5',
    );
  });

  it('parses aioice-style candidates with 32-char hex foundations', () => {
    const c = parseCandidate(
      'candidate:0b8cb4bd6dc3bff9b9b0c4e6fa7b58cf 1 udp 2130706431 127.0.0.1 44440 typ host',
    );
    expect(c).toMatchObject({
      foundation: '0b8cb4bd6dc3bff9b9b0c4e6fa7b58cf',
      priority: 2130706431,
      port: 44440,
    });
    expect(parseCandidate('candidate:a+/Z 1 udp 1 127.0.0.1 1 typ host').foundation).toBe('a+/Z');
  });

  it('accepts the a= prefix, extra spaces, trailing whitespace, raddr/rport after other extensions', () => {
    const c = parseCandidate(
      'a=candidate:1  1 udp   1677729535 203.0.113.5 5000 typ srflx generation 3 foo bar rport 4000 raddr 10.0.0.1 \r\n',
    );
    expect(c).toMatchObject({
      relatedAddress: '10.0.0.1',
      relatedPort: 4000,
      generation: 3,
      extensions: [['foo', 'bar']],
    });
    expect(serializeCandidate(c)).toBe(
      'candidate:1 1 udp 1677729535 203.0.113.5 5000 typ srflx raddr 10.0.0.1 rport 4000 generation 3 foo bar',
    );
  });

  it('accepts priorities up to 2^32-1', () => {
    expect(parseCandidate(`candidate:1 1 udp ${UINT32_MAX} 1.2.3.4 1 typ host`).priority).toBe(UINT32_MAX);
  });
});

describe('parseCandidate errors', () => {
  const base = 'candidate:1 1 udp 2130706431 192.168.1.5 5000 typ host';
  it.each([
    ['missing typ', 'candidate:1 1 udp 2130706431 192.168.1.5 5000 host', /typ/],
    ['missing type after typ', 'candidate:1 1 udp 2130706431 192.168.1.5 5000 typ', /type/],
    ['unknown type', 'candidate:1 1 udp 2130706431 192.168.1.5 5000 typ relayed', /typ "relayed"/],
    [
      'component 0',
      'candidate:1 0 udp 2130706431 192.168.1.5 5000 typ host',
      /component-id "0" is out of range 1-256/,
    ],
    ['component 257', 'candidate:1 257 udp 2130706431 192.168.1.5 5000 typ host', /component-id "257"/],
    [
      'port 70000',
      'candidate:1 1 udp 2130706431 192.168.1.5 70000 typ host',
      'candidate port "70000" is out of range 0-65535',
    ],
    [
      'negative port',
      'candidate:1 1 udp 2130706431 192.168.1.5 -1 typ host',
      /port "-1" is not a decimal integer/,
    ],
    ['unknown transport', 'candidate:1 1 sctp 2130706431 192.168.1.5 5000 typ host', /transport "sctp"/],
    ['non-numeric priority', 'candidate:1 1 udp high 192.168.1.5 5000 typ host', /priority "high"/],
    ['hex priority', 'candidate:1 1 udp 0x10 192.168.1.5 5000 typ host', /priority "0x10"/],
    ['priority 0', 'candidate:1 1 udp 0 192.168.1.5 5000 typ host', /priority "0" is out of range/],
    ['priority 2^32', 'candidate:1 1 udp 4294967296 192.168.1.5 5000 typ host', /priority "4294967296"/],
    ['odd extension tokens', `${base} generation 0 network-id`, /extension "network-id" has no value/],
    ['non-numeric generation', `${base} generation zero`, /generation "zero"/],
    ['duplicate raddr', `${base} raddr 1.2.3.4 raddr 1.2.3.5`, /duplicate "raddr"/],
    ['second typ', `${base} typ srflx`, /duplicate "typ"/],
    ['bad tcptype', 'candidate:1 1 tcp 1 1.2.3.4 9 typ host tcptype sideways', /tcptype "sideways"/],
    ['tcptype on udp', `${base} tcptype active`, /tcptype "active" is only valid with transport tcp/],
    ['bad address', 'candidate:1 1 udp 1 999.1.1.1 5000 typ host', /connection-address "999.1.1.1"/],
    ['CIDR address', 'candidate:1 1 udp 1 10.0.0.1/24 5000 typ host', /connection-address "10.0.0.1\/24"/],
    ['bad raddr', `${base} raddr not_an_address`, /raddr "not_an_address"/],
    ['foundation too long', `candidate:${'a'.repeat(33)} 1 udp 1 1.2.3.4 1 typ host`, /foundation "a{33}"/],
    ['foundation with bad chars', 'candidate:ab-c 1 udp 1 1.2.3.4 1 typ host', /foundation "ab-c"/],
    ['missing foundation', 'candidate: 1 udp 1 1.2.3.4 1 typ host', /foundation is missing/],
    ['missing candidate: prefix', '1 1 udp 1 1.2.3.4 1 typ host', /must start with "candidate:"/],
    ['truncated', 'candidate:1 1 udp', /has 3 fields/],
    ['too long', `${base}${' x y'.repeat(300)}`, /characters long, over the 1024 limit/],
  ])('rejects %s', (_name, input, mention) => {
    expectInvalid(input, mention);
  });

  it('validateCandidate rejects reserved names in extensions and bad objects', () => {
    const ok = parseCandidate(base);
    expect(() => validateCandidate({ ...ok, extensions: [['generation', '1']] })).toThrow(
      /"generation" must be given/,
    );
    expect(() => validateCandidate({ ...ok, port: 1.5 })).toThrow(/port "1.5" is not an integer/);
    expect(() => validateCandidate({ ...ok, ufrag: 'has space' })).toThrow(InvalidCandidateError);
    expect(() => serializeCandidate({ ...ok, address: '' })).toThrow(/connection-address/);
  });
});

describe('priorities', () => {
  it('computes the RFC 8445 candidate priority', () => {
    expect(candidatePriority('host', 65535, 1)).toBe(2130706431);
    expect(candidatePriority(TYPE_PREFERENCE.srflx, 65535, 1)).toBe(1694498815);
    expect(candidatePriority('relay', 0, 256)).toBe(0);
    expect(candidatePriority(126, 65535, 2)).toBe(2130706430);
  });

  it('rejects out-of-range inputs', () => {
    expect(() => candidatePriority(127, 0, 1)).toThrow(InvalidArgumentError);
    expect(() => candidatePriority('host', 65536, 1)).toThrow(/local preference/);
    expect(() => candidatePriority('host', 0, 0)).toThrow(/component/);
    expect(() => candidatePriority('host', 0, 257)).toThrow(/component/);
  });

  it('computes pair priorities above 2^32 exactly', () => {
    const g = 2130706431;
    const d = 1694498815;
    expect(pairPriority(g, d)).toBe(2n ** 32n * 1694498815n + 2n * 2130706431n + 1n);
    expect(pairPriority(g, d)).toBe(7277816997797167103n);
    expect(pairPriority(d, g)).toBe(7277816997797167102n);
    expect(pairPriority(UINT32_MAX, UINT32_MAX)).toBe(2n ** 64n + 2n ** 32n - 2n);
    expect(pairPriority(g, d) > 2n ** 32n).toBe(true);
  });

  it('never overflows: matches the formula for any unsigned 32-bit priorities', () => {
    fc.assert(
      fc.property(fc.nat({ max: UINT32_MAX }), fc.nat({ max: UINT32_MAX }), (g, d) => {
        const [min, max] = g < d ? [g, d] : [d, g];
        const expected = 2n ** 32n * BigInt(min) + 2n * BigInt(max) + (g > d ? 1n : 0n);
        expect(pairPriority(g, d)).toBe(expected);
      }),
    );
  });

  it('swapping roles changes only the tie bit', () => {
    fc.assert(
      fc.property(fc.nat({ max: UINT32_MAX }), fc.nat({ max: UINT32_MAX }), (a, b) => {
        const diff = pairPriority(a, b) - pairPriority(b, a);
        expect(diff).toBe(a > b ? 1n : a < b ? -1n : 0n);
      }),
    );
  });

  it('rejects priorities that are not unsigned 32-bit integers', () => {
    expect(() => pairPriority(-1, 1)).toThrow(InvalidArgumentError);
    expect(() => pairPriority(1, 2 ** 32)).toThrow(InvalidArgumentError);
  });
});

describe('localPreference', () => {
  it('orders global IPv6 > IPv4 > link-local > loopback', () => {
    const prefs = [
      '2001:db8::1',
      'fd00::1',
      '192.168.1.5',
      'fe80::1%eth0',
      '169.254.3.4',
      '127.0.0.1',
      '::1',
    ].map((a) => localPreference(a, 0));
    expect(prefs).toEqual([65535, 65535, 49151, 32767, 32767, 16383, 16383]);
  });

  it('prefers earlier interfaces within a family and stays in 0-65535', () => {
    expect(localPreference('10.0.0.1', 0)).toBeGreaterThan(localPreference('10.0.0.2', 1));
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), fc.nat({ max: 16383 }), (a, i) => {
        const pref = localPreference(a, i);
        expect(pref).toBeGreaterThanOrEqual(0);
        expect(pref).toBeLessThanOrEqual(65535);
      }),
    );
  });

  it('rejects host names and bad indexes', () => {
    expect(() => localPreference('x.local', 0)).toThrow(InvalidArgumentError);
    expect(() => localPreference('10.0.0.1', 16384)).toThrow(/interface index/);
    expect(() => localPreference('10.0.0.1', -1)).toThrow(/interface index/);
  });
});

describe('computeFoundation', () => {
  const f = computeFoundation('srflx', '192.168.1.5', 'udp', 'stun:stun.example.org:3478');

  it('is deterministic and a valid foundation', () => {
    expect(computeFoundation('srflx', '192.168.1.5', 'udp', 'stun:stun.example.org:3478')).toBe(f);
    expect(isIceChars(f, 1, 32)).toBe(true);
    expect(computeFoundation('host', '::1', 'udp')).toBe(computeFoundation('host', '0:0:0:0:0:0:0:1', 'udp'));
  });

  it('differs when type, base, server or transport differs', () => {
    const others = [
      computeFoundation('relay', '192.168.1.5', 'udp', 'stun:stun.example.org:3478'),
      computeFoundation('srflx', '192.168.1.6', 'udp', 'stun:stun.example.org:3478'),
      computeFoundation('srflx', '192.168.1.5', 'udp', 'stun:other.example.org:3478'),
      computeFoundation('srflx', '192.168.1.5', 'tcp', 'stun:stun.example.org:3478'),
      computeFoundation('srflx', '192.168.1.5', 'udp'),
    ];
    expect(new Set([f, ...others]).size).toBe(others.length + 1);
  });

  it('produces valid foundations for arbitrary inputs', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), fc.string(), (ip, server) => {
        expect(isIceChars(computeFoundation('host', ip, 'udp', server), 1, 32)).toBe(true);
      }),
    );
  });

  it('rejects non-IP bases', () => {
    expect(() => computeFoundation('host', 'x.local', 'udp')).toThrow(InvalidArgumentError);
  });
});

describe('ice-char helpers', () => {
  it('match RFC 8839 ice-chars only', () => {
    expect(ICE_CHARS.test('aZ09+/')).toBe(true);
    expect(ICE_CHARS.test('a-b')).toBe(false);
    expect(isIceChars('abcd', 4, 256)).toBe(true);
    expect(isIceChars('abc', 4, 256)).toBe(false);
    expect(isIceChars(42)).toBe(false);
  });
});
