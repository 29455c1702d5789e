import type { Kysely } from 'kysely'
import type { Database } from '../src/db/schema.js'
import { TERMINAL } from '../src/filing/filing-state.js'
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import type { Test } from 'tap'
import { openDatabase } from '../src/db/database.js'
import { TEST_DATABASE_URL } from './helper.js'

/** The CLI as users run it: the compiled bin (npm test builds it first). */
export const CLI = fileURLToPath(new URL('../dist/src/cli/index.js', import.meta.url))

/**
 * The environment of a clearfile process a test starts: PATH and HOME only, so nothing of this shell's
 * configuration leaks in. (tap's process hooks still follow the child, and in the coverage run measure it: the
 * servers the crash and dashboard tests start count for coverage that way.)
 */
export function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...extra }
}

/** Runs the CLI to its end, with only PATH and HOME from this environment (and `extraEnv`). */
export function runCli(args: string[], extraEnv: Record<string, string> = {}) {
  return spawnSync(process.execPath, [CLI, ...args], {
    env: childEnv(extraEnv),
    encoding: 'utf8',
    timeout: 30_000
  })
}

export function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build`)
}

/** A port nothing listens on yet, so a server's public URL can be known before it starts. */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

export interface ServeProcess {
  child: ChildProcessWithoutNullStreams
  address: string
  /** Everything the process wrote to stdout so far (its JSON logs and the listening line). */
  output: () => string
  /** Everything it wrote to stderr so far (the bootstrap admin key, never with the logs). */
  errors: () => string
  exited: Promise<number | null>
}

/** Starts `clearfile serve` as its own process and resolves once it listens. */
export function startServe(args: string[], env: Record<string, string>): Promise<ServeProcess> {
  return startCliProcess(['serve', ...args], env, /clearfile listening at (http:\/\/\S+)/)
}

/** `clearfile worker` as its own process, once it says it runs; its address is its pid. */
export function startWorker(env: Record<string, string>): Promise<ServeProcess> {
  return startCliProcess(['worker'], env, /clearfile worker running \(pid (\d+)\)/)
}

async function startCliProcess(args: string[], env: Record<string, string>, ready: RegExp): Promise<ServeProcess> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: childEnv(env),
    stdio: ['pipe', 'pipe', 'pipe']
  })
  let out = ''
  let err = ''
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready: ${out}${err}`)), 30_000)
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const m = ready.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(m[1]!)
      }
    })
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`exited ${code}: ${out}${err}`))
    })
  })
  return { child, address, output: () => out, errors: () => err, exited }
}

/** A database of its own for the run: a SQLite file, or a PostgreSQL database created now and dropped after. */
export async function processDatabase(t: Test, dir: string): Promise<string> {
  if (!TEST_DATABASE_URL.startsWith('postgres')) return join(dir, 'clearfile.db')
  const name = `clearfile_crash_${randomBytes(5).toString('hex')}`
  const admin = await openDatabase({ url: TEST_DATABASE_URL })
  await sql`CREATE DATABASE ${sql.id(name)}`.execute(admin.db)
  t.teardown(async () => {
    await sql`DROP DATABASE IF EXISTS ${sql.id(name)} WITH (FORCE)`.execute(admin.db)
    await admin.destroy()
  })
  const url = new URL(TEST_DATABASE_URL)
  url.pathname = `/${name}`
  return url.toString()
}

/** How many filings have not reached a terminal state: what a whole-process test waits on. */
export async function openFilings(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('filings')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('state', 'not in', [...TERMINAL])
    .executeTakeFirstOrThrow()
  return Number(row.n)
}
