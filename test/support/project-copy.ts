import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');
const BUILD_FILES = ['src', 'package.json', 'nest-cli.json', 'tsconfig.json', 'tsconfig.build.json', '.swcrc'];

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ProjectCopy {
  root: string;
  /** runs a command in the copy (npm scripts, node, a built binary) */
  run(file: string, args: string[], env?: Record<string, string>): Promise<RunResult>;
  /** `npm run build` in the copy: the same build production runs, into the copy's own dist/ */
  build(): Promise<void>;
  /** the built CLI, as `plugboard <args>` */
  cli(args: string[], env?: Record<string, string>): Promise<RunResult>;
  /** the built CLI as a process to signal or wait for */
  startCli(args: string[], env?: Record<string, string>): ChildProcess;
  remove(): void;
}

/**
 * A copy of the project in a temporary folder (node_modules linked, not copied), for tests that
 * build it or add files to it: they never touch the checkout's dist/ or src/, so they can run
 * beside other tests and other builds.
 */
export function copyProject(label: string, extra: readonly string[] = []): ProjectCopy {
  const root = mkdtempSync(join(tmpdir(), `pb-${label}-`));
  for (const f of [...BUILD_FILES, ...extra]) cpSync(join(ROOT, f), join(root, f), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  const run = (file: string, args: string[], env: Record<string, string> = {}) => new Promise<RunResult>((resolve) => {
    execFile(file, args, { cwd: root, env: { ...process.env, ...env }, maxBuffer: 32 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
  return {
    root,
    run,
    async build() {
      const r = await run('npm', ['run', '--silent', 'build']);
      if (r.code !== 0) throw new Error(`npm run build failed (${r.code}): ${r.stderr || r.stdout}`);
    },
    cli: (args, env) => run(process.execPath, [join(root, 'dist', 'cli.js'), ...args], env),
    startCli: (args, env = {}) => spawn(process.execPath, [join(root, 'dist', 'cli.js'), ...args], { cwd: root, env: { ...process.env, ...env } }),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
