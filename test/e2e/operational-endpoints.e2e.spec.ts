import net from 'node:net';
import { networkInterfaces } from 'node:os';
import { loginAdmin, registerUsers } from '../support/admin.js';
import { call } from '../support/http.js';
import { startSystem, type TestSystem } from '../support/system.js';

/** Whether a TCP connection to host:port is taken or refused. */
function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** An address of this machine that is not loopback, if it has one. */
const outsideAddress = (): string | undefined =>
  Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

/**
 * What the public port does not offer: Prometheus' metrics (a scrape runs queries) are on a port
 * of their own, on loopback by default; the public OpenAPI document leaves the admin API out,
 * which is documented to admins only.
 */
describe('operational endpoints', () => {
  let sys: TestSystem;
  const apps = ['api', 'ingest', 'batch'] as const;

  beforeAll(async () => {
    sys = await startSystem('ops_endpoints', [...apps]);
  }, 90_000);

  afterAll(async () => {
    await sys?.stop();
  });

  it.each(apps)('%s serves its metrics on the metrics port, not on the public one', async (app) => {
    expect((await call('GET', `${sys.url(app)}/metrics`)).status).toBe(404);
    const scrape = await fetch(`${sys.metricsUrl(app)}/metrics`);
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toContain('text/plain');
    expect(await scrape.text()).toContain(`app="${app}"`);
    // Nothing else there: no health, no API.
    expect((await fetch(`${sys.metricsUrl(app)}/health/ready`)).status).toBe(404);
  });

  it('listens for metrics on loopback only, by default', async () => {
    const address = outsideAddress();
    if (!address) return console.warn('no address but loopback on this machine: the binding is not checked');
    for (const app of apps) {
      const port = Number(new URL(sys.metricsUrl(app)).port);
      expect({ app, loopback: await connects('127.0.0.1', port), outside: await connects(address, port) }).toEqual({
        app,
        loopback: true,
        outside: false,
      });
    }
    // The public port, for comparison, is reachable from outside.
    expect(await connects(address, Number(new URL(sys.url('api')).port))).toBe(true);
  });

  it('keeps the admin API out of the public OpenAPI document', async () => {
    const doc = (await call('GET', `${sys.url('api')}/docs-json`)).body;
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/users', '/v1/codes/me']));
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/v1/admin'))).toEqual([]);
    // Nor the admin API's bodies.
    expect(Object.keys(doc.components.schemas)).not.toEqual(expect.arrayContaining(['LoginRequest']));
    expect(Object.keys(doc.components.schemas)).not.toEqual(expect.arrayContaining(['SetCodeRequest']));
  });

  it('documents the admin API to admins and reviewers only', async () => {
    const url = `${sys.url('api')}/v1/admin/docs-json`;
    const [user] = await registerUsers(sys, 1);
    expect((await call('GET', url)).status).toBe(401);
    expect((await call('GET', url, { token: user.token })).status).toBe(403);
    const doc = await call('GET', url, { token: (await loginAdmin(sys)).token });
    expect(doc.status).toBe(200);
    const paths = Object.keys(doc.body.paths);
    expect(paths).toEqual(expect.arrayContaining(['/v1/admin/sessions', '/v1/admin/code-changes']));
    expect(paths.filter((p) => !p.startsWith('/v1/admin/'))).toEqual([]);
    expect(Object.keys(doc.body.components.schemas)).toEqual(expect.arrayContaining(['LoginRequest']));
  });
});
