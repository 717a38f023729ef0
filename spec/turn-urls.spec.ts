/** `iceServers` URL parsing and validation (RFC 7064 / RFC 7065), through `resolveOptions` too. */
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../lib/errors.js';
import { resolveOptions } from '../lib/options.js';
import { parseIceServers, parseIceServerUrl } from '../lib/turn/urls.js';

const creds = { username: 'u', credential: 'p' };

describe('parseIceServerUrl', () => {
  it.each([
    ['stun:stun.example.org', 'stun', 'stun.example.org', 3478, 'udp'],
    ['stun:192.0.2.1:19302', 'stun', '192.0.2.1', 19302, 'udp'],
    ['STUN:Stun.Example.ORG:1', 'stun', 'stun.example.org', 1, 'udp'],
    ['stun:[2001:DB8::1]:3478', 'stun', '2001:db8::1', 3478, 'udp'],
    ['stun:[::1]', 'stun', '::1', 3478, 'udp'],
    ['stun:localhost:3478', 'stun', 'localhost', 3478, 'udp'],
    ['turn:turn.example.org', 'turn', 'turn.example.org', 3478, 'udp'],
    ['turn:127.0.0.1:3479?transport=udp', 'turn', '127.0.0.1', 3479, 'udp'],
    ['turn:127.0.0.1?transport=tcp', 'turn', '127.0.0.1', 3478, 'tcp'],
    ['turn:127.0.0.1:80?transport=TCP', 'turn', '127.0.0.1', 80, 'tcp'],
    ['turns:turn.example.org', 'turns', 'turn.example.org', 5349, 'tls'],
    ['turns:turn.example.org:443?transport=tcp', 'turns', 'turn.example.org', 443, 'tls'],
    ['turns:[2001:db8::2]:5349', 'turns', '2001:db8::2', 5349, 'tls'],
  ])('%s', (url, scheme, host, port, transport) => {
    expect(parseIceServerUrl(url)).toEqual({ url, scheme, host, port, transport });
  });

  it.each([
    ['http://example.org', /scheme must be stun:, turn: or turns:/],
    ['stuns:example.org', /STUN over TLS is not supported/],
    ['example.org:3478', /scheme/],
    ['stun://example.org', /without "\/\/"/],
    ['stun:', /host is missing/],
    ['stun::3478', /host is missing/],
    ['stun:example.org:0', /port must be 1-65535/],
    ['stun:example.org:65536', /port must be 1-65535/],
    ['stun:example.org:12a', /port must be 1-65535/],
    ['stun:example.org:', /port must be 1-65535/],
    ['stun:2001:db8::1', /brackets/],
    ['stun:[2001:db8::1', /unterminated/],
    ['stun:[192.0.2.1]:3478', /not an IPv6 address/],
    ['stun:[::1]x', /unexpected text/],
    ['stun:exa_mple.org', /not an IP address or a host name/],
    ['stun:1.2.3.256', /not an IP address or a host name/],
    ['stun:example.org?transport=udp', /stun: URLs take no query/],
    ['turn:example.org?transport=sctp', /unknown query/],
    ['turn:example.org?foo=bar', /unknown query/],
    ['turns:example.org?transport=udp', /DTLS\) is not supported/],
  ])('rejects %s', (url, message) => {
    expect(() => parseIceServerUrl(url)).toThrow(InvalidOptionError);
    expect(() => parseIceServerUrl(url)).toThrow(message);
    expect(() => parseIceServerUrl(url)).toThrow(JSON.stringify(url));
  });
});

describe('parseIceServers', () => {
  it('flattens urls strings and arrays, attaching TURN credentials', () => {
    expect(
      parseIceServers([
        { urls: 'stun:192.0.2.1' },
        { urls: ['turn:192.0.2.2', 'turns:turn.example.org'], ...creds },
      ]),
    ).toEqual([
      { url: 'stun:192.0.2.1', scheme: 'stun', host: '192.0.2.1', port: 3478, transport: 'udp' },
      { url: 'turn:192.0.2.2', scheme: 'turn', host: '192.0.2.2', port: 3478, transport: 'udp', ...creds },
      {
        url: 'turns:turn.example.org',
        scheme: 'turns',
        host: 'turn.example.org',
        port: 5349,
        transport: 'tls',
        ...creds,
      },
    ]);
    expect(parseIceServers(undefined)).toEqual([]);
  });

  it('keeps STUN servers free of credentials', () => {
    expect(parseIceServers([{ urls: 'stun:192.0.2.1', ...creds }])[0]).not.toHaveProperty('username');
  });

  it.each([
    ['not an array', {}, /must be an array/],
    ['a non-object server', ['stun:x.org'], /iceServers\[0\] must be an object/],
    ['urls missing', [{}], /urls must be a URL string/],
    ['urls empty', [{ urls: [] }], /non-empty array/],
    ['a non-string URL', [{ urls: [42] }], /42 is not a string/],
    ['TURN without a username', [{ urls: 'turn:192.0.2.1', credential: 'p' }], /non-empty string username/],
    ['TURN with an empty username', [{ urls: 'turn:192.0.2.1', username: '', credential: 'p' }], /username/],
    ['TURN without a credential', [{ urls: 'turns:x.org', username: 'u' }], /string credential/],
    ['a username over 512 bytes', [{ urls: 'turn:x.org', username: 'é'.repeat(257), credential: '' }], /512/],
    ['too many URLs', [{ urls: Array.from({ length: 33 }, (_, i) => `stun:192.0.2.${i}`) }], /at most 32/],
  ])('rejects %s', (_name, servers, message) => {
    expect(() => parseIceServers(servers)).toThrow(InvalidOptionError);
    expect(() => parseIceServers(servers)).toThrow(message);
  });

  it('names the URL in the error of a TURN server without credentials', () => {
    expect(() => parseIceServers([{ urls: 'turn:192.0.2.9:3478?transport=tcp' }])).toThrow(
      'iceServers: "turn:192.0.2.9:3478?transport=tcp": a TURN server needs a non-empty string username',
    );
  });
});

describe('resolveOptions: iceServers and server retransmission', () => {
  it('parses iceServers and fills in the server retransmission defaults', () => {
    const o = resolveOptions({ role: 'controlling', iceServers: [{ urls: 'stun:[::1]:9' }] });
    expect(o.iceServers).toEqual([
      { url: 'stun:[::1]:9', scheme: 'stun', host: '::1', port: 9, transport: 'udp' },
    ]);
    expect(o.serverRetransmission).toEqual({ initialRto: 500, retransmissions: 3, maxRto: 1600 });
    expect(o.turnTls).toBeUndefined();
  });

  it('throws InvalidOptionError from the constructor path for a bad URL or retransmission', () => {
    expect(() => resolveOptions({ role: 'controlling', iceServers: [{ urls: 'turn:x.org' }] })).toThrow(
      InvalidOptionError,
    );
    expect(() =>
      resolveOptions({ role: 'controlling', serverRetransmission: { retransmissions: 11 } }),
    ).toThrow(/serverRetransmission.retransmissions/);
    expect(() => resolveOptions({ role: 'controlling', turnTls: 'yes' as unknown as object })).toThrow(
      /turnTls/,
    );
  });
});
