/**
 * Run inside a throw-away network namespace (see spec/mdns.spec.ts): publishes
 * a name on the namespace's loopback, resolves it with a one-shot query and
 * prints the address, then how many undecodable datagrams the publisher and a
 * pending look-up each dropped after one such datagram was sent to the mDNS
 * group. Traffic never leaves the namespace.
 */
import { createSocket } from 'node:dgram';
import { firstValueFrom, timeout } from 'rxjs';
import { publishMdns, resolveMdns } from '../../lib/mdns/multicast.js';

const name = process.argv[2] ?? 'missing.local';
let publisherDropped = 0;
let resolverDropped = 0;
const publication = publishMdns(new Map([[name, '127.0.0.1']]), {
  onMalformed: () => publisherDropped++,
}).subscribe();
const address = await firstValueFrom(resolveMdns(name).pipe(timeout(15_000)), { defaultValue: 'none' }).catch(
  () => 'timeout',
);
process.stdout.write(`${address}\n`);

// A look-up nobody answers stays open while a datagram that is no DNS message reaches the group.
const pending = resolveMdns(`unanswered-${name}`, { onMalformed: () => resolverDropped++ }).subscribe();
await new Promise((resolve) => setTimeout(resolve, 500)); // its socket joins the group
const sender = createSocket('udp4');
sender.send(Buffer.from([1, 2, 3]), 5353, '224.0.0.251');
for (let waited = 0; waited < 10_000 && (publisherDropped === 0 || resolverDropped === 0); waited += 50) {
  await new Promise((resolve) => setTimeout(resolve, 50));
}
sender.close();
pending.unsubscribe();
publication.unsubscribe();
process.stdout.write(`dropped ${publisherDropped} ${resolverDropped}\n`);
process.exit(0);
