// `npm run bench [-- --quick] [-- --scenario NAME]`: the same set-up as `npm start` (dependencies,
// build, Postgres and Redis), then the benchmark scenarios of bench/ against their own database
// (`hc_bench`) and Redis key prefix (`bench`). Prints a table; writes bench/results/latest.json.
import { ensureDatabase, log, migrate, prepare, ROOT } from './lib/setup.mjs';

const USAGE = `npm run bench [-- options]
  --quick             small sizes: a smoke check of every scenario (well under 2 minutes)
  --full              the largest sizes where a scenario has them (batch: 10 million pings)
  --scenario NAME     run only this scenario (repeatable, or comma-separated)
  --soak MINUTES      run the soak scenario for MINUTES (api, ingest and batch together under
                      reads, pings and tracing; memory growth after warm-up must stay under 10%)
  --loader wrk|autocannon
                      force the HTTP load generator (default: wrk, installed from the OS
                      packages when missing and running as root; else autocannon)
  --list              list the scenarios
  --help              this text`;

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}

const BENCH_DATABASE = 'hc_bench';
const { services, databaseUrl: preparedUrl } = await prepare({ database: BENCH_DATABASE });
let run = null;
let status;
let stopping = false;

// Ctrl-C or SIGTERM: stop what the bench started (apps, baselines) and the servers prepare() started.
async function stopOnSignal(signal) {
  if (stopping) return;
  stopping = true;
  log(`${signal}: stopping the bench`);
  await run?.abort().catch(() => {});
  await services.stop().catch(() => {});
  process.exit(130);
}
process.on('SIGINT', () => void stopOnSignal('SIGINT'));
process.on('SIGTERM', () => void stopOnSignal('SIGTERM'));

try {
  // Even with DATABASE_URL set, the bench uses a database of its own on that server.
  const databaseUrl = await ensureDatabase(preparedUrl, BENCH_DATABASE);
  const appDatabaseUrl = migrate(databaseUrl);
  const bench = await import('../dist/bench/main.js');
  const opts = bench.parseOptions(argv);
  if (opts.list) {
    console.log(bench.listScenarios());
    status = 0;
  } else {
    run = new bench.BenchRun(opts, {
      root: ROOT,
      databaseUrl,
      appDatabaseUrl,
      redisUrl: services.redisUrl,
      log: (m) => console.error(`[bench] ${m}`),
    });
    status = await run.run();
  }
} catch (err) {
  log(err instanceof Error ? err.message : String(err));
  status = 1;
} finally {
  if (!stopping) await services.stop();
}
process.exit(status);
