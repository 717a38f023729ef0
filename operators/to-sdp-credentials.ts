import { mergeMap, type OperatorFunction } from 'rxjs';
import { type IceCredentials, validateCredentials } from '../lib/core/credentials.js';

/**
 * The `a=ice-ufrag:` and `a=ice-pwd:` lines (RFC 8839 §5.4) of a set of
 * credentials, in that order. Validates them first.
 * @throws InvalidCredentialsError when the ufrag or pwd breaks RFC 8839
 *   (ice-chars only; ufrag 4–256, pwd 22–256 characters)
 */
export function formatIceCredentials(credentials: IceCredentials): readonly [string, string] {
  const { ufrag, pwd } = validateCredentials(credentials?.ufrag, credentials?.pwd);
  return [`a=ice-ufrag:${ufrag}`, `a=ice-pwd:${pwd}`];
}

/**
 * Turns each set of credentials into its two SDP lines, `a=ice-ufrag:` then
 * `a=ice-pwd:` (see {@link formatIceCredentials}). Invalid credentials error
 * the stream with `InvalidCredentialsError`.
 *
 * ```
 * credentials$:        -c-----|
 * toSdpCredentials()   -(up)--|   u: 'a=ice-ufrag:…', p: 'a=ice-pwd:…'
 * ```
 *
 * @example
 * ```ts
 * import { toSdpCredentials } from 'rx-ice/operators';
 *
 * of(agent.getLocalCredentials()).pipe(toSdpCredentials()).subscribe((line) => offer.push(line));
 * ```
 */
export function toSdpCredentials(): OperatorFunction<IceCredentials, string> {
  return mergeMap((credentials) => formatIceCredentials(credentials));
}
