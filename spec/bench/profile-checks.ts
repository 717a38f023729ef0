/**
 * Micro-benchmark to profile answering checks:
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx spec/bench/profile-checks.ts [rx-ice|werift-ice] [N]
 * Injects N signed Binding requests in-process into a connected agent and prints CPU per request.
 */
import { injectRun, oversizedRequest, rxIceTarget, weriftTarget } from './checks.js';

const which = process.argv[2] ?? 'rx-ice';
const n = Number(process.argv[3] ?? 20_000);
const target = which === 'werift-ice' ? await weriftTarget() : await rxIceTarget();
const requests = Array.from({ length: 4096 }, () => target.request());
await injectRun(target, requests, 2000); // warm-up
const r = await injectRun(target, requests, n);
console.log(
  `${target.name}: ${r.cpuPerItem.toFixed(1)} µs CPU per request, answered ${r.answered}/${r.items}`,
);
if (process.argv[4] === 'big') {
  const big = await injectRun(target, [oversizedRequest()], 200);
  console.log(
    `${target.name}: ${big.cpuPerItem.toFixed(1)} µs CPU per 64 KiB/16k-attribute message, answered ${big.answered}`,
  );
}
await target.stop();
process.exit(0);
