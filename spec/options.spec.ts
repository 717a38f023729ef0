import { asyncScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRANSMISSION } from '../lib/core/retransmission.js';
import { InvalidOptionError } from '../lib/errors.js';
import { type IceAgentOptions, resolveOptions } from '../lib/options.js';
import { UdpTransport } from '../lib/transport/udp.js';

/** Calls resolveOptions with deliberately ill-typed input and returns the InvalidOptionError it throws. */
function optionError(options: unknown): InvalidOptionError {
  try {
    resolveOptions(options as IceAgentOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionError);
    return error as InvalidOptionError;
  }
  throw new Error(`expected an InvalidOptionError for ${String(options)}`);
}

describe('resolveOptions defaults', () => {
  it('fills in every default', () => {
    const o = resolveOptions({ role: 'controlling' });
    expect(o.role).toBe('controlling');
    expect(o.ta).toBe(50);
    expect(o.checklistLimit).toBe(100);
    expect(o.maxRemoteCandidates).toBe(100);
    expect(o.nominationDelay).toBe(200);
    expect(o.candidateWait).toBe(10_000);
    expect(o.retransmission).toEqual({ retransmissions: 6, maxRto: 1600 });
    expect(o.retransmission).toEqual(DEFAULT_RETRANSMISSION);
    expect(o.iceServers).toEqual([]);
    expect(o.iceTransportPolicy).toBe('all');
    expect(o.ports).toBeUndefined();
    expect(o.tieBreaker).toBeUndefined();
    expect(o.scheduler).toBe(asyncScheduler);
    expect(o.transport).toBeInstanceOf(UdpTransport);
  });

  it('keeps valid user values, merging a partial retransmission policy over the defaults', () => {
    const o = resolveOptions({
      role: 'controlled',
      ta: 20,
      checklistLimit: 10,
      maxRemoteCandidates: 5,
      nominationDelay: 0,
      candidateWait: 0,
      ports: { min: 40000, max: 40000 },
      iceTransportPolicy: 'relay',
      retransmission: { maxRto: 3000 },
      tieBreaker: 2n ** 64n - 1n,
    });
    expect(o.role).toBe('controlled');
    expect(o.ta).toBe(20);
    expect(o.checklistLimit).toBe(10);
    expect(o.maxRemoteCandidates).toBe(5);
    expect(o.nominationDelay).toBe(0);
    expect(o.candidateWait).toBe(0);
    expect(o.ports).toEqual({ min: 40000, max: 40000 });
    expect(o.iceTransportPolicy).toBe('relay');
    expect(o.retransmission).toEqual({ retransmissions: 6, maxRto: 3000 });
    expect(o.tieBreaker).toBe(2n ** 64n - 1n);
    expect(resolveOptions({ role: 'controlled', tieBreaker: 0n }).tieBreaker).toBe(0n);
    // The default policy object is not mutated by a merge.
    expect(DEFAULT_RETRANSMISSION).toEqual({ retransmissions: 6, maxRto: 1600 });
  });
});

describe('resolveOptions validation', () => {
  it.each([
    ['not an object', null, 'options'],
    ['role "boss"', { role: 'boss' }, 'role'],
    ['missing role', {}, 'role'],
    ['ta 0', { role: 'controlling', ta: 0 }, 'ta'],
    ['ta "x"', { role: 'controlling', ta: 'x' }, 'ta'],
    ['ta 2.5', { role: 'controlling', ta: 2.5 }, 'ta'],
    ['checklistLimit 0', { role: 'controlling', checklistLimit: 0 }, 'checklistLimit'],
    ['maxRemoteCandidates -1', { role: 'controlling', maxRemoteCandidates: -1 }, 'maxRemoteCandidates'],
    ['nominationDelay NaN', { role: 'controlling', nominationDelay: Number.NaN }, 'nominationDelay'],
    ['candidateWait -5', { role: 'controlling', candidateWait: -5 }, 'candidateWait'],
    ['ports {min: 10, max: 5}', { role: 'controlling', ports: { min: 10, max: 5 } }, 'ports'],
    ['ports {min: 0}', { role: 'controlling', ports: { min: 0 } }, 'ports.min'],
    ['ports {min: 1, max: 70000}', { role: 'controlling', ports: { min: 1, max: 70000 } }, 'ports.max'],
    ['ports "1-2"', { role: 'controlling', ports: '1-2' }, 'ports'],
    ['iceTransportPolicy "none"', { role: 'controlling', iceTransportPolicy: 'none' }, 'iceTransportPolicy'],
    ['iceServers not an array', { role: 'controlling', iceServers: {} }, 'iceServers'],
    ['ipFilter "x"', { role: 'controlling', ipFilter: 'x' }, 'ipFilter'],
    ['tieBreaker -1n', { role: 'controlling', tieBreaker: -1n }, 'tieBreaker'],
    ['tieBreaker 2n ** 64n', { role: 'controlling', tieBreaker: 2n ** 64n }, 'tieBreaker'],
    ['tieBreaker as a number', { role: 'controlling', tieBreaker: 1 }, 'tieBreaker'],
    [
      'retransmission.retransmissions 99',
      { role: 'controlling', retransmission: { retransmissions: 99 } },
      'retransmission.retransmissions',
    ],
    [
      'retransmission.maxRto 50',
      { role: 'controlling', retransmission: { maxRto: 50 } },
      'retransmission.maxRto',
    ],
  ])('rejects %s', (_name, options, option) => {
    const error = optionError(options);
    expect(error.code).toBe('INVALID_OPTION');
    expect(error.name).toBe('InvalidOptionError');
    expect(error.message).toContain(option);
  });

  it('names the offending value where it can', () => {
    expect(optionError({ role: 'boss' }).message).toContain('"boss"');
    expect(optionError({ role: 'controlling', ta: 0 }).message).toContain('got 0');
    expect(optionError({ role: 'controlling', ports: { min: 10, max: 5 } }).message).toContain('10');
  });
});

describe('resolveOptions ipFilter', () => {
  it('by default excludes internal (loopback) addresses and includes the others', () => {
    const { ipFilter } = resolveOptions({ role: 'controlling' });
    expect(ipFilter('127.0.0.1', 'lo', true)).toBe(false);
    expect(ipFilter('::1', 'lo', true)).toBe(false);
    expect(ipFilter('192.168.1.10', 'eth0', false)).toBe(true);
    expect(ipFilter('2001:db8::1', 'eth0', false)).toBe(true);
  });

  it('lets a user filter decide alone: it can select loopback and reject the rest', () => {
    const calls: [string, string][] = [];
    const { ipFilter } = resolveOptions({
      role: 'controlling',
      ipFilter: (address, iface) => {
        calls.push([address, iface]);
        return address === '127.0.0.1';
      },
    });
    expect(ipFilter('127.0.0.1', 'lo', true)).toBe(true);
    expect(ipFilter('192.168.1.10', 'eth0', false)).toBe(false);
    expect(calls).toEqual([
      ['127.0.0.1', 'lo'],
      ['192.168.1.10', 'eth0'],
    ]);
  });
});
