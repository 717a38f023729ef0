/**
 * Validation and defaults of {@link TurnServerOptions}.
 */
import { InvalidArgumentError } from '../errors.js';
import type { PortRange } from '../transport/types.js';
import { isValidPort, isValidPortRange, normalizeAddress } from './network-addresses.js';
import type { TurnServerOptions } from './turn-server-types.js';

/** Options with defaults applied; durations converted to ms where the scheduler needs them. */
export interface ResolvedTurnServerOptions {
  readonly port: number;
  readonly relayAddress: string;
  readonly relayPorts: PortRange;
  readonly username: string;
  readonly password: string;
  readonly realm: string;
  /** Seconds. */
  readonly lifetime: number;
  readonly maxLifetime: number;
  readonly permissionLifetimeMs: number;
  readonly channelLifetimeMs: number;
  readonly nonceLifetimeMs: number | undefined;
  readonly maxAllocations: number;
  readonly allocationQuota: number | undefined;
  readonly maxPermissions: number;
  readonly denyPeer: (address: string) => boolean;
  readonly seed: number;
}

/** Throws {@link InvalidArgumentError} naming the server and the bad option. */
export function resolveTurnServerOptions(name: string, o: TurnServerOptions): ResolvedTurnServerOptions {
  const fail = (message: string) => new InvalidArgumentError(`TURN server ${name}: ${message}`);
  if (typeof o !== 'object' || o === null) throw fail('options must be an object');
  if (normalizeAddress(o.address) === undefined)
    throw fail(`address is not an IP address: ${String(o.address)}`);
  const text = (key: 'username' | 'password' | 'realm') => {
    const value = o[key];
    if (typeof value !== 'string' || value === '' || [...value].length >= 128)
      throw fail(`${key} must be a non-empty string of fewer than 128 characters`);
    return value;
  };
  const integer = (key: keyof TurnServerOptions, fallback: number, min = 1) => {
    const value = o[key] ?? fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min)
      throw fail(`${key} must be an integer >= ${min}, got ${String(value)}`);
    return value;
  };
  const port = o.port ?? 3478;
  if (!isValidPort(port)) throw fail(`invalid port ${String(port)}`);
  const relayAddress = normalizeAddress(o.relayAddress ?? o.address);
  if (relayAddress === undefined) throw fail(`relayAddress is not an IP address: ${String(o.relayAddress)}`);
  const relayPorts = o.relayPorts ?? { min: 49152, max: 65535 };
  if (!isValidPortRange(relayPorts)) throw fail('relayPorts must be { min, max } within 1..65535');
  const lifetime = integer('lifetime', 600);
  const maxLifetime = integer('maxLifetime', Math.max(3600, lifetime));
  if (maxLifetime < lifetime) throw fail('maxLifetime must be >= lifetime');
  if (o.denyPeer !== undefined && typeof o.denyPeer !== 'function') throw fail('denyPeer must be a function');
  const seed = o.seed ?? 1;
  if (!Number.isFinite(seed)) throw fail('seed must be a finite number');
  return {
    port,
    relayAddress,
    relayPorts,
    username: text('username'),
    password: text('password'),
    realm: text('realm'),
    lifetime,
    maxLifetime,
    permissionLifetimeMs: integer('permissionLifetime', 300) * 1000,
    channelLifetimeMs: integer('channelLifetime', 600) * 1000,
    nonceLifetimeMs: o.nonceLifetime === undefined ? undefined : integer('nonceLifetime', 0) * 1000,
    maxAllocations: integer('maxAllocations', 100),
    allocationQuota: o.allocationQuota === undefined ? undefined : integer('allocationQuota', 0),
    maxPermissions: integer('maxPermissions', 64),
    denyPeer: o.denyPeer ?? (() => false),
    seed,
  };
}
