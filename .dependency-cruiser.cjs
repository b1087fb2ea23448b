// The architecture, checked by `npm test` (npm run depcheck): docs/architecture.md draws it.
//   cli/ and app.ts → features → revisions/ → platform/ and lib/
// Features: auth, pledges, relations, dashboard, events, import, pages, changes, datapackage. Among them: import → pledges and relations;
// dashboard's queries use pledges' model, filter and SQL only; pledges reach events only through
// events/event.model.ts, and relations only through their model and repository; relations build on pledges' model,
// filter, SQL and CSV; the change log (changes/) reads revisions and words them with pledges' and events' models.
const FEATURES = '(auth|pledges|relations|dashboard|events|import|pages|changes|datapackage)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules that import each other in a circle: put what both need in a third module (a model).',
      from: {},
      to: { circular: true },
    },
    {
      name: 'platform-and-lib-know-no-feature',
      severity: 'error',
      comment: 'platform/ and lib/ serve every feature and import none; pass what they need as a parameter.',
      from: { path: '^server/(platform|lib)/' },
      to: { path: '^server/', pathNot: '^server/(platform|lib)/' },
    },
    {
      name: 'lib-is-pure',
      severity: 'error',
      comment: 'lib/ holds pure helpers: nothing of ours but other helpers.',
      from: { path: '^server/lib/' },
      to: { path: '^server/', pathNot: '^server/lib/' },
    },
    {
      name: 'revisions-below-features',
      severity: 'error',
      comment: 'Every feature records revisions; revisions/ knows no feature.',
      from: { path: '^server/revisions/' },
      to: { path: '^server/', pathNot: '^server/(revisions|platform|lib)/' },
    },
    {
      name: 'features-below-wiring',
      severity: 'error',
      comment: 'Features never import the wiring (app.ts, server.ts) or the command-line runners.',
      from: { path: `^server/${FEATURES}/` },
      to: { path: '^server/(app|server)\\.ts$|^server/cli/' },
    },
    {
      name: 'no-other-features-routes',
      severity: 'error',
      comment: "A feature imports another feature's model, SQL or repository, never its routes.",
      from: { path: `^server/${FEATURES}/` },
      to: { path: '^server/[^/]+/[^/]+\\.routes\\.ts$', pathNot: '^server/$1/' },
    },
    {
      name: 'import-builds-on-pledges-only',
      severity: 'error',
      comment: "The importer writes pledges and relations; it does not reach into the dashboard, nor into auth past its routes' guards.",
      from: { path: '^server/import/' },
      to: { path: '^server/dashboard/|^server/auth/(?!auth\\.ts$)' },
    },
    {
      name: 'dashboard-queries-use-pledges-model-and-sql',
      severity: 'error',
      comment: "The dashboard's queries build on pledges' model, filter and SQL (the waterfall's too); only its routes read pledges whole.",
      from: { path: '^server/dashboard/', pathNot: '^server/dashboard/dashboard\\.routes\\.ts$' },
      to: { path: '^server/pledges/', pathNot: '^server/pledges/(pledge\\.model|pledges\\.filter|pledges\\.sql|pledges\\.waterfall\\.sql|pledges\\.view)\\.ts$' },
    },
    {
      name: 'pledges-see-events-through-the-model',
      severity: 'error',
      comment: 'Pledges know events only by their model; what pledges read of events lives in the pledges repository.',
      from: { path: '^server/pledges/' },
      to: { path: '^server/events/', pathNot: '^server/events/event\\.model\\.ts$' },
    },
    {
      name: 'pledges-see-relations-through-model-and-repository',
      severity: 'error',
      comment: "A pledge's page, JSON and deletion read and record its relations through the relations' model and repository only.",
      from: { path: '^server/pledges/' },
      to: { path: '^server/relations/', pathNot: '^server/relations/(relation\\.model|relations\\.repository)\\.ts$' },
    },
    {
      name: 'relations-build-on-pledges-model-and-sql',
      severity: 'error',
      comment: "Relations name pledges by their model, filter, SQL and CSV rules, never by pledges' repository or routes (which read relations).",
      from: { path: '^server/relations/' },
      to: { path: '^server/pledges/', pathNot: '^server/pledges/(pledge\\.model|pledges\\.filter|pledges\\.sql|pledges\\.csv)\\.ts$' },
    },
    {
      name: 'relations-know-no-dashboard-or-import',
      severity: 'error',
      comment: 'The dashboard and the importer build on relations, not the other way round.',
      from: { path: '^server/relations/' },
      to: { path: '^server/(dashboard|import)/' },
    },
    {
      name: 'pledges-know-no-dashboard-or-import',
      severity: 'error',
      comment: 'The dashboard and the importer build on pledges, not the other way round.',
      from: { path: '^server/pledges/' },
      to: { path: '^server/(dashboard|import)/' },
    },
    {
      name: 'changes-read-the-log-and-name-with-models',
      comment: "The change log reads revisions through its own repository and words them with pledges' and events' models and view helpers; it writes nothing.",
      severity: 'error',
      from: { path: '^server/changes/' },
      to: { path: '^server/(pledges|events|relations|dashboard|import|auth)/', pathNot: '^server/(pledges/(pledge\\.model|pledges\\.view)|events/event\\.model)\\.ts$' },
    },
    {
      name: 'nothing-builds-on-the-change-log',
      comment: 'The change log is a reader of every feature; no feature imports it (only app.ts wires its routes).',
      severity: 'error',
      from: { path: '^server/', pathNot: '^server/(changes/|app\\.ts$)' },
      to: { path: '^server/changes/' },
    },
    {
      name: 'only-db-imports-the-driver',
      severity: 'error',
      comment: 'platform/db.ts opens the database and re-exports the driver types the rest needs.',
      from: { pathNot: '^server/platform/db\\.ts$' },
      to: { path: 'node_modules/better-sqlite3/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};
