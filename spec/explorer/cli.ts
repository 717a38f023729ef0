/**
 * The explorer from the command line, for long runs:
 *
 *   npm run explore -- --runs 10000 --seed 42 [--no-shrink] [--verbose] [--answers said|unsaid]
 *   npm run explore -- --scenario '<scenario JSON>'   (one session, traced)
 *
 * Generates `--runs` scenarios from `--seed` (default: random, printed),
 * runs each on a FastScheduler, checks the invariants (see runner.ts) and
 * prints sessions/second and the failures grouped by invariant, each with
 * the fast-check seed and path that replays it and its (shrunk, unless
 * `--no-shrink`) scenario. Exit code 1 when something failed. `--answers`
 * fixes whether signalling says what new credentials answer (default: half
 * the sessions each way, as the scenarios draw it).
 */
import fc from 'fast-check';
import { type InvariantId, runScenario, type Violation } from './runner.js';
import { parseScenario, type Scenario, scenarioArb } from './scenario.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const single = arg('scenario');
if (single !== undefined) {
  // Replay one scenario (JSON, as printed below) with a trace of the session.
  const result = runScenario(parseScenario(single), { log: (line) => console.log(line) });
  console.log(JSON.stringify({ ...result, violations: result.violations.length }, null, 1));
  for (const v of result.violations) console.log(`${v.invariant} ${v.side ?? ''} at ${v.at}: ${v.message}`);
  process.exit(result.violations.length > 0 ? 1 : 0);
}
const runs = Number(arg('runs') ?? 1000);
const seed = Number(arg('seed') ?? Math.floor(Math.random() * 2 ** 31));
const shrink = !process.argv.includes('--no-shrink');
const verbose = process.argv.includes('--verbose');
const answers = arg('answers');
if (answers !== undefined && answers !== 'said' && answers !== 'unsaid')
  throw new Error('--answers must be said or unsaid');
/** The scenarios explored: as drawn, or with `answerHints` fixed by `--answers`. */
const arbitrary =
  answers === undefined ? scenarioArb : scenarioArb.map((s) => ({ ...s, answerHints: answers === 'said' }));
if (!Number.isSafeInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');
if (!Number.isSafeInteger(seed)) throw new Error('--seed must be an integer');

interface Failure {
  readonly index: number;
  readonly path: string;
  readonly scenario: Scenario;
  readonly violations: Violation[];
}

console.log(
  `explore: ${runs} sessions, seed ${seed}${shrink ? '' : ', no shrinking'}${answers ? `, answers ${answers}` : ''}`,
);
const failures: Failure[] = [];
const census = { enforced: 0, pathless: 0, connected: 0, actions: 0, virtualMs: 0, peakQueue: 0 };
const started = performance.now();
// One fc.check per session keeps each failure's own seed and path, so all failures are reported, not just the first.
const rng = fc.sample(fc.integer({ min: 0, max: 2 ** 31 - 1 }), { numRuns: runs, seed });
for (const [index, runSeed] of rng.entries()) {
  const [scenario] = fc.sample(arbitrary, { numRuns: 1, seed: runSeed });
  if (scenario === undefined) continue;
  const result = runScenario(scenario);
  if (result.enforced) census.enforced++;
  if (!result.pathExists) census.pathless++;
  if (result.connectedAt !== undefined) census.connected++;
  census.actions += result.actions;
  census.virtualMs += result.endedAt;
  census.peakQueue = Math.max(census.peakQueue, result.peakQueue);
  if (result.violations.length > 0) {
    failures.push({ index, path: `seed ${runSeed}`, scenario, violations: result.violations });
    if (verbose)
      console.log(`  #${index} seed ${runSeed}: ${result.violations.map((v) => v.invariant).join(', ')}`);
  }
  if ((index + 1) % 500 === 0) {
    const s = (performance.now() - started) / 1000;
    console.log(
      `  ${index + 1} sessions, ${((index + 1) / s).toFixed(1)} sessions/s, ${failures.length} failing`,
    );
  }
}
const seconds = (performance.now() - started) / 1000;
console.log(
  `\n${runs} sessions in ${seconds.toFixed(1)} s: ${(runs / seconds).toFixed(1)} sessions/s; ` +
    `${census.enforced} with invariant 1 enforced, ${census.pathless} without a path, ` +
    `${census.connected} connected; ${(census.virtualMs / 1000).toFixed(0)} virtual s, ` +
    `${census.actions} scheduler actions, peak queue ${census.peakQueue}`,
);

const byInvariant = new Map<InvariantId, { failure: Failure; violation: Violation }[]>();
for (const failure of failures)
  for (const violation of failure.violations) {
    const list = byInvariant.get(violation.invariant) ?? [];
    list.push({ failure, violation });
    byInvariant.set(violation.invariant, list);
  }
if (failures.length === 0) console.log('no invariant broken');
for (const [invariant, list] of byInvariant) {
  console.log(`\n== ${invariant}: ${list.length} session(s)`);
  for (const { failure, violation } of list.slice(0, 5)) {
    console.log(
      `  #${failure.index} (${failure.path}) ${violation.side ?? ''} at ${violation.at.toFixed(0)} ms: ${violation.message.split('\n')[0]}`,
    );
  }
}

// Shrink the first failure of each invariant with fast-check and print the replayable counterexample.
for (const [invariant, list] of byInvariant) {
  const first = list[0];
  if (first === undefined) continue;
  const runSeed = Number(first.failure.path.slice(5));
  const details = fc.check(
    fc.property(arbitrary, (s) => !runScenario(s).violations.some((v) => v.invariant === invariant)),
    { seed: runSeed, numRuns: 1, endOnFailure: !shrink },
  );
  if (!details.failed || details.counterexample === null) {
    console.log(`\n${invariant}: did not replay under fc.check (seed ${runSeed})`);
    continue;
  }
  const [scenario] = details.counterexample;
  const result = runScenario(scenario);
  console.log(
    `\n${invariant}: replay with fc.assert(..., { seed: ${runSeed}, path: '${details.counterexamplePath}' })` +
      `${shrink ? ` after ${details.numShrinks} shrinks` : ''}:`,
  );
  console.log(JSON.stringify(scenario));
  for (const v of result.violations)
    console.log(`  ${v.invariant} ${v.side ?? ''} at ${v.at.toFixed(0)}: ${v.message}`);
}
process.exitCode = failures.length > 0 ? 1 : 0;
