/**
 * Which agent options a recording can carry, and their JSON form in the
 * `start` line: functions, the scheduler and the transport stay out (the
 * recording stands in for them), a bigint becomes `{ "bigint": "…" }`.
 * @module
 */
import { InvalidOptionError } from '../errors.js';
import type { IceAgentOptions } from '../options.js';

/** Options the recording replaces with its own (logged) versions. */
const REPLACED = new Set(['scheduler', 'transport', 'entropy', 'random', 'ipFilter']);

/** Marks, in the JSON options, that the application gave a `random` function (its draws are logged). */
export const RECORDED_RANDOM = 'recorded';

/**
 * The JSON form of `options` for the `start` line.
 * @throws InvalidOptionError for what a recording cannot capture: custom
 *   mDNS functions, a custom nomination policy or any other function.
 */
export function recordableOptions(options: IceAgentOptions): Record<string, unknown> {
  if (typeof options !== 'object' || options === null)
    throw new InvalidOptionError('options must be an object');
  const json: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || REPLACED.has(key)) continue;
    json[key] = toJson(key, value);
  }
  if (options.random !== undefined) json.random = RECORDED_RANDOM;
  return json;
}

/** The agent options of a `start` line's JSON (bigints revived), without the replaced ones. */
export function optionsFromJson(json: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) {
    if (REPLACED.has(key)) continue;
    options[key] = isBigintJson(value) ? BigInt(value.bigint) : value;
  }
  return options;
}

function toJson(key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return { bigint: value.toString() };
  if (containsFunction(value)) {
    throw new InvalidOptionError(`recordSession cannot record the option ${key}: it holds a function`);
  }
  return JSON.parse(JSON.stringify(value));
}

function containsFunction(value: unknown): boolean {
  if (typeof value === 'function') return true;
  if (typeof value !== 'object' || value === null) return false;
  return Object.values(value).some(containsFunction);
}

function isBigintJson(value: unknown): value is { bigint: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.keys(value).length === 1 &&
    typeof (value as { bigint?: unknown }).bigint === 'string'
  );
}
