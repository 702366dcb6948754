import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { runHttpApp } from '#libs/http/index.js';
import { ApiModule } from './app.module.js';

await runHttpApp({
  name: 'api',
  workers: (c) => c.httpWorkers,
  port: (c) => c.ports.api,
  module: (c) => ApiModule.forRoot(c),
  configure: (app) => {
    const doc = new DocumentBuilder().setTitle('Health code API').setVersion('1').addBearerAuth().build();
    SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, doc), { jsonDocumentUrl: 'docs-json' });
  },
});
