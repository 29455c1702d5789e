import t from 'tap'
import { fixedClock } from '../src/clock.js'
import { loadConfig } from '../src/config.js'
import { createServices } from '../src/services.js'
import { openTestDatabase, TEST_DATABASE_URL } from './helper.js'

t.test(
  'the composition root makes each court adapter by the name its configuration gives, and refuses an unknown one',
  async (t) => {
    const handle = await openTestDatabase(t)
    const config = loadConfig({ env: {}, overrides: { databaseUrl: TEST_DATABASE_URL, simulatedCourt: false } })
    const courts = new Map([
      ['X', { id: 'X', name: 'x', county: 'X', adapter: 'tyler-v9' }],
      [
        'CA-SIM',
        {
          id: 'CA-SIM',
          name: 'Superior Court (simulated)',
          county: 'SAN FRANCISCO',
          adapter: 'simulator',
          endpoint: 'http://127.0.0.1:1/ecf'
        }
      ]
    ])
    const services = createServices({
      config,
      db: handle.db,
      dialect: handle.dialect,
      clock: fixedClock('2026-01-01'),
      courts
    })
    t.teardown(() => services.close())
    t.throws(() => services.adapters.for('X'), {
      code: 'CLEARFILE_ERR_COURT_NOT_CONFIGURED',
      message: /no adapter named "tyler-v9"/
    })
    t.throws(() => services.adapters.for('CA-NOPE'), { code: 'CLEARFILE_ERR_COURT_NOT_CONFIGURED' })
    const adapter = services.adapters.for('CA-SIM')
    t.equal(adapter.name, 'ecf4-soap')
    t.equal(services.adapters.for('CA-SIM'), adapter, 'one adapter per court, made once')
    t.same(services.jobs.map((j) => `${j.definition.name}:${j.definition.lane}`).sort(), [
      // PostgreSQL only: SQLite keeps no dead row versions to vacuum.
      ...(handle.dialect === 'postgres' ? ['db.vacuum:default'] : []),
      'documents:long',
      'filing.poll:court',
      'filing.reconcile:court',
      'filing.submit:submit',
      'outcomes.inbox:default',
      'outcomes.report:long',
      'retention.purge:default',
      'review:long',
      'webhook.deliver:deliver'
    ])
  }
)
