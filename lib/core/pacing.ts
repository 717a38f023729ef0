/**
 * Pacing as a plain function of time: the earliest moment the next item may
 * go, given when the previous one went. The session paces new connectivity
 * checks with it (RFC 8445 §14.2, one check per Ta) and the public `pace()`
 * operator is built on it too, so there is one implementation of the rule.
 *
 * @param lastAt when the previous item went, or undefined if none has
 * @param now the current time
 * @param interval minimum spacing (Ta)
 */
export function nextPacedSlot(lastAt: number | undefined, now: number, interval: number): number {
  return lastAt === undefined ? now : Math.max(now, lastAt + interval);
}
