// A program from the OS packages, installed with apt-get when we may.

import { cmdOutput, isRoot, run, which } from './processes.mjs';

/**
 * A program from the OS packages: found on the machine, or installed with apt-get when we are
 * root on Debian/Ubuntu (non-interactive; `apt-get update` and one retry when the first try
 * fails). Otherwise an error naming the package: never a silent skip.
 * @param {{ binary: string, names?: string[], pkg: string, dirs?: string[], label: string,
 *   log: (msg: string) => void, howTo: string }} opts
 * @returns {Promise<string>} the binary's path
 */
export async function ensureOsBinary({ binary, names = [binary], pkg, dirs = ['/usr/bin'], label, log, howTo }) {
  const find = () => names.map((n) => which(n, dirs)).find(Boolean) ?? null;
  let bin = find();
  if (bin) return bin;
  const aptGet = which('apt-get', ['/usr/bin']);
  if (isRoot() && aptGet) {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', NEEDRESTART_MODE: 'a' };
    const install = () =>
      run(
        aptGet,
        [
          'install',
          '-y',
          '--no-install-recommends',
          '-o',
          'Dpkg::Options::=--force-confdef',
          '-o',
          'Dpkg::Options::=--force-confold',
          pkg,
        ],
        { env, timeoutMs: 15 * 60_000 },
      );
    log(`${label}: ${binary} not found; installing the package ${pkg} with apt-get (root, non-interactive)`);
    let r = await install();
    if (r.code !== 0) {
      log(`${label}: apt-get install failed; running apt-get update and retrying`);
      const u = await run(aptGet, ['update'], { env, timeoutMs: 15 * 60_000 });
      if (u.code !== 0) log(`${label}: apt-get update exited ${u.code}:\n${cmdOutput(u)}`);
      r = await install();
    }
    if (r.code !== 0)
      throw new Error(`${label}: apt-get install ${pkg} failed (exit ${r.code}):\n${cmdOutput(r)}\n  ${howTo}`);
    bin = find();
    if (bin) return bin;
    throw new Error(`${label}: apt-get installed ${pkg} but ${binary} was not found in PATH or ${dirs.join(', ')}`);
  }
  throw new Error(
    `${label}: ${binary} is not installed (package ${pkg}). ${howTo}` +
      (aptGet && !isRoot() ? ' (Automatic install is only attempted when running as root.)' : ''),
  );
}
