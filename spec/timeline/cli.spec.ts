/**
 * The rx-ice-timeline command: in-process for its arguments, input and exit statuses, and once as
 * a process (through tsx) reading a trace piped to standard input. The packed command is run by
 * .ci/pack-test.sh.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Subscription } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../lib/index.js';
import { replaySession } from '../../lib/testing/index.js';
import { runTimelineCli, TIMELINE_USAGE, type TimelineCliIo } from '../../lib/timeline/cli-run.js';
import { byClass, findAll, parseMarkup } from '../helpers/markup.js';
import { tracedSession } from '../helpers/timeline-session.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const { a: trace } = tracedSession(6000);
const jsonl = trace.map((e) => JSON.stringify(e)).join('\n');

/** Runs the command in-process with `files` and `stdin`; returns its status and output. */
async function run(args: string[], files: Record<string, string> = {}, stdin?: string) {
  let stdout = '';
  let stderr = '';
  const io: TimelineCliIo = {
    readFile: async (path) => {
      const text = files[path];
      if (text === undefined) throw new Error(`ENOENT: no such file, open '${path}'`);
      return text;
    },
    readStdin: async () => stdin ?? '',
    stdinIsTty: stdin === undefined,
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
  };
  const status = await runTimelineCli(args, io);
  return { status, stdout, stderr };
}

describe('rx-ice-timeline', () => {
  it('draws a trace file: one mark per event, titled after the file', async () => {
    const out = await run(['session.jsonl'], { 'session.jsonl': jsonl });
    expect(out).toMatchObject({ status: 0, stderr: '' });
    const page = parseMarkup(out.stdout);
    expect(findAll(page, byClass('ev'))).toHaveLength(trace.length);
    expect(findAll(page, (n) => n.name === 'title')[0]?.text).toBe('rx-ice timeline: session.jsonl');
  });

  it("draws a session recording: replayed in virtual time, one mark per event of the replay's trace", async () => {
    const recording = readFileSync(resolve(ROOT, 'examples/fixtures/failed-session.jsonl'), 'utf8');
    const events: TraceEvent[] = [];
    let tracing: Subscription | undefined;
    replaySession(recording, {
      onAgent: (agent) => {
        tracing = agent.trace$.subscribe((e) => events.push(e));
      },
    }).agent.stop();
    tracing?.unsubscribe();
    expect(events.some((e) => e.type === 'check-sent')).toBe(true);
    expect(events.some((e) => e.type === 'connection-state' && e.state === 'failed')).toBe(true);
    const out = await run(['failed.jsonl'], { 'failed.jsonl': recording });
    expect(out).toMatchObject({ status: 0, stderr: '' });
    expect(findAll(parseMarkup(out.stdout), byClass('ev'))).toHaveLength(events.length);
    // A broken recording is the recording's error, with its line.
    const broken = await run(['bad.jsonl'], { 'bad.jsonl': `${recording.split('\n')[0]}\n{"k":"timer"}\n` });
    expect(broken.status).toBe(1);
    expect(broken.stderr).toMatch(/line 2/);
  });

  it('reads standard input when no file (or -) is given; --title and --break-after', async () => {
    for (const args of [[], ['-']]) {
      const out = await run([...args, '--title', 'piped', '--break-after', '60000'], {}, jsonl);
      expect(out.status).toBe(0);
      const page = parseMarkup(out.stdout);
      expect(findAll(page, byClass('ev'))).toHaveLength(trace.length);
      expect(findAll(page, (n) => n.name === 'title')[0]?.text).toBe('piped');
      expect(findAll(page, byClass('break'))).toHaveLength(0);
    }
  });

  it('an invalid line: status 1, nothing on stdout, the line named on stderr', async () => {
    const out = await run(['s.jsonl'], { 's.jsonl': `${jsonl}\n{"type":"check-sent"` });
    expect(out).toMatchObject({ status: 1, stdout: '' });
    expect(out.stderr).toMatch(new RegExp(`^rx-ice-timeline: s\\.jsonl, line ${trace.length + 1}: not JSON`));
  });

  it('unknown event types: drawn without them, and said on stderr', async () => {
    const out = await run(['s.jsonl'], { 's.jsonl': `${jsonl}\n{"type":"later","at":1,"generation":0}` });
    expect(out.status).toBe(0);
    expect(out.stderr).toBe('rx-ice-timeline: skipped 1 line(s) of unknown type "later"\n');
    expect(findAll(parseMarkup(out.stdout), byClass('ev'))).toHaveLength(trace.length);
  });

  it.each([
    [['--bogus'], 2, /unknown option --bogus/],
    [['a', 'b'], 2, /one trace file at most/],
    [['--break-after', '-5', 'a'], 2, /--break-after needs a positive number/],
    [['--title'], 2, /--title needs a value/],
    [[], 2, /no trace file given and nothing piped in/],
    [['missing.jsonl'], 1, /cannot read missing\.jsonl: ENOENT/],
  ])('%j: status %i', async (args, status, message) => {
    const out = await run(args);
    expect(out.status).toBe(status);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(message);
  });

  it('--help prints the usage on stdout', async () => {
    expect(await run(['--help'])).toEqual({ status: 0, stdout: TIMELINE_USAGE, stderr: '' });
  });

  it('as a process: a trace piped to standard input, the page on standard output', async () => {
    const tsx = resolve(ROOT, 'node_modules/.bin/tsx');
    const html = await new Promise<string>((done, fail) => {
      const child = execFile(
        tsx,
        ['lib/timeline/cli.ts'],
        { cwd: ROOT, timeout: 110_000 },
        (error, stdout) => (error ? fail(error) : done(stdout)),
      );
      child.stdin?.end(jsonl);
    });
    expect(findAll(parseMarkup(html), byClass('ev'))).toHaveLength(trace.length);
  }, 120_000);
});
