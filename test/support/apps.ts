import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export type AppName = 'api' | 'ingest' | 'batch';

export interface RunningApp {
  name: AppName;
  url: string;
  /** Prometheus' port (loopback): `${metricsUrl}/metrics`. */
  metricsUrl: string;
  process: ChildProcess;
  output: () => string;
  stop: () => Promise<number | null>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

const PORT_VAR: Record<AppName, string> = { api: 'API_PORT', ingest: 'INGEST_PORT', batch: 'BATCH_PORT' };
const METRICS_PORT_VAR: Record<AppName, string> = {
  api: 'API_METRICS_PORT',
  ingest: 'INGEST_METRICS_PORT',
  batch: 'BATCH_METRICS_PORT',
};

/**
 * Starts a built app as its own process (as in production) and waits until it is ready.
 * `instance` > 1 names the log of a further process of the same app (e.g. a second batch worker).
 */
export async function startApp(
  name: AppName,
  env: Record<string, string>,
  readyTimeoutMs = 30_000,
  instance = 1,
): Promise<RunningApp> {
  const port = await freePort();
  const metricsPort = await freePort();
  let out = '';
  // Each app's log is kept as a test artifact, for reading after a failure.
  mkdirSync(path.join(ROOT, 'test-artifacts'), { recursive: true });
  const logFile = createWriteStream(
    path.join(ROOT, 'test-artifacts', `${env.HC_KEY_PREFIX ?? 'app'}-${name}${instance > 1 ? `-${instance}` : ''}.log`),
  );
  const child = spawn(process.execPath, ['--enable-source-maps', `dist/apps/${name}/src/main.js`], {
    cwd: ROOT,
    // JSON logs whatever the developer's shell says: tests read them.
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      ...env,
      [PORT_VAR[name]]: String(port),
      [METRICS_PORT_VAR[name]]: String(metricsPort),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (d: Buffer) => {
    out += d;
    logFile.write(d);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  child.once('exit', () => logFile.end());
  const app: RunningApp = {
    name,
    url: `http://127.0.0.1:${port}`,
    metricsUrl: `http://127.0.0.1:${metricsPort}`,
    process: child,
    output: () => out,
    stop: () => stopProcess(child),
  };
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${out}`);
    const ok = await fetch(`${app.url}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return app;
    if (Date.now() > deadline) {
      await app.stop();
      throw new Error(`${name} not ready after ${readyTimeoutMs} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

export function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', (code) => {
      clearTimeout(killer);
      resolve(code);
    });
    child.kill(signal);
  });
}

/** Runs a built script to completion, returning its exit code and output. */
export function runNode(
  script: string,
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(process.execPath, [script], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** Whether each app still runs, and the end of its output (for a failure's message). */
export function appsReport(apps: RunningApp[]): string {
  return apps
    .map((a) => {
      const { exitCode, signalCode, pid } = a.process;
      const state = exitCode === null && signalCode === null ? 'running' : `exited (${exitCode ?? signalCode})`;
      return `${a.name} pid ${pid}: ${state}; output ends:\n${a.output().slice(-1500) || '(none)'}`;
    })
    .join('\n');
}
