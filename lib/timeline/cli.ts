#!/usr/bin/env node
/**
 * The `rx-ice-timeline` command (the package's `bin`): a trace in JSON lines to an HTML timeline.
 * @internal
 * @module
 */
import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { runTimelineCli } from './cli-run.js';

process.exitCode = await runTimelineCli(process.argv.slice(2), {
  readFile: (path) => readFile(path, 'utf8'),
  readStdin: () => text(process.stdin),
  stdinIsTty: process.stdin.isTTY === true,
  stdout: (out) => process.stdout.write(out),
  stderr: (out) => process.stderr.write(out),
});
