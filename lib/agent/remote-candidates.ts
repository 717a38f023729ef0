/**
 * Remote candidates on their way into the session: `.local` names resolved
 * over mDNS first, and candidates of the remote's next generation (tagged
 * with a ufrag whose credentials have not arrived) held until they do.
 * @internal
 * @module
 */
import type { Candidate } from '../candidate-types.js';
import { canonicalAddress } from '../core/address.js';
import { LimitExceededError } from '../errors.js';
import type { RemoteNameResolver } from '../mdns/agent-mdns.js';
import { isMdnsHostname } from '../mdns/names.js';
import { type AgentContext, nowOf } from './context.js';
import type { LocalGathering } from './gathering.js';
import type { SessionDriver } from './session-driver.js';

/** Takes validated remote candidates into the current session. */
export class RemoteCandidateIntake {
  /** Remote candidates tagged with a ufrag whose credentials have not arrived yet (a remote restart); bounded. */
  private readonly nextGeneration: Candidate[] = [];
  /** The ufrag of a next generation whose end-of-candidates overtook its credentials. */
  private nextGenerationEnded: string | undefined;

  constructor(
    private readonly context: AgentContext,
    private readonly driver: SessionDriver,
    private readonly gathering: LocalGathering,
    /** Resolves the remote's `.local` candidates (absent with `mdns: 'off'` or no resolver). */
    private readonly remoteNames: RemoteNameResolver | undefined,
  ) {}

  /**
   * A parsed, component-1 candidate from signaling. One tagged with a ufrag
   * other than the remote's current one belongs to the remote's next
   * generation and waits for {@link credentialsArrived}.
   * @throws LimitExceededError when the table it goes to is full.
   */
  add(candidate: Candidate): void {
    const known = this.driver.session.remoteCredentials;
    if (candidate.ufrag !== undefined && known !== undefined && candidate.ufrag !== known.ufrag) {
      // Tagged with another ufrag (RFC 8839): the remote restarted and this candidate overtook the
      // new credentials. Held until they arrive, so the new session gets it.
      const limit = this.context.options.maxRemoteCandidates;
      if (this.nextGeneration.length >= limit) {
        throw new LimitExceededError(
          `too many candidates waiting for the credentials of ufrag ${candidate.ufrag} (${limit})`,
        );
      }
      this.nextGeneration.push(candidate);
      return;
    }
    this.accept(candidate);
  }

  /**
   * The remote finished gathering. With the ufrag of a generation whose
   * credentials have not arrived (a remote restart), it waits for them.
   */
  end(ufrag: string | undefined): void {
    const known = this.driver.session.remoteCredentials;
    if (ufrag !== undefined && known !== undefined && ufrag !== known.ufrag) {
      this.nextGenerationEnded = ufrag;
      return;
    }
    this.driver.session.endOfRemoteCandidates(nowOf(this.context));
    this.driver.drive();
  }

  /** New remote credentials are set: the candidates of that ufrag that overtook them go in now. */
  credentialsArrived(ufrag: string): void {
    const early = this.nextGeneration.splice(0);
    for (const candidate of early) if (candidate.ufrag === ufrag) this.accept(candidate);
    const ended = this.nextGenerationEnded;
    this.nextGenerationEnded = undefined;
    if (ended === ufrag) this.driver.session.endOfRemoteCandidates(nowOf(this.context));
  }

  /** `stop()`. */
  close(): void {
    this.remoteNames?.close();
  }

  private accept(parsed: Candidate): void {
    if (this.remoteNames && isMdnsHostname(parsed.address)) {
      // Added once resolved, to the session of this generation only; meanwhile checks from the
      // remote reveal it as a peer-reflexive candidate anyway.
      const session = this.driver.session;
      this.remoteNames.resolve(parsed.address, (address) => {
        if (this.context.stopped || session !== this.driver.session) return;
        this.addResolved({ ...parsed, address: canonicalAddress(address) });
      });
      return;
    }
    this.addResolved({ ...parsed, address: canonicalAddress(parsed.address) });
  }

  private addResolved(candidate: Candidate): void {
    const outcome = this.driver.session.addRemoteCandidate(candidate, nowOf(this.context));
    if (outcome === 'limit') {
      throw new LimitExceededError(
        `remote candidate table is full (${this.context.options.maxRemoteCandidates} candidates)`,
      );
    }
    if (outcome === 'added') this.gathering.permitOnRelays(candidate.address);
    this.driver.drive();
  }
}
