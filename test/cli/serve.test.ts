import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { Pool } from 'undici'
import { caseBody } from '../helper.js'
import { assertBuilt, freePort, startServe } from '../serve-process.js'

const DA_PROFILES = fileURLToPath(new URL('../fixtures/da-profiles.json', import.meta.url))

t.before(assertBuilt)

t.test(
  'serve migrates a new SQLite file, prints an admin key, answers /healthz and stops cleanly on SIGTERM',
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'clearfile-serve-'))
    chmodSync(dir, 0o755) // as an operator might have made it
    const serve = await startServe(['--port', '0', '--db', join(dir, 'clearfile.db')], { CLEARFILE_DATA_DIR: dir })
    t.teardown(() => {
      serve.child.kill('SIGKILL')
    })
    t.equal(statSync(dir).mode & 0o777, 0o700, 'the data folder is made private')
    t.equal(statSync(join(dir, 'clearfile.db')).mode & 0o777, 0o600, 'and the database file too')
    t.match(serve.errors(), /admin key was created[\s\S]*cfk_/)
    t.notMatch(serve.output(), /cfk_/, 'the key never goes out with the logs')
    const health = await fetch(`${serve.address}/healthz`)
    t.equal(health.status, 200)
    const ready = await (await fetch(`${serve.address}/readyz`)).json()
    t.same(ready, { status: 'ready', database: 'sqlite' })
    serve.child.kill('SIGTERM')
    t.equal(await serve.exited, 0)
    t.match(serve.output(), /shutting down/)
  }
)

t.test(
  'SIGTERM under load on SQLite: every request sent gets an answer (its result, or 503 while draining), none is reset',
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'clearfile-serve-'))
    const serve = await startServe(['--port', '0', '--db', join(dir, 'clearfile.db')], {
      CLEARFILE_DATA_DIR: dir,
      CLEARFILE_RUN_JOBS: 'false'
    })
    t.teardown(() => {
      serve.child.kill('SIGKILL')
    })
    const admin = /cfk_[A-Za-z0-9_-]+/.exec(serve.errors())![0]
    const headers = { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }
    // A DA system's client: a few keep-alive connections, each carrying one request after another.
    const client = new Pool(serve.address, { connections: 8 })
    t.teardown(() => client.destroy())
    const send = async (i: number) => {
      const body = caseBody({
        person: { dojSubjectId: String(700_000 + i), cii: `A${String(20_000_000 + i)}` },
        case: { caseNumber: `SCN-T${i}` }
      })
      try {
        const res = await client.request({ path: '/v1/cases', method: 'POST', headers, body: JSON.stringify(body) })
        await res.body.dump()
        return String(res.statusCode)
      } catch (err) {
        const cause = (err as { cause?: { code?: string } }).cause
        return `error ${cause?.code ?? (err as Error).message}`
      }
    }
    // The signal comes when the first answers are back: most of the 300 are in flight or waiting in sockets.
    let answered = 0
    const outcomes = Array.from({ length: 300 }, (_, i) =>
      send(i).then((r) => {
        if (++answered === 10) serve.child.kill('SIGTERM')
        return r
      })
    )
    const results = await Promise.all(outcomes)
    const tally: Record<string, number> = {}
    for (const r of results) tally[r] = (tally[r] ?? 0) + 1
    // Refused connections carried no request (safe to send again); a reset one may have carried one.
    t.same(
      Object.keys(tally).filter((k) => k !== '201' && k !== '503' && !k.includes('ECONNREFUSED')),
      [],
      `every request sent was answered: ${JSON.stringify(tally)}`
    )
    t.ok(
      (tally['503'] ?? 0) + Object.entries(tally).filter(([k]) => k.includes('ECONNREFUSED')).length > 0,
      'those that came while draining were told to come back (503) or refused before they sent anything'
    )
    t.equal(await serve.exited, 0, 'and the process ended cleanly')
  }
)

