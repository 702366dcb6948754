import 'reflect-metadata';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import type { HttpAppOptions } from '#libs/http/index.js';
import { ROOT, runNode, type AppName } from './apps.js';

/** `METHOD /path/{param}` (OpenAPI's way of writing a path), e.g. `GET /v1/admin/code-changes/{id}`. */
export type RouteKey = string;

/** The operations of an OpenAPI document. */
export function openApiRoutes(doc: { paths: Record<string, Record<string, unknown>> }): RouteKey[] {
  const methods = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);
  return Object.entries(doc.paths).flatMap(([p, ops]) =>
    Object.keys(ops)
      .filter((m) => methods.has(m))
      .map((m) => `${m.toUpperCase()} ${p}`),
  );
}

function controllerFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.controller.js'))
    .map((e) => path.join(e.parentPath, e.name));
}

const join = (...parts: string[]) =>
  `/${parts
    .flatMap((p) => p.split('/'))
    .filter(Boolean)
    .join('/')}`.replace(/:(\w+)/g, '{$1}');

/**
 * Every route of every Nest controller in the built code, by app: the controllers under
 * apps/<app> belong to that app, those under libs/ (health, metrics) to every app. Read from
 * the decorators' metadata, so a new controller or handler is found without starting anything.
 * Runs in a plain Node process: Jest's module loader cannot load some of the apps' dependencies.
 */
export async function controllerRoutes(): Promise<Record<AppName, RouteKey[]>> {
  const { code, output } = await runNode(fileURLToPath(import.meta.url), { HC_LIST_CONTROLLER_ROUTES: '1' }, 60_000);
  if (code !== 0) throw new Error(`listing the controllers' routes failed:\n${output}`);
  return JSON.parse(output.trim().split('\n').pop()!);
}

async function readControllerRoutes(): Promise<Record<AppName, RouteKey[]>> {
  const dist = path.join(ROOT, 'dist');
  const out: Record<AppName, RouteKey[]> = { api: [], ingest: [], batch: [] };
  const sources: [AppName[], string][] = [
    [['api'], 'apps/api/src'],
    [['ingest'], 'apps/ingest/src'],
    [['batch'], 'apps/batch/src'],
    [['api', 'ingest', 'batch'], 'libs'],
  ];
  for (const [apps, dir] of sources) {
    for (const file of controllerFiles(path.join(dist, dir))) {
      const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
      for (const cls of Object.values(mod)) {
        if (typeof cls !== 'function' || Reflect.getMetadata(PATH_METADATA, cls) === undefined) continue;
        const base = String(Reflect.getMetadata(PATH_METADATA, cls));
        const proto = (cls as { prototype: object }).prototype;
        for (const name of Object.getOwnPropertyNames(proto)) {
          const handler = (proto as Record<string, unknown>)[name];
          if (typeof handler !== 'function' || Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
          const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
          const key = `${method} ${join(base, String(Reflect.getMetadata(PATH_METADATA, handler) ?? ''))}`;
          for (const app of apps) out[app].push(key);
        }
      }
    }
  }
  return out;
}

/**
 * What a running app answers, its public OpenAPI document, the admin one (for admins, the api's
 * only), and the operations both list (null: it serves none).
 */
export interface ServedRoutes {
  registered: RouteKey[];
  documented: RouteKey[] | null;
  document: OpenApiDocument | null;
  adminDocument: OpenApiDocument | null;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, any> };
}

/**
 * Builds the app as its main.ts does (the same options and set-up, one process instead of
 * HC_HTTP_WORKERS), lets it listen on a free port, and lists what it really registered (Fastify's
 * route table and the fast lane, libs/http/route-table.ts) and the operations of the document it
 * serves at /docs-json. `env` is the app's environment (a test system's). Runs in a plain Node
 * process, as controllerRoutes does.
 */
export async function servedRoutes(app: AppName, env: Record<string, string>): Promise<ServedRoutes> {
  const { code, output } = await runNode(
    fileURLToPath(import.meta.url),
    { LOG_LEVEL: 'warn', ...env, HC_LIST_SERVED_ROUTES: app },
    60_000,
  );
  if (code !== 0) throw new Error(`listing the routes of ${app} failed:\n${output}`);
  return JSON.parse(output.trim().split('\n').pop()!);
}

async function readServedRoutes(name: AppName): Promise<ServedRoutes> {
  // Imported here only: Jest's module loader, which loads this file, cannot load the apps' dependencies.
  const { createHttpApp } = await import('#libs/http/index.js');
  const { loadConfig } = await import('#libs/config/index.js');
  const { httpApp } = (await import(pathToFileURL(path.join(ROOT, 'dist/apps', name, 'src/http-app.js')).href)) as {
    httpApp: HttpAppOptions;
  };
  const { app, routes } = await createHttpApp(httpApp, loadConfig());
  await app.listen(0, '127.0.0.1');
  const url = await app.getUrl();
  const res = await fetch(`${url}/docs-json`);
  const document = res.ok ? ((await res.json()) as OpenApiDocument) : null;
  const adminDocument = await readAdminDocument(url);
  // Fastify writes a path parameter `:id`, OpenAPI `{id}`.
  const registered = routes().map((k) => k.replace(/:(\w+)/g, '{$1}'));
  const documented = document && [...openApiRoutes(document), ...(adminDocument ? openApiRoutes(adminDocument) : [])];
  return { registered, documented, document, adminDocument };
}

/** The admin API's document, as the first admin (of the environment) reads it; null where there is none. */
async function readAdminDocument(url: string): Promise<OpenApiDocument | null> {
  const login = await fetch(`${url}/v1/admin/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: process.env.HC_ADMIN_USERNAME, password: process.env.HC_ADMIN_PASSWORD }),
  });
  if (!login.ok) return null;
  const { token } = (await login.json()) as { token: string };
  const res = await fetch(`${url}/v1/admin/docs-json`, { headers: { authorization: `Bearer ${token}` } });
  return res.ok ? ((await res.json()) as OpenApiDocument) : null;
}

if (process.env.HC_LIST_CONTROLLER_ROUTES === '1') {
  console.log(JSON.stringify(await readControllerRoutes()));
  process.exit(0);
}

const served = process.env.HC_LIST_SERVED_ROUTES as AppName | undefined;
if (served) {
  console.log(JSON.stringify(await readServedRoutes(served)));
  process.exit(0);
}
