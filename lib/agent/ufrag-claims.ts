/**
 * The agent's local ufrags on a transport many agents share (a `UdpMux`):
 * each generated ufrag is claimed before it is used and released when no
 * session answers to it any more, so two agents on one transport never hold
 * the same ufrag.
 * @internal
 * @module
 */
import { generateCredentials, type IceCredentials } from '../core/credentials.js';
import { cryptoEntropy, type Entropy } from '../entropy.js';
import { LimitExceededError } from '../errors.js';
import type { Transport } from '../transport/types.js';

/** Draws before giving up: with 48-bit ufrags, a second draw is already a one-in-billions event. */
const MAX_DRAWS = 16;

/** Ufrags this agent holds on its transport. */
export class UfragClaims {
  private readonly held = new Set<string>();

  /** @param entropy where the credentials are drawn from (the agent's option) */
  constructor(
    private readonly transport: Transport,
    private readonly entropy: Entropy = cryptoEntropy,
  ) {}

  /** Fresh credentials whose ufrag the transport granted to this agent. */
  fresh(): IceCredentials {
    const transport = this.transport;
    if (transport.claimUfrag === undefined) return generateCredentials(this.entropy);
    for (let i = 0; i < MAX_DRAWS; i++) {
      const credentials = generateCredentials(this.entropy);
      if (transport.claimUfrag(credentials.ufrag)) {
        this.held.add(credentials.ufrag);
        return credentials;
      }
    }
    throw new LimitExceededError(`the transport refused ${MAX_DRAWS} fresh ufrags in a row`);
  }

  /** Releases every held ufrag not in `inUse`. */
  keepOnly(inUse: readonly string[]): void {
    for (const ufrag of this.held) {
      if (inUse.includes(ufrag)) continue;
      this.held.delete(ufrag);
      this.transport.releaseUfrag?.(ufrag);
    }
  }

  /** Releases them all (`stop()`). */
  releaseAll(): void {
    this.keepOnly([]);
  }
}
