/**
 * The randomized session explorer of issue #10: EXPLORE_RUNS (default 2000)
 * random two-agent sessions on the virtual network, in virtual time on a
 * FastScheduler, each checked against the invariants listed in runner.ts.
 * A failure prints fast-check's seed and path (replay: EXPLORE_SEED and
 * EXPLORE_PATH, or copy the shrunk scenario into regressions.spec.ts).
 * Not shrunk unless EXPLORE_SHRINK=1. Long runs: `npm run explore -- --runs N --seed S`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { connectBound, runScenario } from './runner.js';
import { pathExists, type Scenario, scenarioArb } from './scenario.js';

const RUNS = Number(process.env.EXPLORE_RUNS ?? 2000);
const SEED = process.env.EXPLORE_SEED === undefined ? undefined : Number(process.env.EXPLORE_SEED);
const PATH = process.env.EXPLORE_PATH;

function check(scenario: Scenario): void {
  const { violations } = runScenario(scenario);
  if (violations.length > 0) {
    throw new Error(
      violations
        .map((v) => `${v.invariant}${v.side ? ` (${v.side})` : ''} at ${v.at.toFixed(0)} ms: ${v.message}`)
        .join('\n'),
    );
  }
}

describe('explorer', () => {
  it('the generator covers every dimension of the issue', () => {
    const sample = fc.sample(scenarioArb, { numRuns: 500, seed: 1 });
    const some = (f: (s: Scenario) => boolean) => expect(sample.some(f)).toBe(true);
    some((s) => s.lite);
    some((s) => s.a.turn && s.b.turn);
    some((s) => s.a.role === 'controlling' && s.b.role === 'controlling');
    some((s) => s.a.role === 'controlled' && s.b.role === 'controlled' && !s.lite);
    some((s) => s.a.restartAt !== null);
    some((s) => s.b.endOfCandidates === 'never');
    some((s) => s.a.credentialsDelay > s.a.candidateDelay + 1000);
    some((s) => s.a.nat === 'symmetric' && s.b.nat === 'portRestrictedCone');
    some((s) => s.link.loss > 0.2 && s.link.duplicate > 0 && s.link.reorder > 0 && s.link.jitter > 0);
    some((s) => !pathExists(s));
    for (const s of sample) expect(connectBound(s)).toBeGreaterThan(0);
  });

  it('replays a session identically from its scenario (determinism)', () => {
    const [scenario] = fc.sample(scenarioArb, { numRuns: 1, seed: 99 });
    if (scenario === undefined) throw new Error('no sample');
    const lines = (): string[] => {
      const out: string[] = [];
      runScenario(scenario, { log: (l) => out.push(l.replace(/user \S+|\([^)]*\)$|credentials \S+/g, '')) });
      return out;
    };
    expect(lines()).toEqual(lines());
  });

  // Not in the default run yet: it still finds the open defects of regressions.spec.ts (and a restart
  // ping-pong) and takes minutes on a loaded machine. `EXPLORE_RUNS=2000 npx vitest run spec/explorer`
  // or `npm run explore -- --runs N --seed S` run it.
  it.runIf(process.env.EXPLORE_RUNS !== undefined)(
    `${RUNS} random sessions keep the invariants`,
    { timeout: 3_600_000 },
    () => {
      const started = performance.now();
      fc.assert(fc.property(scenarioArb, check), {
        numRuns: RUNS,
        ...(SEED === undefined ? {} : { seed: SEED }),
        ...(PATH === undefined ? {} : { path: PATH }),
        // Shrinking replays hundreds of sessions; off unless EXPLORE_SHRINK=1 (the CLI shrinks too).
        endOnFailure: process.env.EXPLORE_SHRINK !== '1',
      });
      const seconds = (performance.now() - started) / 1000;
      console.log(
        `explorer: ${RUNS} sessions in ${seconds.toFixed(1)} s (${(RUNS / seconds).toFixed(1)} sessions/s)`,
      );
    },
  );
});
