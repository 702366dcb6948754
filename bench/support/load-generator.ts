import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PingBatchGenerator, pingsBody, WRK_PINGS_SCRIPT, type PingBatchSpec, type PingCounts } from './pings.js';
import { WRK_READY, WRK_START_LUA } from './wrk-start.js';

/** One load run: `connections` keep-alive connections, as fast as the server answers. */
export interface LoadSpec {
  /** Base URL of the server (`http://127.0.0.1:port`). */
  url: string;
  method: 'GET' | 'POST';
  path: string;
  /** One bearer token per line; every request picks one at random. */
  tokensFile: string;
  /** A JSON body sent with every request (POST). */
  body?: string;
  /**
   * Instead of `body`: a fresh batch of pings per request (POST /v1/pings), for a random user of
   * the tokens file (line i = user i), never repeating a (user, ts) within the run.
   */
  pingBatches?: PingBatchSpec;
  connections: number;
  durationSec: number;
  /**
   * Called once, when the load begins: after the generator's own set-up (wrk's Lua init, which
   * builds the ping batches ahead), with the pid of the generator's process when it runs apart
   * (wrk). What is measured "during the run" starts here.
   */
  onStart?: (loaderPid: number | null) => void;
}

export interface LoadResult {
  requests: number;
  durationSec: number;
  requestsPerSec: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Answers that were not 2xx/3xx. */
  non2xx: number;
  /** Connect, read and write errors and timeouts. */
  socketErrors: number;
  /** With `pingBatches`: what the 202 answers said, added up. */
  pings?: PingCounts;
}

export interface LoadGenerator {
  name: string;
  version: string;
  /** A line for the report: the tool and how it drives the load. */
  describe(connections: number, pingBatches?: boolean): string;
  run(spec: LoadSpec): Promise<LoadResult>;
  /** Stops every run in progress (on Ctrl-C or SIGTERM); runs may go on at once (the soak reads and posts together). */
  abort(): void;
}

/**
 * Ping batches wrk builds before its clock starts, per second of the run (more are built as they
 * are sent): above the rate the ingest app reaches on 2 cores (up to ~6,000 requests/s in a
 * 5 s round), at ~2.4 kB each.
 */
const REQUESTS_AHEAD_PER_SEC = 8_000;
const MAX_REQUESTS_AHEAD = 200_000;

// wrk: picks a random token per request; reports as JSON on one marked line. Args: tokens file,
// method, path, body file (or ''), thread count, start file (bench/support/wrk-start.ts).
const WRK_SCRIPT = `${WRK_START_LUA}
local tokens, method, path, body, headers = {}, nil, nil, nil, nil
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
end
function init(args)
  method, path = args[2], args[3]
  if args[4] and #args[4] > 0 then
    local f = io.open(args[4], "rb"); body = f:read("*a"); f:close()
  end
  for line in io.lines(args[1]) do
    if #line > 0 then tokens[#tokens + 1] = "Bearer " .. line end
  end
  math.randomseed(os.time() * 1000 + (tid or 0) * 7919)
  headers = {}
  if body then headers["Content-Type"] = "application/json" end
  arrive(args[6], tid == tonumber(args[5]))
end
function request()
  if not started then holdUntilStart(tid == 1) end
  headers["Authorization"] = tokens[math.random(#tokens)]
  return wrk.format(method, path, headers, body)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"durationUs":%d,"p50":%d,"p90":%d,"p99":%d,"max":%d,"status":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, e.status, e.connect, e.read, e.write, e.timeout))
end
`;

