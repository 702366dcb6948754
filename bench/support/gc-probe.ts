// Loaded into an app process by the soak scenario (`node --expose-gc --import <this module>`),
// never by the apps on their own. On SIGUSR2 it runs full collections, then writes the heap in use
// and the resident set to HC_BENCH_GC_PROBE_FILE: the live set, where heap use read at any other
// moment swings by half or more between two collections and would hide or fake a leak.
import { renameSync, writeFileSync } from 'node:fs';

const file = process.env.HC_BENCH_GC_PROBE_FILE;
const gc = (globalThis as { gc?: () => void }).gc;
if (file && gc) {
  let seq = 0;
  process.on('SIGUSR2', () => {
    gc();
    gc();
    const m = process.memoryUsage();
    // Renamed into place, so the bench never reads half a file.
    writeFileSync(
      `${file}.tmp`,
      JSON.stringify({ seq: ++seq, atMs: Date.now(), heapUsedBytes: m.heapUsed, rssBytes: m.rss }),
    );
    renameSync(`${file}.tmp`, file);
  });
}
