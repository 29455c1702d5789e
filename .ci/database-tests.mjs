// Prints the test files that use a database, for CI's PostgreSQL half: a test that opens no database (the rules
// engine, PDF layout, ECF messages, the offline review CLI) gives the same result on either, and has already run in
// the SQLite half. A file uses a database when it builds the app or services, opens a test database, starts a
// `serve`/worker process, imports src/db, or names DATABASE_URL — read from its own text, so a new test that does
// any of these runs on both.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const USES_DATABASE =
  /helper\.js'|\/src\/db\/|DATABASE_URL|openDatabase|createServices|buildApp|startServe|startWorker|startCliProcess|processDatabase/

const files = readdirSync('test', { recursive: true })
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => join('test', f))
  .sort()
const chosen = files.filter((f) => USES_DATABASE.test(readFileSync(f, 'utf8')))
process.stdout.write(chosen.join(' '))
process.stderr.write(`PostgreSQL half: ${chosen.length} of ${files.length} test files use a database\n`)
