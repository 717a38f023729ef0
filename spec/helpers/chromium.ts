/**
 * Headless Chromium (Debian's `chromium` package) for tests that look at a page as a browser
 * shows it: its DOM after parsing, and a screenshot.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where Chromium is: `$CHROMIUM`, else /usr/bin/chromium; undefined when it is not there. */
export function findChromium(): string | undefined {
  const path = process.env.CHROMIUM || '/usr/bin/chromium';
  try {
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    return undefined;
  }
}

/**
 * Runs headless Chromium with `args` on a profile of its own (other Chromiums may run on the
 * machine) and resolves to its standard output; a failure or a 100 s hang rejects.
 */
export async function runChromium(chromium: string, args: readonly string[]): Promise<string> {
  const profile = mkdtempSync(join(tmpdir(), 'rx-ice-chromium-'));
  try {
    return await new Promise<string>((done, fail) => {
      execFile(
        chromium,
        [
          '--headless',
          '--disable-gpu',
          '--no-sandbox',
          '--no-first-run',
          '--hide-scrollbars',
          `--user-data-dir=${profile}`,
          ...args,
        ],
        { timeout: 100_000, maxBuffer: 64 * 1024 * 1024 },
        (error, stdout, stderr) =>
          error ? fail(new Error(`${chromium} failed: ${error.message}\n${stderr}`)) : done(stdout),
      );
    });
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}
