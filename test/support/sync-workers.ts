import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { UpstreamPolicy } from '../../src/core/upstream';
import type { TestConnection } from './test-connections';

const ROOT = join(__dirname, '../..');

/** Sync worker processes (test/support/sync-worker.child.ts) on one database and Redis prefix; killAll() in afterAll. */
export class SyncWorkers {
  private readonly children: ChildProcess[] = [];

  /** lockMs: SYNC_JOB_LOCK_MS, short (the default, 2 s) where a test needs a killed worker's job taken over quickly */
  constructor(private readonly env: { dbUrl: string; redisPrefix: string; policy?: Partial<UpstreamPolicy>; lockMs?: number }) {}

  /** Boots a worker with these connections; resolves once it consumes the queue. */
  start(connections: TestConnection[], label: string): Promise<ChildProcess> {
    const child = spawn(process.execPath, ['-r', './test/support/swc-register.js', 'test/support/sync-worker.child.ts'], {
      cwd: ROOT,
      env: {
        ...process.env, SYNC_TEST_DB_URL: this.env.dbUrl, SYNC_TEST_REDIS_PREFIX: this.env.redisPrefix, SYNC_JOB_LOCK_MS: String(this.env.lockMs ?? 2000),
        SYNC_TEST_CONNECTIONS: JSON.stringify(connections), SYNC_TEST_UPSTREAM_POLICY: JSON.stringify(this.env.policy ?? {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.children.push(child);
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    return new Promise((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve(child));
      child.on('exit', (code, signal) => reject(new Error(`worker ${label} exited (${code ?? signal}) before it was ready: ${err.slice(-2000)}`)));
    });
  }

  async kill(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async killAll(): Promise<void> {
    await Promise.all(this.children.map((c) => this.kill(c)));
  }
}

export interface ProxiedCall {
  method: string;
  path: string;
  query: URLSearchParams;
  at: number;
}

/** Forwards everything to `target` and keeps each call, so a test can tell which process made it. */
export async function recordingProxy(target: string): Promise<{ url: string; calls: ProxiedCall[]; close(): Promise<void> }> {
  const calls: ProxiedCall[] = [];
  const t = new URL(target);
  const server: Server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', target);
    calls.push({ method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, at: Date.now() });
    const up = httpRequest({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

/** Polls `read` until `done` holds for its value, failing with the last value after `ms`. */
export async function pollUntil<T>(read: () => Promise<T>, done: (v: T) => boolean, ms: number, what: string, everyMs = 50): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() > end) throw new Error(`${what} did not happen within ${ms} ms; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
