import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { FastLane } from './fast-lane.js';

/**
 * Serves the app's OpenAPI document at /docs (UI) and /docs-json: the Nest controllers'
 * decorators plus the fast-lane routes' own operations, which Nest never sees. Built on the first
 * request, so routes added to the fast lane after this call are in it too.
 */
export function serveOpenApi(app: NestFastifyApplication, fastLane: FastLane, title: string): void {
  const config = new DocumentBuilder().setTitle(title).setVersion('1').addBearerAuth().build();
  const build = (): OpenAPIObject => {
    const routes = fastLane.list();
    const doc = SwaggerModule.createDocument(app, config, {
      extraModels: routes.flatMap((r) => r.openapi?.models ?? []),
    });
    for (const { method, path, openapi } of routes)
      if (openapi) (doc.paths[path] ??= {})[method === 'GET' ? 'get' : 'post'] = openapi.operation;
    return doc;
  };
  SwaggerModule.setup('docs', app, build, { jsonDocumentUrl: 'docs-json' });
}
