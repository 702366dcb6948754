import 'reflect-metadata';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
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

if (process.env.HC_LIST_CONTROLLER_ROUTES === '1') {
  console.log(JSON.stringify(await readControllerRoutes()));
  process.exit(0);
}
