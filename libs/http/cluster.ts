import cluster, { type Worker } from 'node:cluster';
import { answerPrimaryMetrics, servePrimaryMetrics } from './cluster-metrics.js';

// A worker that dies this soon after it started is failing to start, not crashing in service.
const EARLY_EXIT_MS = 5_000;

/**
 * Runs `startWorker` in `workers` processes sharing the listening port (node:cluster), one per
 * core being the usual choice: Node serves one request at a time per process. The primary only
 * supervises: it restarts a worker that crashed, serves the metrics port for all workers, and on
 * SIGTERM/SIGINT passes the signal on and exits when every worker has drained.
 */
export async function runClustered(
  workers: number,
  name: string,
  startWorker: () => Promise<unknown>,
  metrics: { host: string; port: number },
): Promise<void> {
  if (workers <= 1 || !cluster.isPrimary) {
    if (cluster.isWorker) answerPrimaryMetrics();
    await startWorker();
    return;
  }
  await servePrimaryMetrics(metrics.host, metrics.port);
  let stopping = false;
  const startedAt = new Map<Worker, number>();
  const fork = () => startedAt.set(cluster.fork(), Date.now());
  for (let i = 0; i < workers; i++) fork();
  cluster.on('exit', (worker, code, signal) => {
    const early = Date.now() - (startedAt.get(worker) ?? 0) < EARLY_EXIT_MS;
    startedAt.delete(worker);
    if (stopping) {
      if (!startedAt.size) process.exit(0);
      return;
    }
    if (early) {
      console.error(`${name}: a worker failed at start-up (${code ?? signal}); stopping`);
      stopping = true;
      for (const w of startedAt.keys()) w.process.kill('SIGTERM');
      process.exitCode = code ?? 1;
      if (!startedAt.size) process.exit(process.exitCode);
      return;
    }
    console.error(`${name}: worker ${worker.process.pid} exited (${code ?? signal}); starting another`);
    fork();
  });
  const stop = () => {
    stopping = true;
    for (const w of startedAt.keys()) w.process.kill('SIGTERM');
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
