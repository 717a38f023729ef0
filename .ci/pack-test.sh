#!/usr/bin/env bash
# Pack test: the package as a user gets it from npm.
#
# Packs rx-ice (prepack builds dist/), installs the tarball and rxjs into a fresh temporary
# project, and there: imports the three entry points from ESM, require()s them from CommonJS,
# type-checks TypeScript consumers (ESM and CommonJS under moduleResolution nodenext, ESM under
# bundler; strict, skipLibCheck false), runs a two-agent session over 127.0.0.1 that exchanges
# a datagram while recording alice's trace$ as JSON lines, draws that trace with the package's
# command (`npx rx-ice-timeline trace.jsonl > trace.html`, and from standard input), and counts the
# production packages (`npm ls --omit=dev --all`). Any failure exits non-zero with a message
# naming it.
#
# Only the npm registry is used. KEEP=1 keeps the temporary folder for a look afterwards.
set -Eeuo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
# Most production packages rx-ice may bring (itself included; rxjs, its peer, and tslib are the
# app's own and not counted) before this test fails.
MAX_PACKAGES=${MAX_PACKAGES:-20}

log() { printf '[pack-test] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/rx-ice-pack.XXXXXX")
on_exit() {
  local rc=$?
  if [ "${KEEP:-}" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
  [ "$rc" -eq 0 ] || log "FAILED with status $rc"
}
trap on_exit EXIT

# Versions for the consumer's tools: the ones this repository builds with.
dev_version() { node -p "require('$REPO/package.json').devDependencies['$1']"; }
TS_VERSION=$(dev_version typescript)
TYPES_NODE_VERSION=$(dev_version @types/node)
RXJS_VERSION=$(node -p "require('$REPO/package.json').peerDependencies.rxjs")

log "packing $REPO"
(cd "$REPO" && npm pack --pack-destination "$WORK" --loglevel=warn >/dev/null)
TARBALL=$(ls "$WORK"/rx-ice-*.tgz)
[ -f "$TARBALL" ] || die "npm pack produced no tarball"

# The tarball: the build with declarations for every entry point; no specs, tests or sources.
tar -tzf "$TARBALL" | sed 's#^package/##' | sort >"$WORK/files.txt"
log "tarball $(basename "$TARBALL"): $(wc -l <"$WORK/files.txt") files, $(du -k "$TARBALL" | cut -f1) kB"
for f in package.json README.md LICENSE \
  dist/lib/index.js dist/lib/index.d.ts \
  dist/operators/index.js dist/operators/index.d.ts \
  dist/lib/testing/index.js dist/lib/testing/index.d.ts; do
  grep -qx "$f" "$WORK/files.txt" || die "tarball lacks $f"
done
if grep -vE '^(package\.json|README\.md|LICENSE|dist/.*\.(js|d\.ts))$' "$WORK/files.txt"; then
  die "tarball has files other than package.json, README.md, LICENSE and dist/**/*.{js,d.ts} (listed above)"
fi
if grep -E '(^|/)(spec|test|tests|examples)/|\.(spec|test)\.' "$WORK/files.txt"; then
  die "tarball ships tests (listed above)"
fi

APP=$WORK/app
mkdir -p "$APP"
cd "$APP"
cat >package.json <<'EOF'
{ "name": "rx-ice-pack-test", "version": "1.0.0", "private": true, "type": "commonjs" }
EOF
log "installing the tarball, rxjs@$RXJS_VERSION, typescript@$TS_VERSION, @types/node@$TYPES_NODE_VERSION"
npm install --no-audit --no-fund --loglevel=warn "$TARBALL" "rxjs@$RXJS_VERSION"
npm install --no-audit --no-fund --loglevel=warn --save-dev "typescript@$TS_VERSION" "@types/node@$TYPES_NODE_VERSION"

# --- ESM ---------------------------------------------------------------------------------------
cat >esm.mjs <<'EOF'
import * as root from 'rx-ice';
import * as operators from 'rx-ice/operators';
import * as testing from 'rx-ice/testing';
const check = (ok, what) => { if (!ok) throw new Error(`ESM: ${what}`); };
check(typeof root.IceAgent === 'function', 'rx-ice has no IceAgent');
check(typeof root.parseCandidate === 'function', 'rx-ice has no parseCandidate');
check(typeof operators.wireSignaling === 'function', 'rx-ice/operators has no wireSignaling');
check(typeof operators.toSdpCandidate === 'function', 'rx-ice/operators has no toSdpCandidate');
check(typeof testing.VirtualNetwork === 'function', 'rx-ice/testing has no VirtualNetwork');
check(typeof root.renderTimeline === 'function', 'rx-ice has no renderTimeline');
check(typeof root.traceToJsonLines === 'function', 'rx-ice has no traceToJsonLines');
console.log(`ESM: ${Object.keys(root).length} + ${Object.keys(operators).length} + ${Object.keys(testing).length} exports`);
EOF
log "ESM import of rx-ice, rx-ice/operators, rx-ice/testing"
node esm.mjs

# --- CommonJS: require(esm), Node >= 20.19 -----------------------------------------------------
cat >cjs.cjs <<'EOF'
const root = require('rx-ice');
const operators = require('rx-ice/operators');
const testing = require('rx-ice/testing');
const { Observable } = require('rxjs');
const check = (ok, what) => { if (!ok) throw new Error(`CommonJS: ${what}`); };
check(typeof root.IceAgent === 'function', 'rx-ice has no IceAgent');
check(typeof operators.wireSignaling === 'function', 'rx-ice/operators has no wireSignaling');
check(typeof testing.VirtualNetwork === 'function', 'rx-ice/testing has no VirtualNetwork');
const agent = new root.IceAgent({ role: 'controlling', mdns: 'off' });
// One RxJS: rxjs is a peer dependency, so the agent's Observables are the app's.
check(agent.connectionState$ instanceof Observable, "the agent's Observables are not the app's rxjs");
agent.stop();
console.log(`CommonJS: ${Object.keys(root).length} + ${Object.keys(operators).length} + ${Object.keys(testing).length} exports`);
EOF
log "CommonJS require() of rx-ice, rx-ice/operators, rx-ice/testing"
node cjs.cjs

# --- TypeScript consumers ----------------------------------------------------------------------
cat >consumer.mts <<'EOF'
import { type Candidate, IceAgent, type IceCandidateInit, serializeCandidate } from 'rx-ice';
import { toSdpCandidate, wireSignaling } from 'rx-ice/operators';
import { VirtualNetwork } from 'rx-ice/testing';
import { map, type Observable } from 'rxjs';

const agent: IceAgent = new IceAgent({ role: 'controlling', mdns: 'off' });
const lines: Observable<string> = agent.candidates$.pipe(map((c: Candidate) => serializeCandidate(c)));
const init: IceCandidateInit = { candidate: '', sdpMid: '0' };
agent.addRemoteCandidate(init);
export const used = [lines, toSdpCandidate, wireSignaling, VirtualNetwork];
EOF
cp consumer.mts consumer-bundler.ts
cat >consumer.cts <<'EOF'
import rxIce = require('rx-ice');
import operators = require('rx-ice/operators');
import testing = require('rx-ice/testing');

const agent: rxIce.IceAgent = new rxIce.IceAgent({ role: 'controlled', mdns: 'off' });
const candidate: rxIce.Candidate | undefined = undefined;
export = [agent, candidate, operators.wireSignaling, testing.VirtualNetwork];
EOF
strict='"strict": true, "skipLibCheck": false, "noEmit": true, "target": "ES2022", "lib": ["ES2022"], "types": ["node"]'
cat >tsconfig.nodenext.json <<EOF
{ "compilerOptions": { "module": "nodenext", "moduleResolution": "nodenext", $strict },
  "files": ["consumer.mts", "consumer.cts"] }
EOF
cat >tsconfig.bundler.json <<EOF
{ "compilerOptions": { "module": "preserve", "moduleResolution": "bundler", $strict },
  "files": ["consumer-bundler.ts"] }
EOF
for mode in nodenext bundler; do
  log "tsc: moduleResolution $mode, strict, skipLibCheck false"
  npx --no-install tsc -p "tsconfig.$mode.json" || die "the TypeScript consumer does not type-check under $mode"
done

# --- A session from the installed package ------------------------------------------------------
cat >loopback.mjs <<'EOF'
import { createWriteStream } from 'node:fs';
import { IceAgent, serializeCandidate, traceToJsonLines } from 'rx-ice';
import { filter, firstValueFrom } from 'rxjs';

const deadline = setTimeout(() => { console.error('loopback: no datagram within 20 s'); process.exit(1); }, 20_000);
const onLoopback = (address) => address === '127.0.0.1';
const alice = new IceAgent({ role: 'controlling', ipFilter: onLoopback, mdns: 'off' });
const bob = new IceAgent({ role: 'controlled', ipFilter: onLoopback, mdns: 'off' });
const traceFile = createWriteStream('trace.jsonl');
alice.trace$.pipe(traceToJsonLines()).subscribe((line) => traceFile.write(line));
for (const [from, to] of [[alice, bob], [bob, alice]]) {
  const { ufrag, pwd } = from.getLocalCredentials();
  to.setRemoteCredentials(ufrag, pwd);
  from.candidates$.subscribe((c) => to.addRemoteCandidate(serializeCandidate(c)));
  from.gatheringState$.pipe(filter((s) => s === 'complete')).subscribe(() => to.endOfCandidates());
}
const connected = (agent) =>
  firstValueFrom(agent.connectionState$.pipe(filter((s) => s === 'connected' || s === 'completed')));
alice.gatherCandidates();
bob.gatherCandidates();
await Promise.all([connected(alice), connected(bob)]);
const received = firstValueFrom(bob.data$);
alice.send(new TextEncoder().encode('hello from the tarball'));
const text = new TextDecoder().decode(await received);
if (text !== 'hello from the tarball') throw new Error(`loopback: bob got ${JSON.stringify(text)}`);
const pair = alice.getStats().selectedPair;
console.log(`loopback: bob got "${text}" over ${pair?.local.address}:${pair?.local.port} -> ${pair?.remote.address}:${pair?.remote.port}`);
alice.stop();
bob.stop();
await new Promise((done) => traceFile.end(done));
clearTimeout(deadline);
EOF
log "two agents over 127.0.0.1 from the installed package"
node loopback.mjs

# --- The timeline command, as installed ---------------------------------------------------------
[ -x node_modules/.bin/rx-ice-timeline ] || die "the tarball installs no rx-ice-timeline command"
events=$(grep -c . trace.jsonl) || die "alice's trace is empty"
log "npx rx-ice-timeline trace.jsonl > trace.html ($events events), and from standard input"
npx --no-install rx-ice-timeline trace.jsonl >trace.html || die "rx-ice-timeline failed on the loopback trace"
npx --no-install rx-ice-timeline <trace.jsonl >stdin.html || die "rx-ice-timeline failed reading standard input"
for page in trace.html stdin.html; do
  marks=$(grep -o 'class="ev"' "$page" | wc -l)
  [ "$marks" -eq "$events" ] || die "$page has $marks marks for $events trace events"
  grep -q 'data-kind="pair"' "$page" || die "$page has no candidate pair row"
done
grep -q '<title>rx-ice timeline: trace.jsonl</title>' trace.html || die "trace.html is not titled after its file"
log "timeline: $(wc -c <trace.html) bytes, $events marks"
if printf '{"type":"check-sent"}\n' | npx --no-install rx-ice-timeline >bad.html 2>bad.err; then
  die "rx-ice-timeline accepted an invalid trace"
fi
grep -q 'line 1: check-sent event lacks' bad.err || die "rx-ice-timeline's error does not name the line: $(cat bad.err)"

# --- What a user installs ----------------------------------------------------------------------
npm ls --omit=dev --all >"$WORK/tree.txt" || { cat "$WORK/tree.txt" >&2; die "npm ls --omit=dev --all reports problems"; }
cat "$WORK/tree.txt" >&2
# Every installed production package; then rx-ice's own share (rxjs and its tslib are the app's).
total=$(npm ls --omit=dev --all --parseable | tail -n +2 | wc -l)
ours=$(node -e '
  const tree = JSON.parse(require("child_process").execSync("npm ls --omit=dev --all --json", { encoding: "utf8" }));
  const seen = new Set();
  const walk = (name, node) => {
    if (name === "rxjs") return;
    seen.add(`${name}@${node.version}`);
    for (const [n, d] of Object.entries(node.dependencies ?? {})) walk(n, d);
  };
  walk("rx-ice", tree.dependencies["rx-ice"]);
  console.log(seen.size);')
log "production packages installed: $total in all; rx-ice and its dependencies, rxjs aside: $ours (limit $MAX_PACKAGES)"
[ "$ours" -le "$MAX_PACKAGES" ] || die "rx-ice brings $ours production packages, more than $MAX_PACKAGES"

# npm audit needs the registry's advisory endpoint; report when it cannot answer rather than pass silently.
if audit=$(npm audit --omit=dev --json 2>/dev/null); then
  log "npm audit --omit=dev: no advisories"
elif node -e 'const a = JSON.parse(process.argv[1]); process.exit(a.error ? 0 : 1)' "$audit" 2>/dev/null; then
  log "WARNING: npm audit --omit=dev could not reach an advisory service; not checked here"
else
  printf '%s\n' "$audit" >&2
  die "npm audit --omit=dev reports advisories"
fi
log "all checks passed"
