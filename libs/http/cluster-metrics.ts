import { AggregatorRegistry } from 'prom-client';
import { serveMetrics } from './metrics-server.js';

/**
 * The primary of a clustered app serves the metrics port itself, for every worker at once:
 * prom-client's AggregatorRegistry asks each worker for its registry over the cluster's IPC and
 * merges the answers, so one scrape sees the whole process group.
 */
export async function servePrimaryMetrics(host: string, port: number): Promise<void> {
  const aggregator = new AggregatorRegistry();
  await serveMetrics(host, port, () => aggregator.clusterMetrics());
}

/** In every worker, at start: answer the primary's requests for this worker's metrics. */
export function answerPrimaryMetrics(): void {
  new AggregatorRegistry(); // its constructor installs prom-client's worker-side listener
}
