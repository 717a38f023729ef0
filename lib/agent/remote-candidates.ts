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

/** How many remote generations (ufrags) the intake remembers candidates of. */
const GENERATIONS_KEPT = 4;

/**
 * Takes validated remote candidates into the current session.
 *
 * A candidate tagged with a ufrag (RFC 8839 `ufrag` extension, W3C
 * `usernameFragment`) belongs to the remote generation of that ufrag, whatever
 * the order signalling brings things in. The intake files it under its ufrag
 * (the last {@link GENERATIONS_KEPT} ufrags, each up to `maxRemoteCandidates`)
 * and hands it to the session whose remote credentials carry that ufrag: the
 * current one at once, or a later one (a restart, or credentials that arrive
 * after their candidates) when {@link credentialsArrived} says so. The same
 * goes for a tagged end-of-candidates. Untagged candidates go to the current
 * session.
 */
export class RemoteCandidateIntake {
  /** Tagged candidates by ufrag, oldest generation first (Map order). */
  private readonly byUfrag = new Map<string, Candidate[]>();
  /** Ufrags whose end-of-candidates arrived. */
  private readonly ended = new Set<string>();

  constructor(
    private readonly context: AgentContext,
    private readonly driver: SessionDriver,
    private readonly gathering: LocalGathering,
    /** Resolves the remote's `.local` candidates (absent with `mdns: 'off'` or no resolver). */
    private readonly remoteNames: RemoteNameResolver | undefined,
  ) {}

  /**
   * A parsed, component-1 candidate from signaling. A tagged one is filed
   * under its ufrag, and goes into the current session only when that
   * session's remote credentials carry the same ufrag.
   * @throws LimitExceededError when the table it goes to is full.
   */
  add(candidate: Candidate): void {
    const { ufrag } = candidate;
    if (ufrag === undefined) {
      this.accept(candidate);
      return;
    }
    const filed = this.generation(ufrag);
    const limit = this.context.options.maxRemoteCandidates;
    if (filed.length >= limit) {
      throw new LimitExceededError(`too many remote candidates for ufrag ${ufrag} (${limit})`);
    }
    filed.push(candidate);
    if (this.driver.session.remoteCredentials?.ufrag === ufrag) this.accept(candidate);
  }

  /**
   * The remote finished gathering. Tagged with a ufrag, it applies to the
   * session of that generation, now or when its credentials arrive.
   */
  end(ufrag: string | undefined): void {
    if (ufrag !== undefined) {
      this.generation(ufrag);
      this.ended.add(ufrag);
      if (this.driver.session.remoteCredentials?.ufrag !== ufrag) return;
    }
    this.driver.session.endOfRemoteCandidates(nowOf(this.context));
    this.driver.drive();
  }

  /**
   * The current session took remote credentials with `ufrag` (the first
   * ones, a restart's, or an answer's): the candidates and end-of-candidates
   * of that generation received so far go into it.
   */
  credentialsArrived(ufrag: string): void {
    // Not thrown: the table holds at most `maxRemoteCandidates` of one ufrag, as many as a session takes.
    for (const candidate of this.byUfrag.get(ufrag) ?? []) this.accept(candidate, false);
    if (this.ended.has(ufrag)) this.driver.session.endOfRemoteCandidates(nowOf(this.context));
  }

  /** The candidate list of `ufrag`'s generation; a new generation evicts the oldest beyond the bound. */
  private generation(ufrag: string): Candidate[] {
    let filed = this.byUfrag.get(ufrag);
    if (filed) return filed;
    filed = [];
    this.byUfrag.set(ufrag, filed);
    if (this.byUfrag.size > GENERATIONS_KEPT) {
      const oldest = this.byUfrag.keys().next().value as string;
      this.byUfrag.delete(oldest);
      this.ended.delete(oldest);
    }
    return filed;
  }

  /** `stop()`. */
  close(): void {
    this.remoteNames?.close();
  }

  private accept(parsed: Candidate, throwWhenFull = true): void {
    if (this.remoteNames && isMdnsHostname(parsed.address)) {
      // Added once resolved, to the session of this generation only; meanwhile checks from the
      // remote reveal it as a peer-reflexive candidate anyway.
      const session = this.driver.session;
      this.remoteNames.resolve(parsed.address, (address) => {
        if (this.context.stopped || session !== this.driver.session) return;
        this.addResolved({ ...parsed, address: canonicalAddress(address) }, false);
      });
      return;
    }
    this.addResolved({ ...parsed, address: canonicalAddress(parsed.address) }, throwWhenFull);
  }

  private addResolved(candidate: Candidate, throwWhenFull: boolean): void {
    const outcome = this.driver.session.addRemoteCandidate(candidate, nowOf(this.context));
    if (outcome === 'limit' && throwWhenFull) {
      throw new LimitExceededError(
        `remote candidate table is full (${this.context.options.maxRemoteCandidates} candidates)`,
      );
    }
    if (outcome === 'added') this.gathering.permitOnRelays(candidate.address);
    this.driver.drive();
  }
}