function which(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** Installs wrk from the OS packages when it is missing and we may (root, apt-get). */
function ensureWrk(log: (m: string) => void): string | null {
  const found = which('wrk');
  if (found) return found;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !which('apt-get')) {
    log('wrk is not installed (and cannot be installed here: needs root and apt-get)');
    return null;
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // Another apt run (another engineer's set-up) may hold the lock for a while: wait for it.
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '--no-install-recommends', '-o', 'DPkg::Lock::Timeout=300', 'wrk'], {
      env,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  log('wrk is not installed; installing it with apt-get');
  if (install().status !== 0) {
    log('apt-get install wrk failed; running apt-get update and retrying');
    spawnSync('apt-get', ['update', '-o', 'DPkg::Lock::Timeout=300'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    if (install().status !== 0) return null;
  }
  return which('wrk');
}

class WrkLoadGenerator implements LoadGenerator {
  readonly name = 'wrk';
  private readonly threads: number;
  private readonly current = new Set<ChildProcess>();
  private runs = 0;

  constructor(
    private readonly bin: string,
    readonly version: string,
    private readonly scriptFile: string,
  ) {
    // wrk shares the machine with the servers it measures: half the cores at most, 4 at most.
    this.threads = Math.max(1, Math.min(4, Math.floor(os.availableParallelism() / 2)));
  }

  describe(connections: number, pingBatches = false): string {
    const threads = this.threadsFor(connections);
    return `wrk ${this.version} (${threads} thread${threads > 1 ? 's' : ''}, ${connections} connections, Lua: ${pingBatches ? 'a fresh ping batch' : 'random token'} per request)`;
  }

  abort(): void {
    for (const child of this.current) child.kill('SIGKILL');
  }

  /** wrk needs a connection per thread at least. */
  private threadsFor(connections: number): number {
    return Math.min(this.threads, connections);
  }

  async run(spec: LoadSpec): Promise<LoadResult> {
    const threads = this.threadsFor(spec.connections);
    // Made by the last thread's init, removed after the run (bench/support/wrk-start.ts).
    const startFile = `${this.scriptFile}.start-${process.pid}-${++this.runs}`;
    rmSync(startFile, { force: true });
    let script = this.scriptFile;
    let scriptArgs: string[];
    if (spec.pingBatches) {
      const b = spec.pingBatches;
      script = path.join(path.dirname(this.scriptFile), 'ping-batches.lua');
      writeFileSync(script, WRK_PINGS_SCRIPT);
      const ahead = Math.min(MAX_REQUESTS_AHEAD, spec.durationSec * REQUESTS_AHEAD_PER_SEC);
      scriptArgs = [
        spec.tokensFile,
        spec.method,
        spec.path,
        b.cellsFile,
        String(b.size),
        String(b.newestMs),
        String(b.stepMs),
        String(threads),
        String(ahead),
        startFile,
      ];
    } else scriptArgs = [...this.bodyArgs(spec), String(threads), startFile];
    const args = [
      '-t',
      String(threads),
      '-c',
      String(spec.connections),
      '-d',
      `${spec.durationSec}s`,
      '--timeout',
      '5s',
      '-s',
      script,
      spec.url,
      '--',
      ...scriptArgs,
    ];
    try {
      return await this.runWrk(args, threads, spec.onStart);
    } finally {
      rmSync(startFile, { force: true });
    }
  }

  private bodyArgs(spec: LoadSpec): string[] {
    let bodyFile = '';
    if (spec.body !== undefined) {
      bodyFile = `${this.scriptFile}.body-${process.pid}.json`;
      writeFileSync(bodyFile, spec.body);
    }
    return [spec.tokensFile, spec.method, spec.path, bodyFile];
  }

  /** Runs wrk; `onStart` once every thread's init has said WRK_READY on stderr (unbuffered, unlike stdout). */
  private async runWrk(
    args: string[],
    threads: number,
    onStart?: (loaderPid: number | null) => void,
  ): Promise<LoadResult> {
    const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
      const child = spawn(this.bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      this.current.add(child);
      let out = '';
      let err = '';
      let started = false;
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => {
        out += d;
        if (started) return;
        err += d;
        if (err.split(WRK_READY).length > threads) {
          started = true;
          onStart?.(child.pid ?? null);
        }
      });
      child.on('error', reject);
      child.on('close', (c) => {
        this.current.delete(child);
        resolve({ code: c, out });
      });
    });
    const line = out.split('\n').find((l) => l.startsWith('WRK_JSON '));
    if (code !== 0 || !line) throw new Error(`wrk failed (exit ${code}):\n${out}`);
    const r = JSON.parse(line.slice('WRK_JSON '.length)) as Record<string, number>;
    const durationSec = r.durationUs / 1e6;
    return {
      requests: r.requests,
      durationSec,
      requestsPerSec: r.requests / durationSec,
      p50Ms: r.p50 / 1000,
      p90Ms: r.p90 / 1000,
      p99Ms: r.p99 / 1000,
      maxMs: r.max / 1000,
      non2xx: r.status,
      socketErrors: r.connect + r.read + r.write + r.timeout,
      ...(r.answers !== undefined
        ? { pings: { answers: r.answers, accepted: r.accepted, late: r.late, rejected: r.rejected } }
        : {}),
    };
  }
}

class AutocannonLoadGenerator implements LoadGenerator {
  readonly name = 'autocannon';
  private tokens: { file: string; list: string[] } | null = null;
  private readonly current = new Set<{ stop: () => void }>();

  constructor(readonly version: string) {}

  describe(connections: number): string {
    return `autocannon ${this.version} (in the bench process, ${connections} connections, random token per request)`;
  }

  abort(): void {
    for (const run of this.current) run.stop();
  }

  async run(spec: LoadSpec): Promise<LoadResult> {
    const { default: autocannon } = await import('autocannon');
    if (this.tokens?.file !== spec.tokensFile) {
      const list = readFileSync(spec.tokensFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((t) => `Bearer ${t}`);
      this.tokens = { file: spec.tokensFile, list };
    }
    const tokens = this.tokens.list;
    const headers: Record<string, string> =
      spec.body !== undefined || spec.pingBatches ? { 'content-type': 'application/json' } : {};
    const pings: PingCounts = { answers: 0, accepted: 0, late: 0, rejected: 0 };
    let batches: PingBatchGenerator | null = null;
    if (spec.pingBatches) {
      const cells = readFileSync(spec.pingBatches.cellsFile, 'utf8').split('\n').filter(Boolean);
      batches = new PingBatchGenerator(spec.pingBatches, cells, tokens.length);
    }
    const instance = autocannon({
      url: spec.url,
      connections: spec.connections,
      duration: spec.durationSec,
      timeout: 5,
      requests: [
        {
          method: spec.method,
          path: spec.path,
          ...(spec.body !== undefined ? { body: spec.body } : {}),
          setupRequest: (req) => {
            if (!batches)
              return {
                ...req,
                headers: { ...headers, authorization: tokens[Math.floor(Math.random() * tokens.length)] },
              };
            const user = batches.randomUser();
            return {
              ...req,
              body: pingsBody(batches.next(user)),
              headers: { ...headers, authorization: tokens[user - 1] },
            };
          },
          ...(batches
            ? {
                onResponse: (status: number, body: string) => {
                  if (status !== 202) return;
                  const a = JSON.parse(body) as { accepted?: number; late?: number; rejected?: number };
                  pings.answers++;
                  pings.accepted += a.accepted ?? 0;
                  pings.late += a.late ?? 0;
                  pings.rejected += a.rejected ?? 0;
                },
              }
            : {}),
        },
      ],
    });
    spec.onStart?.(null);
    // A thenable EventEmitter with stop() (autocannon's promise form); it has no finally().
    const running = instance as unknown as { stop: () => void };
    this.current.add(running);
    let r: Awaited<typeof instance>;
    try {
      r = await instance;
    } finally {
      this.current.delete(running);
    }
    const requests = r['1xx'] + r['2xx'] + r['3xx'] + r['4xx'] + r['5xx'];
    return {
      requests,
      durationSec: r.duration,
      requestsPerSec: requests / r.duration,
      p50Ms: r.latency.p50,
      p90Ms: r.latency.p90,
      p99Ms: r.latency.p99,
      maxMs: r.latency.max,
      non2xx: r.non2xx,
      socketErrors: r.errors,
      ...(batches ? { pings } : {}),
    };
  }
}

/**
 * wrk when it is there or can be installed (it drives far more load per core than a Node
 * client, so it disturbs the measured servers less); autocannon otherwise, or when asked.
 */
export function chooseLoadGenerator(opts: {
  prefer: 'wrk' | 'autocannon' | null;
  workDir: string;
  root: string;
  log: (m: string) => void;
}): LoadGenerator {
  if (opts.prefer !== 'autocannon') {
    const bin = ensureWrk(opts.log);
    if (bin) {
      const scriptFile = path.join(opts.workDir, 'random-token.lua');
      writeFileSync(scriptFile, WRK_SCRIPT);
      const v = spawnSync(bin, ['--version'], { encoding: 'utf8' });
      const version = /wrk ([^\s]+)/.exec(`${v.stdout}${v.stderr}`)?.[1] ?? 'unknown';
      return new WrkLoadGenerator(bin, version, scriptFile);
    }
    if (opts.prefer === 'wrk') throw new Error('--loader wrk was asked for, but wrk is not available');
    opts.log('falling back to autocannon');
  }
  const pkg = JSON.parse(readFileSync(path.join(opts.root, 'node_modules/autocannon/package.json'), 'utf8')) as {
    version: string;
  };
  return new AutocannonLoadGenerator(pkg.version);
}
