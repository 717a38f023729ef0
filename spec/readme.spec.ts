/**
 * README code is code: every ```ts block of README.md is type-checked, strict, as a module of its
 * own that imports the package by its public names (mapped to the sources by tsconfig.json's
 * `paths`), and the blocks marked to run are run and must exit on their own.
 *
 * Conventions, as HTML comments (invisible on GitHub) on the lines right before a fence:
 * - `<!-- prelude: CODE -->`: CODE goes before the block, for names a snippet takes from the app
 *   around it (`declare const agent: IceAgent;`). Prefer self-contained blocks.
 * - `<!-- run -->`: the block is also run (with tsx) and must finish on its own, leaving no socket
 *   or timer open, within 20 s.
 *
 * All blocks go into one TypeScript program (in memory, under .readme-blocks/ of the repository so
 * that node_modules and `paths` resolve as for any file here), so the check costs one program.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** One fenced ```ts block of a Markdown file. */
interface Block {
  /** 1-based line of the block's first code line in the Markdown file. */
  readonly line: number;
  readonly code: string;
  readonly prelude: string;
  readonly run: boolean;
}

/** A ```ts fence with the HTML comments on the lines right above it. */
const FENCE = /((?:^<!--[\s\S]*?-->[ \t]*\n)*)^```ts[ \t]*\n([\s\S]*?)^```[ \t]*$/gm;

/** The ```ts blocks of `markdown`, with their prelude and run comments. */
function tsBlocks(markdown: string): Block[] {
  return [...markdown.matchAll(FENCE)].map((m) => {
    const comments = m[1] ?? '';
    const codeStart = m.index + m[0].indexOf('```ts') + m[0].slice(m[0].indexOf('```ts')).indexOf('\n') + 1;
    return {
      line: markdown.slice(0, codeStart).split('\n').length,
      code: (m[2] ?? '').replace(/\n$/, ''),
      prelude: [...comments.matchAll(/<!--\s*prelude:([\s\S]*?)-->/g)].map((p) => p[1]?.trim()).join('\n'),
      run: /<!--\s*run\s*-->/.test(comments),
    };
  });
}

/** What a block becomes: prelude, a line break, the code, and an export so each is a module. */
const source = (b: Block): string => `${b.prelude}\n${b.code}\nexport {};\n`;
const preludeLines = (b: Block): number => b.prelude.split('\n').length;

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const blocks = tsBlocks(readme);
const fileName = (b: Block): string => join(ROOT, '.readme-blocks', `readme-line-${b.line}.ts`);

/** A block that must not type-check: proves a broken block fails. */
const CANARY: Block = { line: 0, code: "const n: number = 'not a number';", prelude: '', run: false };

/** Type-checks every block (and the canary) in one program; diagnostics per file name. */
function typeCheck(all: readonly Block[]): Map<string, string[]> {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(ROOT, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (config === undefined) throw new Error('tsconfig.json could not be read');
  const options: ts.CompilerOptions = {
    ...config.options,
    noEmit: true,
    declaration: false,
    sourceMap: false,
  };
  const files = new Map(all.map((b) => [fileName(b), source(b)]));
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (f) => files.has(f) || fileExists.call(host, f);
  host.readFile = (f) => files.get(f) ?? readFile.call(host, f);
  host.getSourceFile = (f, language, ...rest) => {
    const text = files.get(f);
    return text === undefined
      ? getSourceFile.call(host, f, language, ...rest)
      : ts.createSourceFile(f, text, language, true);
  };
  const program = ts.createProgram([...files.keys()], options, host);
  const result = new Map<string, string[]>();
  for (const b of all) {
    const file = program.getSourceFile(fileName(b));
    if (file === undefined) throw new Error(`${fileName(b)} missing from the program`);
    const diagnostics = [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)];
    result.set(
      fileName(b),
      diagnostics.map((d) => {
        const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
        if (d.start === undefined) return text;
        const line = file.getLineAndCharacterOfPosition(d.start).line; // 0-based in the source
        const where =
          line < preludeLines(b)
            ? `README.md:${b.line - 1} (prelude)`
            : `README.md:${b.line + line - preludeLines(b)}`;
        return `${where}: ${text}`;
      }),
    );
  }
  return result;
}

