#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander'
import { loadConfig, type ConfigSources } from '../config.js'
import { createApiClient, listApiClients, revokeApiClient, ROLES, type Role } from '../db/api-client-repository.js'
import { openDatabase } from '../db/database.js'
import { migrateOrThrow } from '../db/migrate.js'
import { isClearfileError } from '../errors.js'
import { startServer } from '../server.js'

interface DbFlags { db?: string, config?: string }

function configFrom (flags: DbFlags & { host?: string, port?: string }) {
  const sources: ConfigSources = {
    env: process.env,
    overrides: { databaseUrl: flags.db, host: flags.host, port: flags.port }
  }
  if (flags.config) sources.file = flags.config
  return loadConfig(sources)
}

/** Opens the configured database, migrates it, runs `work`, and always closes it. */
async function withDatabase<T> (flags: DbFlags, work: (db: Awaited<ReturnType<typeof openDatabase>>['db']) => Promise<T>): Promise<T> {
  const config = configFrom(flags)
  const handle = await openDatabase({ url: config.databaseUrl })
  try {
    await migrateOrThrow(handle.db)
    return await work(handle.db)
  } finally {
    await handle.destroy()
  }
}

function parseRole (value: string): Role {
  if (!(ROLES as readonly string[]).includes(value)) throw new InvalidArgumentError(`use one of ${ROLES.join(', ')}`)
  return value as Role
}

const dbOption = ['--db <url>', 'SQLite file path or postgres:// URL (env DATABASE_URL)'] as const
const configOption = ['--config <file>', 'JSON config file (env CLEARFILE_CONFIG)'] as const

const program = new Command('clearfile')
  .description('Court e-filing integration service for record clearance')
  .showHelpAfterError()

program.command('serve')
  .description('run the HTTP service (migrates the database first)')
  .option('--host <host>', 'interface to listen on (env HOST)')
  .option('--port <port>', 'port to listen on (env PORT, default 3000)')
  .option(...dbOption)
  .option(...configOption)
  .action(async (flags: DbFlags & { host?: string, port?: string }) => {
    const config = configFrom(flags)
    const server = await startServer(config, {
      onBootstrapKey: (key) => {
        process.stdout.write(`\nNo API keys existed, so an admin key was created. It is shown only this once:\n\n  ${key}\n\n` +
          'Create county keys with: clearfile keys create --role da_system --county "SAN FRANCISCO"\n\n')
      }
    })
    server.app.log.info({ address: server.address, docs: `${server.address}/docs` }, 'clearfile is listening')
  })

program.command('migrate')
  .description('bring the database schema up to date')
  .option(...dbOption)
  .option(...configOption)
  .action(async (flags: DbFlags) => {
    const config = configFrom(flags)
    const handle = await openDatabase({ url: config.databaseUrl })
    try {
      const applied = await migrateOrThrow(handle.db)
      process.stdout.write(applied.length > 0 ? `applied: ${applied.join(', ')}\n` : 'already up to date\n')
    } finally {
      await handle.destroy()
    }
  })

const keys = program.command('keys').description('manage API keys')

keys.command('create')
  .description('create an API key and print it once (only its hash is stored)')
  .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`, parseRole)
  .option('--county <county>', 'the county whose records the key may see (not needed for admin)')
  .option('--name <name>', 'who or what holds the key, e.g. "SF DA case system"')
  .option(...dbOption)
  .option(...configOption)
  .action(async (flags: DbFlags & { role: Role, county?: string, name?: string }) => {
    if (flags.role !== 'admin' && !flags.county) throw new InvalidArgumentError(`a ${flags.role} key needs --county`)
    const created = await withDatabase(flags, (db) =>
      createApiClient(db, { role: flags.role, county: flags.county ?? null, name: flags.name ?? null }, new Date()))
    process.stdout.write(`${created.key}\n`)
    process.stderr.write(`key ${created.client.keyPrefix}… role ${created.client.role}, county ${created.client.county ?? '(all)'}; store it now, it is not shown again\n`)
  })

keys.command('list')
  .description('list API clients (never the keys)')
  .option(...dbOption)
  .option(...configOption)
  .action(async (flags: DbFlags) => {
    const rows = await withDatabase(flags, (db) => listApiClients(db))
    for (const r of rows) {
      process.stdout.write(`${r.key_prefix}…\t${r.role}\t${r.county ?? '(all)'}\t${r.name ?? ''}\t${r.revoked_at ? 'revoked ' + r.revoked_at : 'active'}\n`)
    }
  })

keys.command('revoke')
  .description('revoke a key by its id or its printed prefix')
  .argument('<prefix-or-id>')
  .option(...dbOption)
  .option(...configOption)
  .action(async (prefix: string, flags: DbFlags) => {
    const n = await withDatabase(flags, (db) => revokeApiClient(db, prefix, new Date()))
    if (n === 0) throw new InvalidArgumentError(`no active key ${prefix}`)
    process.stdout.write(`revoked ${n}\n`)
  })

program.parseAsync(process.argv).catch((err: unknown) => {
  const message = isClearfileError(err) || err instanceof InvalidArgumentError ? err.message : (err as Error)?.message ?? String(err)
  process.stderr.write(`clearfile: ${message}\n`)
  process.exit(1)
})
