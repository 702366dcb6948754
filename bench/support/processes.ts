import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface RunningProcess {
  name: string;
  url: string;
  port: number;
  /** An app's Prometheus port (`${metricsUrl}/metrics`); null for other processes. */
  metricsUrl: string | null;
  process: ChildProcess;
  /** The last lines the process printed (for error messages). */
  tail: () => string;
  stop: () => Promise<void>;
}

export interface StartOptions {
  /** Display name, also the log file's name. */
  name: string;
  /** A built script, relative to the project root (e.g. `dist/apps/api/src/main.js`). */
  script: string;
  env: Record<string, string>;
  /** The variable that carries the listen port (API_PORT, PORT, ...). */
  portVar: string;
  /** The variable that carries an app's metrics port (API_METRICS_PORT, ...), if it has one. */
  metricsPortVar?: string;
  /** Polled until it answers 200. */
  readyPath: string;
  readyTimeoutMs?: number;
  /** Node options before the script (e.g. a preloaded module). */
  nodeArgs?: string[];
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** The V8 flags an app is started with in production (package.json `appNodeArgs`). */
function appNodeArgs(root: string, app: string): string[] {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    appNodeArgs?: Record<string, string[]>;
  };
  return pkg.appNodeArgs?.[app] ?? [];
}

/** SIGTERM, then SIGKILL if it is still there after `graceMs`. */
export function stopChild(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Starts processes for the scenarios and remembers them, so the runner can stop whatever a
 * failing scenario left behind. Logs go to `<logDir>/<name>.log`.
 */
export class ProcessStarter {
  private readonly running = new Set<RunningProcess>();
  private closed = false;

  constructor(
    private readonly root: string,
    private readonly logDir: string,
  ) {}

  /**
   * One of the project's apps (`api`, `ingest`, `batch`), built, as it runs in production (with
   * its V8 flags from package.json's `appNodeArgs`, as `npm start` gives them); `name` names its log.
   */
  startApp(
    app: 'api' | 'ingest' | 'batch',
    env: Record<string, string>,
    name: string = app,
    nodeArgs: string[] = [],
  ): Promise<RunningProcess> {
    const portVar = { api: 'API_PORT', ingest: 'INGEST_PORT', batch: 'BATCH_PORT' }[app];
    return this.start({
      name,
      script: `dist/apps/${app}/src/main.js`,
      env,
      portVar,
      metricsPortVar: `${portVar.slice(0, -'PORT'.length)}METRICS_PORT`,
      readyPath: '/health/ready',
      nodeArgs: [...appNodeArgs(this.root, app), ...nodeArgs],
    });
  }

  /** Runs `work` with one of the apps started for it (startApp), and stops the app after, also on a failure. */
  async withApp<T>(
    app: 'api' | 'ingest' | 'batch',
    env: Record<string, string>,
    name: string,
    work: (proc: RunningProcess) => Promise<T>,
  ): Promise<T> {
    const proc = await this.startApp(app, env, name);
    try {
      return await work(proc);
    } finally {
      await proc.stop();
    }
  }

  async start(opts: StartOptions): Promise<RunningProcess> {
    const port = await freePort();
    const metricsPort = opts.metricsPortVar ? await freePort() : null;
    if (this.closed) throw new Error(`not starting ${opts.name}: the bench is stopping`);
    mkdirSync(this.logDir, { recursive: true });
    const logFile = createWriteStream(path.join(this.logDir, `${opts.name}.log`));
    let out = '';
    // HC_BENCH_CPU_PROF=<dir>: each app process (and cluster worker) writes a V8 CPU profile there when it exits.
    const profile = process.env.HC_BENCH_CPU_PROF
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.HC_BENCH_CPU_PROF}`]
      : [];
    const child = spawn(process.execPath, ['--enable-source-maps', ...profile, ...(opts.nodeArgs ?? []), opts.script], {
      cwd: this.root,
      env: {
        ...process.env,
        ...opts.env,
        [opts.portVar]: String(port),
        ...(opts.metricsPortVar ? { [opts.metricsPortVar]: String(metricsPort) } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (d: Buffer) => {
      out = (out + d.toString()).slice(-8_000);
      logFile.write(d);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('exit', () => logFile.end());
    const proc: RunningProcess = {
      name: opts.name,
      url: `http://127.0.0.1:${port}`,
      port,
      metricsUrl: metricsPort === null ? null : `http://127.0.0.1:${metricsPort}`,
      process: child,
      tail: () => out,
      stop: async () => {
        await stopChild(child);
        this.running.delete(proc);
      },
    };
    this.running.add(proc);

    const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        this.running.delete(proc);
        throw new Error(`${opts.name} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${out}`);
      }
      const ok = await fetch(`${proc.url}${opts.readyPath}`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return proc;
      if (Date.now() > deadline) {
        await proc.stop();
        throw new Error(`${opts.name} not ready after ${opts.readyTimeoutMs ?? 60_000} ms:\n${out}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running].map((p) => p.stop()));
  }

  /** Stops everything and starts nothing more (on a signal). */
  async close(): Promise<void> {
    this.closed = true;
    await this.stopAll();
  }
}
