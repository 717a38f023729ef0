import { Observable, type OperatorFunction } from 'rxjs';
import { type IceCredentials, validateCredentials } from '../lib/core/credentials.js';
import { InvalidCredentialsError } from '../lib/errors.js';

const UFRAG = /^(?:a=)?ice-ufrag:(.*)$/;
const PWD = /^(?:a=)?ice-pwd:(.*)$/;

/** `ufrag` or `pwd` from one line, or undefined when it is neither attribute. */
function readLine(line: string): { ufrag: string } | { pwd: string } | undefined {
  if (typeof line !== 'string') return undefined;
  const text = line.trim();
  const ufrag = UFRAG.exec(text);
  if (ufrag) return { ufrag: ufrag[1] as string };
  const pwd = PWD.exec(text);
  return pwd ? { pwd: pwd[1] as string } : undefined;
}

/**
 * Reads the `a=ice-ufrag:` and `a=ice-pwd:` attributes (RFC 8839 §5.4) out of
 * SDP text or lines and validates them with the same rules as the agent.
 * Other lines are ignored; when an attribute appears twice the last one wins.
 * @param sdp a whole SDP (any line endings) or its lines
 * @throws InvalidCredentialsError when either attribute is missing or invalid
 */
export function parseIceCredentials(sdp: string | Iterable<string>): IceCredentials {
  const lines = typeof sdp === 'string' ? sdp.split(/\r?\n/) : sdp;
  let ufrag: string | undefined;
  let pwd: string | undefined;
  for (const line of lines) {
    const read = readLine(line);
    if (read && 'ufrag' in read) ufrag = read.ufrag;
    else if (read) pwd = read.pwd;
  }
  if (ufrag === undefined) throw new InvalidCredentialsError('no a=ice-ufrag line');
  if (pwd === undefined) throw new InvalidCredentialsError('no a=ice-pwd line');
  return validateCredentials(ufrag, pwd);
}

/**
 * Collects `a=ice-ufrag:` and `a=ice-pwd:` lines from a stream of SDP lines
 * and emits the credentials once both are known; after that, once a new
 * ufrag and a new pwd have both arrived again (an ICE restart changes both,
 * RFC 8445 §9), in either order. A pair equal to the last one emitted is not
 * emitted again. Other lines are ignored. Invalid credentials error the stream
 * with `InvalidCredentialsError`.
 *
 * ```
 * lines$:               -u-x-p---P-U-|   x: another line; U, P: the restart's ufrag and pwd
 * fromSdpCredentials()  -----c-----C-|
 * ```
 *
 * @example
 * ```ts
 * import { fromSdpCredentials } from 'rx-ice/operators';
 *
 * remoteLines$.pipe(fromSdpCredentials()).subscribe(({ ufrag, pwd }) => agent.setRemoteCredentials(ufrag, pwd));
 * ```
 */
export function fromSdpCredentials(): OperatorFunction<string, IceCredentials> {
  return (source) =>
    new Observable<IceCredentials>((subscriber) => {
      let ufrag: string | undefined;
      let pwd: string | undefined;
      let last: IceCredentials | undefined;
      return source.subscribe({
        next: (line) => {
          const read = readLine(line);
          if (read === undefined) return;
          if ('ufrag' in read) ufrag = read.ufrag;
          else pwd = read.pwd;
          if (ufrag === undefined || pwd === undefined) return;
          const pair = { ufrag, pwd };
          ufrag = undefined;
          pwd = undefined;
          if (last && last.ufrag === pair.ufrag && last.pwd === pair.pwd) return;
          try {
            last = validateCredentials(pair.ufrag, pair.pwd);
          } catch (error) {
            subscriber.error(error);
            return;
          }
          subscriber.next(last);
        },
        error: (error) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
}
