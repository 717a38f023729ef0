/**
 * Run inside a throw-away network namespace (see spec/mdns.spec.ts): publishes
 * a name on the namespace's loopback, resolves it with a one-shot query and
 * prints the address. Traffic never leaves the namespace.
 */
import { firstValueFrom, timeout } from 'rxjs';
import { publishMdns, resolveMdns } from '../../lib/mdns/multicast.js';

const name = process.argv[2] ?? 'missing.local';
const publication = publishMdns(new Map([[name, '127.0.0.1']])).subscribe();
const address = await firstValueFrom(resolveMdns(name).pipe(timeout(15_000)), { defaultValue: 'none' }).catch(
  () => 'timeout',
);
publication.unsubscribe();
process.stdout.write(`${address}\n`);
process.exit(0);
