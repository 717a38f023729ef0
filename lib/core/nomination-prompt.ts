/**
 * The controlled side's nomination prompt: what a controlled session does
 * while it holds a valid pair, has nothing left to check and hears no
 * nomination.
 *
 * RFC 8445 gives that session nothing to send: its checks succeeded, so it
 * waits. But the controlling peer may have failed the same path, when every
 * transmission of its own check or of our answers was lost (7 tries over
 * 39.5 s). It then has nothing valid to nominate, and hears nothing from us
 * that would make it try again: both sides wait until its PAC timer
 * (RFC 8863 §4) fails it. Found by the explorer (seed 20261223, #44131):
 * 13 % loss each way, b's only working pair timed out, a stayed `checking`.
 *
 * So the waiting side checks its best valid pair again, one check per
 * {@link NOMINATION_PROMPT_INTERVAL}. RFC 8445 §7.3.1.4 makes the peer's
 * answer useful: "If the state of the pair is Failed, it is changed to
 * Waiting and the agent MUST create a new connectivity check for that pair",
 * a triggered check with its own 7 tries. A prompt that times out fails its
 * pair like any check, so a session whose peer has gone stops waiting.
 */
import type { CandidatePair } from './pair.js';
import { checkedPairOf } from './pair.js';

/**
 * Ms between prompts: half the consent interval (RFC 7675 §5.1, 5 s), so a
 * waiting session costs less than a connected one, and short enough that a
 * peer's triggered check gets several full transactions before its PAC timer
 * (39.5 s) ends.
 */
export const NOMINATION_PROMPT_INTERVAL = 2_500;

/**
 * The pair a prompt checks: the one whose check produced the best valid
 * pair (the list is sorted by priority), unless that check is still under
 * way. Undefined when there is no valid pair.
 */
export function promptPair(pairs: readonly CandidatePair[]): CandidatePair | undefined {
  const best = pairs.find((p) => p.valid);
  if (best === undefined) return undefined;
  const checked = checkedPairOf(best);
  return checked.state === 'in-progress' ? undefined : checked;
}