/**
 * Runs the blocks one after the other in one tsx process (one start-up, one transform of the
 * sources): each block is imported, then must leave no handle open (socket, timer, ...) within
 * 20 s, which is what "the program exits on its own" means, and throw nothing meanwhile.
 * Resolves to 'ok' or the failure for each block's line.
 */
async function runBlocks(run: readonly Block[]): Promise<Map<number, string>> {
  // Under the repository so tsx resolves `rx-ice` through tsconfig.json's paths.
  const dir = mkdtempSync(join(ROOT, '.readme-run-'));
  try {
    const files = run.map((b) => {
      const file = join(dir, `readme-line-${b.line}.ts`);
      writeFileSync(file, source(b));
      return [b.line, file] as const;
    });
    const harness = join(dir, 'harness.ts');
    writeFileSync(
      harness,
      `const blocks: [number, string][] = ${JSON.stringify(files)};
const resources = () => process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap' && r !== 'PipeWrap');
const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let failure: unknown;
process.on('uncaughtException', (e) => { failure ??= e; });
process.on('unhandledRejection', (e) => { failure ??= e; });
await tick(0);
const idle = resources();
/** What is open beyond what was open before any block ran (start-up handles may close later). */
const open = () => {
  const left = [...idle];
  return resources().filter((r) => { const i = left.indexOf(r); if (i < 0) return true; left.splice(i, 1); return false; }).join();
};
for (const [line, file] of blocks) {
  failure = undefined;
  const started = Date.now();
  try {
    await import(file);
    while (open() !== '' && failure === undefined && Date.now() - started < 20_000) await tick(20);
    if (failure === undefined && open() !== '') failure = 'still running after 20 s: ' + open();
  } catch (e) {
    failure = e;
  }
  console.log(JSON.stringify([line, failure === undefined ? 'ok' : String((failure as Error)?.stack ?? failure)]));
  if (open() !== '') process.exit(1);
}
`,
    );
    const child = spawn(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), harness], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
    await new Promise((resolve) => child.on('close', resolve));
    clearTimeout(timer);
    const results = new Map<number, string>();
    for (const line of stdout.split('\n')) {
      if (!line.startsWith('[')) continue;
      const [at, result] = JSON.parse(line) as [number, string];
      results.set(at, result);
    }
    for (const b of run) if (!results.has(b.line)) results.set(b.line, `not run; tsx said:\n${stderr}`);
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('README.md code blocks', () => {
  let diagnostics: Map<string, string[]>;
  beforeAll(() => {
    diagnostics = typeCheck([...blocks, CANARY]);
  }, 60_000);

  it('finds the ```ts blocks', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(10);
  });

  it('fails a block that does not type-check', () => {
    expect(diagnostics.get(fileName(CANARY))).toEqual([
      expect.stringContaining("Type 'string' is not assignable to type 'number'"),
    ]);
  });

  it.each(blocks.map((b) => [b.line, b] as const))('block at README.md:%i type-checks', (_line, block) => {
    expect(diagnostics.get(fileName(block))).toEqual([]);
  });

  describe('runnable blocks exit on their own', () => {
    const runnable = blocks.filter((b) => b.run);
    let results: Map<number, string>;
    beforeAll(async () => {
      results = await runBlocks(runnable);
    }, 120_000);

    it('has runnable blocks', () => {
      expect(runnable.length).toBeGreaterThanOrEqual(3);
    });

    it.each(runnable.map((b) => [b.line, b] as const))('block at README.md:%i', (line) => {
      expect(results.get(line)).toBe('ok');
    });
  });
});
