/**
 * Network changes: polls the transport's addresses (option
 * `interfacePollInterval`) on the session timer, gathers on new addresses and
 * retires sockets whose address vanished.
 * @internal
 * @module
 */
import { diffHostAddresses } from '../core/interfaces.js';
import { type AgentContext, nowOf } from './context.js';
import { type LocalGathering, selectHostAddresses } from './gathering.js';
import type { SessionDriver, TimerPassenger } from './session-driver.js';

/** Interface polls, riding on the session timer. */
export class InterfacePoller implements TimerPassenger {
  nextAt: number | undefined;
  /** Addresses whose host socket is being bound after a network change (so a poll does not bind twice). */
  private readonly bindingAddresses = new Set<string>();

  constructor(
    private readonly context: AgentContext,
    private readonly driver: SessionDriver,
    private readonly gathering: LocalGathering,
  ) {}

  /** Arms the first poll (once), unless polling is off or only relayed candidates are used. */
  start(): void {
    const { interfacePollInterval, iceTransportPolicy } = this.context.options;
    if (interfacePollInterval === 0 || iceTransportPolicy === 'relay') return;
    this.nextAt ??= nowOf(this.context) + interfacePollInterval;
  }

  /** One poll of the transport's addresses: gather on new ones, retire vanished ones, report. */
  run(now: number): void {
    const { context, gathering } = this;
    this.nextAt = now + context.options.interfacePollInterval;
    if (gathering.binds) return; // the first gathering is still binding
    const { transport, ipFilter, ports } = context.options;
    const current = selectHostAddresses(transport.hostAddresses(), ipFilter);
    const gathered = new Set(this.bindingAddresses);
    for (const bound of context.sockets.values())
      if (bound.host.type === 'host') gathered.add(bound.socket.address);
    const { added, removed } = diffHostAddresses(gathered, current);
    if (added.length === 0 && removed.length === 0) return;
    let selectedPairLost = false;
    for (const bound of [...context.sockets.values()]) {
      if (bound.host.type === 'host' && removed.includes(bound.socket.address)) {
        selectedPairLost = gathering.retireSocket(bound, now) || selectedPairLost;
      }
    }
    for (const host of added) {
      this.bindingAddresses.add(host.address);
      transport.bind(host.address, ports).subscribe({
        next: (socket) => gathering.addHostSocket(socket, Math.max(0, current.indexOf(host))),
        error: () => {
          context.counters.bindErrors++;
          this.bindingAddresses.delete(host.address);
        },
        complete: () => this.bindingAddresses.delete(host.address),
      });
    }
    this.driver.drive();
    context.streams.interfaceChanges.next({ added, removed, selectedPairLost });
  }
}
