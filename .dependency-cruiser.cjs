/*
 * The layers of clearfile, as rules over its imports (README, "Layout"):
 * api/cli -> features (ingest, eligibility, documents, filing, outcomes, webhooks) -> jobs, ecf, storage, db.
 * `npx depcruise --config .dependency-cruiser.cjs src adapters` checks them; test/architecture.test.ts runs it in npm test.
 */
const FEATURES = '^src/(ingest|eligibility|documents|filing|outcomes|webhooks)/'
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Imports point one way: a circle means two modules cannot be understood (or changed) apart.',
      from: {},
      to: { circular: true }
    },
    {
      name: 'eligibility-is-pure',
      severity: 'error',
      comment: 'The rules engine decides from facts alone: no database, no HTTP, no jobs.',
      from: { path: '^src/eligibility/' },
      to: { path: '^src/(db|api|jobs|ingest|documents|filing|outcomes|webhooks|cli)/|^src/(app|server|services)[.]ts$' }
    },
    {
      name: 'filing-never-imports-adapters',
      severity: 'error',
      comment: 'Court adapters are constructed in the composition root (src/services.ts) and injected.',
      from: { path: '^src/' , pathNot: '^src/services[.]ts$|^src/cli/' },
      to: { path: '^adapters/' }
    },
    {
      name: 'adapters-speak-ecf-only',
      severity: 'error',
      comment: 'An adapter knows its own wire format, the court protocol (src/ecf) and the error catalog; nothing of the core.',
      from: { path: '^adapters/' },
      to: { path: '^src/', pathNot: '^src/ecf/|^src/errors[.]ts$' }
    },
    {
      name: 'db-imports-no-feature',
      severity: 'error',
      comment: 'Repositories are plain queries; rules live in their feature.',
      from: { path: '^src/db/' },
      to: { path: `${FEATURES}|^src/(api|cli|jobs)/|^src/(app|server|services)[.]ts$` }
    },
    {
      name: 'jobs-know-no-feature',
      severity: 'error',
      comment: 'The queue and runner serve every feature and depend on none.',
      from: { path: '^src/jobs/' },
      to: { path: `${FEATURES}|^src/(api|cli|ecf)/|^src/(app|server|services)[.]ts$` }
    },
    {
      name: 'ecf-knows-no-feature',
      severity: 'error',
      comment: 'The court protocol sits below filing and adapters.',
      from: { path: '^src/ecf/' },
      to: { path: `${FEATURES}|^src/(api|cli|jobs|db)/|^adapters/|^src/(app|server|services)[.]ts$` }
    },
    {
      name: 'storage-knows-no-feature',
      comment: 'Document stores keep bytes by key for every feature and know none of them.',
      severity: 'error',
      from: { path: '^src/storage/' },
      to: { path: `${FEATURES}|^src/(api|cli|jobs|ecf)/|^src/(app|server|services)[.]ts$` }
    },
    {
      name: 'features-below-api',
      severity: 'error',
      comment: 'Features are used by the API and the CLI, never the other way round.',
      from: { path: FEATURES },
      to: { path: '^src/(api|cli)/|^src/(app|server|services)[.]ts$' }
    }
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules|test|bench)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] }
  }
}
