import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, getSchemaPath, type OpenAPIObject } from '@nestjs/swagger';
import { CodeResponse } from './codes/code.dto.js';

/** The OpenAPI document at /docs and /docs-json: the Nest controllers plus the raw code route. */
export function setUpOpenApi(app: NestFastifyApplication): void {
  const config = new DocumentBuilder().setTitle('Health code API').setVersion('1').addBearerAuth().build();
  const build = (): OpenAPIObject => {
    const doc = SwaggerModule.createDocument(app, config, { extraModels: [CodeResponse] });
    doc.paths['/v1/codes/me'] = {
      get: {
        tags: ['codes'],
        summary: "The caller's health code (user token)",
        security: [{ bearer: [] }],
        responses: {
          200: {
            description: 'the code',
            content: { 'application/json': { schema: { $ref: getSchemaPath(CodeResponse) } } },
          },
          401: { description: 'no or invalid token' },
          403: { description: 'not a user token' },
          503: { description: 'both the cache and the database are unavailable' },
        },
      },
    };
    return doc;
  };
  SwaggerModule.setup('docs', app, build, { jsonDocumentUrl: 'docs-json' });
}