t.test(
  'without a courts file, serve files with a simulated Superior Court per county, each calling back for its own filings',
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'clearfile-serve-'))
    // Two counties: each gets a court of its own, with a callback secret of its own.
    const sf = JSON.parse(readFileSync(DA_PROFILES, 'utf8'))[0]
    const profiles = join(dir, 'profiles.json')
    writeFileSync(profiles, JSON.stringify([sf, { ...sf, county: 'ALAMEDA', courtCounty: 'County of Alameda' }]))
    const port = await freePort()
    const serve = await startServe(['--port', String(port), '--db', join(dir, 'clearfile.db')], {
      CLEARFILE_DATA_DIR: dir,
      CLEARFILE_DA_PROFILES: profiles,
      CLEARFILE_POLL_INTERVAL_SECONDS: '600'
    })
    t.teardown(() => {
      serve.child.kill('SIGKILL')
    })
    t.match(serve.output(), /filing with the simulated Superior Court/)
    const admin = /cfk_[A-Za-z0-9_-]+/.exec(serve.errors())![0]
    const headers = { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }
    const fileIn = async (county: string, subject: string) => {
      const body = caseBody({ case: { county }, person: { dojSubjectId: subject } })
      const kase = (await (
        await fetch(`${serve.address}/v1/cases`, { method: 'POST', headers, body: JSON.stringify(body) })
      ).json()) as { id: string }
      await fetch(`${serve.address}/v1/cases/${kase.id}/documents`, { method: 'POST', headers, body: '{}' })
      return (await (
        await fetch(`${serve.address}/v1/filings`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ caseId: kase.id })
        })
      ).json()) as { id: string; court: string }
    }
    const filings = [await fileIn('SAN FRANCISCO', '1'), await fileIn('ALAMEDA', '2')]
    t.same(
      filings.map((f) => f.court),
      ['CA-SIM-SAN-FRANCISCO', 'CA-SIM-ALAMEDA']
    )
    // No CLEARFILE_PUBLIC_URL: the callback address is made from the port serve was given.
    // The poll interval is ten minutes: only the courts' callbacks can bring the clerks' decisions this soon.
    for (const filing of filings) {
      let view: { state: string; events: Array<{ source: string }> } = { state: '', events: [] }
      for (let i = 0; i < 150 && !['accepted', 'rejected'].includes(view.state); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100))
        view = (await (await fetch(`${serve.address}/v1/filings/${filing.id}`, { headers })).json()) as typeof view
      }
      t.match(
        view.state,
        /^(accepted|rejected)$/,
        serve
          .output()
          .split('\n')
          .filter((l) => /FilingAssemblyMDE|error|warn/i.test(l))
          .join('\n')
      )
      t.ok(
        view.events.some((e) => e.source === 'callback'),
        `${filing.court} called back`
      )
    }
    t.notMatch(serve.output(), /callback.refused|not authenticated/, 'no callback was refused')
  }
)

t.test(
  'a court that calls back with a bare shared secret is named in a warning at start; the simulated courts sign theirs',
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'clearfile-serve-'))
    const courts = join(dir, 'courts.json')
    writeFileSync(
      courts,
      JSON.stringify([
        {
          id: 'CA-LEGACY',
          name: 'A court with a shared secret',
          county: 'SAN FRANCISCO',
          adapter: 'simulator',
          endpoint: 'http://127.0.0.1:9/ecf',
          callbackSecretRef: 'LEGACY_COURT_SECRET'
        },
        {
          id: 'CA-SIGNED',
          name: 'A court that signs',
          county: 'ALAMEDA',
          adapter: 'simulator',
          endpoint: 'http://127.0.0.1:9/ecf',
          callbackSignature: { secretRef: 'SIGNED_COURT_KEY' }
        }
      ])
    )
    const serve = await startServe(['--port', '0', '--db', join(dir, 'clearfile.db')], {
      CLEARFILE_DATA_DIR: dir,
      CLEARFILE_COURTS: courts,
      CLEARFILE_RUN_JOBS: 'false',
      LEGACY_COURT_SECRET: 'a-bare-secret',
      SIGNED_COURT_KEY: 'a-signing-key'
    })
    t.teardown(() => {
      serve.child.kill('SIGKILL')
    })
    const warnings = serve
      .output()
      .split('\n')
      .filter((line) => line.includes('bare shared secret'))
      .map((line) => JSON.parse(line) as { court: string; level: number })
    t.same(
      warnings.map((w) => [w.court, w.level]),
      [['CA-LEGACY', 40]],
      'the legacy court, at warning level, and not the one that signs'
    )
    serve.child.kill('SIGTERM')
    t.equal(await serve.exited, 0)
  }
)
