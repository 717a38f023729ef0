/**
 * A remote ICE restart whose new candidates overtake its new credentials in
 * the signaling channel: candidates tagged with the new ufrag (as browsers tag
 * them) must reach the new session, not die with the old one.
 */
import { filter } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { type IceAgent, serializeCandidate } from '../lib/index.js';
import { newTestScheduler, virtualPair } from './helpers/virtual-pair.js';

/** Candidates go over at once, tagged with the sender's ufrag of the moment; credentials only when asked. */
function relayCandidates(from: IceAgent, to: IceAgent): void {
  from.candidates$.subscribe((c) =>
    to.addRemoteCandidate(serializeCandidate({ ...c, ufrag: from.getLocalCredentials().ufrag })),
  );
  from.gatheringState$.pipe(filter((s) => s === 'complete')).subscribe(() => to.endOfCandidates());
}

function sendCredentials(from: IceAgent, to: IceAgent): void {
  const { ufrag, pwd } = from.getLocalCredentials();
  to.setRemoteCredentials(ufrag, pwd);
}

describe('remote restart with candidates ahead of credentials', () => {
  it('gives the early candidates to the new session', () => {
    const ts = newTestScheduler();
    const states: string[] = [];
    let remoteAfterRestart: Array<{ address: string; type: string }> = [];
    let heldBeforeCredentials = -1;
    ts.run(() => {
      const { a, b } = virtualPair(ts);
      relayCandidates(a, b);
      relayCandidates(b, a);
      sendCredentials(a, b);
      sendCredentials(b, a);
      a.connectionState$.subscribe((s) => states.push(`${s}@${ts.now()}`));
      a.gatherCandidates();
      b.gatherCandidates();

      ts.schedule(() => b.restart(), 1000); // b's generation-1 candidates reach a now...
      ts.schedule(() => {
        heldBeforeCredentials = a.getRemoteCandidates().length;
        sendCredentials(b, a); // ...its new credentials only 100 ms later: a restarts too
        sendCredentials(a, b);
      }, 1100);
      ts.schedule(() => {
        remoteAfterRestart = a.getRemoteCandidates().map((c) => ({ address: c.address, type: c.type }));
        expect(a.getStats().generation).toBe(1);
        a.stop();
        b.stop();
      }, 3000);
    });
    expect(heldBeforeCredentials).toBe(1); // the old session's view: b's generation-0 candidate only
    expect(remoteAfterRestart).toContainEqual({ address: '10.0.0.2', type: 'host' });
    expect(states.filter((s) => s.startsWith('failed'))).toEqual([]);
  });

  it('ignores nothing when candidates follow the credentials as usual', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { a, b } = virtualPair(ts);
      sendCredentials(a, b);
      sendCredentials(b, a);
      relayCandidates(a, b);
      relayCandidates(b, a);
      a.gatherCandidates();
      b.gatherCandidates();
      ts.schedule(() => {
        expect(a.getRemoteCandidates().map((c) => c.type)).toEqual(['host']);
        expect(a.getStats().state).toBe('completed');
        a.stop();
        b.stop();
      }, 1000);
    });
  });
});
