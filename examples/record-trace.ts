/**
 * Records a real session's trace for the timeline: two agents over UDP on the loopback addresses
 * (127.0.0.1 and ::1) whose candidates reach each other 1 s late (a slow signaling channel), alice
 * also told at once of a candidate nobody answers on (127.0.0.1 port 9): her trace shows checks
 * retransmitted, checks answered, nomination, selection and consent.
 * Alice's `trace$` goes to a file as JSON lines, the input of `rx-ice-timeline`.
 *
 *   npx tsx examples/record-trace.ts session.jsonl 7     (file, seconds to run; these defaults)
 *   npx rx-ice-timeline session.jsonl > session.html
 */

import { createWriteStream } from 'node:fs';
import { IceAgent, serializeCandidate, traceToJsonLines } from 'rx-ice';
import { delay, filter } from 'rxjs';

const file = process.argv[2] ?? 'session.jsonl';
const seconds = Number(process.argv[3] ?? 7);

const onLoopback = (address: string) => address === '127.0.0.1' || address === '::1';
const alice = new IceAgent({ role: 'controlling', ipFilter: onLoopback, mdns: 'off' });
const bob = new IceAgent({ role: 'controlled', ipFilter: onLoopback, mdns: 'off' });

// Record alice: one JSON line per trace event.
const out = createWriteStream(file);
let events = 0;
alice.trace$.pipe(traceToJsonLines()).subscribe((line) => {
  events++;
  out.write(line);
});

for (const [from, to] of [
  [alice, bob],
  [bob, alice],
] as const) {
  const { ufrag, pwd } = from.getLocalCredentials();
  to.setRemoteCredentials(ufrag, pwd);
  from.candidates$.pipe(delay(1000)).subscribe((c) => to.addRemoteCandidate(serializeCandidate(c)));
  from.gatheringState$
    .pipe(
      filter((s) => s === 'complete'),
      delay(1000),
    )
    .subscribe(() => to.endOfCandidates());
}
alice.addRemoteCandidate('candidate:9 1 udp 2130706431 127.0.0.1 9 typ host');
alice.connectionState$.subscribe((s) => console.log(`alice state ${s}`));
alice.gatherCandidates();
bob.gatherCandidates();

await new Promise((done) => setTimeout(done, seconds * 1000));
alice.stop();
bob.stop();
await new Promise((done) => out.end(done));
console.log(
  `recorded ${events} events to ${file}; draw them with: npx rx-ice-timeline ${file} > session.html`,
);
