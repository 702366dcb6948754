import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { AggregatorRegistry, register } from 'prom-client';

const ASK = 'hc:metrics';
const TIMEOUT_MS = 5_000;

/**
 * Prometheus metrics of every worker of a clustered app, so that `/metrics` answers for the whole
 * process group whichever worker gets the scrape: the worker asks the primary, which gathers all
 * workers' registries (prom-client's AggregatorRegistry) and answers.
 */
export function servePrimaryMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, msg: { type?: string; id?: string }) => {
    if (msg?.type !== ASK) return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: ASK, id: msg.id, text }),
      (err: Error) => worker.send({ type: ASK, id: msg.id, error: err.message }),
    );
  });
}

/** In every worker, at start: answer the primary's requests for this worker's metrics. */
export function answerPrimaryMetrics(): void {
  new AggregatorRegistry(); // its constructor installs prom-client's worker-side listener
}

/** This process's metrics, or the whole cluster's when it is a worker. */
export async function currentMetrics(): Promise<string> {
  if (!cluster.isWorker || !process.send) return register.metrics();
  const id = randomUUID();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error('the primary did not answer with metrics')), TIMEOUT_MS);
    const onMessage = (msg: { type?: string; id?: string; text?: string; error?: string }) => {
      if (msg?.type === ASK && msg.id === id) done(msg.error ? new Error(msg.error) : null, msg.text);
    };
    const done = (err: Error | null, text?: string) => {
      clearTimeout(timer);
      process.off('message', onMessage);
      if (err) reject(err);
      else resolve(text ?? '');
    };
    process.on('message', onMessage);
    process.send!({ type: ASK, id });
  });
}
