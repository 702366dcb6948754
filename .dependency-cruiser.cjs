/**
 * The layering of the code (README, Layout): apps -> libs/{db,cache,queue,config,auth,...} -> libs/{domain,geo}.
 * `npm run lint` fails on any import that breaks it.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle means a boundary is wrong: move the shared piece down a layer.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'pure-rules-import-no-framework',
      severity: 'error',
      comment: 'libs/domain and libs/geo are pure rules: Node built-ins, ngeohash and each other only.',
      from: { path: '^libs/(domain|geo)/' },
      to: {
        pathNot: ['^libs/(domain|geo)/', 'node_modules/ngeohash/'],
        dependencyTypesNot: ['core'],
      },
    },
    {
      name: 'no-app-to-other-app',
      severity: 'error',
      comment: 'Apps share code through libs/, never by importing each other.',
      from: { path: '^apps/([^/]+)/' },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
    {
      name: 'libs-import-no-app',
      severity: 'error',
      comment: 'Libraries serve the apps; they never reach into one.',
      from: { path: '^libs/' },
      to: { path: '^(apps|test|bench)/' },
    },
    {
      name: 'apps-import-no-tests',
      severity: 'error',
      comment: 'Production code never depends on test or bench helpers.',
      from: { path: '^(apps|libs)/', pathNot: '\\.spec\\.ts$' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment:
        'An import that does not resolve is a typo or a missing dependency (the scripts that load the build from dist/ excepted: the lint runs before it).',
      from: {},
      to: { couldNotResolve: true, pathNot: '(^|/)dist/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|\\.data)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // `#libs/*` resolves to the compiled dist/ at run time; the `source` condition of package.json's
    // imports points the check at the TypeScript sources instead.
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['source', 'import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.d.ts'],
    },
  },
};
