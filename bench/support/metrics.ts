/** An app's Prometheus text (`GET /metrics` on its metrics port, `url`). */
export async function fetchMetrics(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`);
  if (!res.ok) throw new Error(`${url}/metrics answered ${res.status}`);
  return res.text();
}

/** The sum of a metric's samples in Prometheus text, over the lines that contain `label` when given. */
export function metricValue(text: string, name: string, label?: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (label && !line.includes(label)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
