import { runHttpApp } from '#libs/http/index.js';
import { httpApp } from './http-app.js';

await runHttpApp(httpApp);
