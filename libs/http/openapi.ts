import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { FastLane } from './fast-lane.js';

/**
 * Builds the app's whole OpenAPI document: the Nest controllers' decorators plus the fast-lane
 * routes' own operations, which Nest never sees. Built on each call, so routes added to the fast
 * lane after this call are in it too.
 */
export function openApiBuilder(app: NestFastifyApplication, fastLane: FastLane, title: string): () => OpenAPIObject {
  const config = new DocumentBuilder().setTitle(title).setVersion('1').addBearerAuth().build();
  return () => {
    const routes = fastLane.list();
    const doc = SwaggerModule.createDocument(app, config, {
      extraModels: routes.flatMap((r) => r.openapi?.models ?? []),
    });
    for (const { method, path, openapi } of routes)
      if (openapi) (doc.paths[path] ??= {})[method === 'GET' ? 'get' : 'post'] = openapi.operation;
    return doc;
  };
}

/** The schema names a part of a document refers to (`#/components/schemas/<name>`). */
function schemaRefs(node: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(node)) for (const item of node) schemaRefs(item, into);
  else if (node && typeof node === 'object')
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith('#/components/schemas/'))
        into.add(value.slice('#/components/schemas/'.length));
      else schemaRefs(value, into);
    }
  return into;
}

/**
 * The document with only the paths `keep` accepts, and only the schemas those paths need
 * (followed through the schemas' own references), so a part leaves out the others' bodies too.
 */
export function openApiSubset(doc: OpenAPIObject, keep: (path: string) => boolean): OpenAPIObject {
  const paths = Object.fromEntries(Object.entries(doc.paths).filter(([path]) => keep(path)));
  const all = doc.components?.schemas ?? {};
  const needed = schemaRefs(paths, new Set());
  for (const name of needed) schemaRefs(all[name], needed); // a Set visits what is added while iterating
  const schemas = Object.fromEntries(Object.entries(all).filter(([name]) => needed.has(name)));
  return { ...doc, paths, components: { ...doc.components, schemas } };
}

/**
 * Serves the app's public OpenAPI document at /docs (UI), /docs-json and /docs-yaml: every
 * operation except those under `privatePrefix`, which the app documents elsewhere, behind a login
 * (the admin API: apps/api/src/admin/admin-docs.ts).
 */
export function serveOpenApi(
  app: NestFastifyApplication,
  fastLane: FastLane,
  title: string,
  privatePrefix?: string,
): void {
  const build = openApiBuilder(app, fastLane, title);
  const isPublic = (path: string) => !privatePrefix || !path.startsWith(privatePrefix);
  SwaggerModule.setup('docs', app, () => openApiSubset(build(), isPublic), { jsonDocumentUrl: 'docs-json' });
}
