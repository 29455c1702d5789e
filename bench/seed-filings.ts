import type { Kysely } from 'kysely'
import type { CaseInput } from '../schemas/api/cases.js'
import type { Clock } from '../src/clock.js'
import type { Config } from '../src/config.js'
import type { AuditContext } from '../src/db/audit-repository.js'
import type { DialectName } from '../src/db/database.js'
import type { Database } from '../src/db/schema.js'
import { configuredProfiles, requireProfile } from '../src/documents/da-profiles.js'
import { preparePapers } from '../src/documents/prepare-papers.js'
import { createRenderer } from '../src/documents/render.js'
import { queueCaseFiling } from '../src/filing/queue-filings.js'
import { storeCases } from '../src/ingest/case-intake.js'
import { createServices } from '../src/services.js'

const NAMES = ['GARCIA, MARIA', 'WASHINGTON, DEREK', 'NUNEZ, JOSE']
// Names beyond Windows-1252 embed a Unicode font subset in each PDF, as real names sometimes do.
const UNICODE_NAMES = ['Nguyễn Văn Thành', "Zoë O'Brien-Łukasiewicz", 'Đặng Thị Hồng']

function caseInput(i: number, counts: number, unicode: boolean): CaseInput {
  const name = (unicode ? UNICODE_NAMES : NAMES)[i % 3]!
  return {
    person: {
      name,
      dob: `19${60 + (i % 30)}-0${1 + (i % 9)}-1${i % 10}`,
      cii: `S${String(i).padStart(8, '0')}`,
      dojSubjectId: `9${String(i).padStart(8, '0')}`,
      aliases: []
    },
    case: { county: 'SAN FRANCISCO', court: 'CA-SF', caseNumber: `SCN${String(700000 + i)}` },
    counts: Array.from({ length: counts }, (_, c) => ({
      codeSection: ['11359 HS', '11357(A) HS', '11360(A) HS', '11358 HS'][c % 4]!,
      severity: c % 4 === 1 ? ('M' as const) : ('F' as const),
      disposition: 'convicted' as const,
      convictionDate: `20${10 + (c % 6)}-0${1 + (c % 9)}-15`,
      sentence: [{ kind: 'jail' as const, length: 30, unit: 'days' as const }]
    }))
  }
}

/**
 * Puts `count` filings in state `queued` the way a DA office would: cases taken
 * in, papers prepared on the render pool, each case queued for filing with
 * CA-SF (as the courts file names it). For the crash test and bench:filing.
 */
export async function seedFilings(options: {
  db: Kysely<Database>
  dialect: DialectName
  config: Config
  clock: Clock
  count: number
  first?: number
  countsPerCase?: number
  unicodeNames?: boolean
}): Promise<string[]> {
  const { db, config, clock } = options
  const ctx: AuditContext = {
    principal: { clientId: 'seed', role: 'admin', county: null },
    requestId: null,
    now: clock.now()
  }
  const caseIds: string[] = []
  for (let i = 0; i < options.count; i += 500) {
    const inputs = Array.from({ length: Math.min(500, options.count - i) }, (_, j) =>
      caseInput((options.first ?? 0) + i + j, options.countsPerCase ?? 1, options.unicodeNames ?? false)
    )
    const stored = await db.transaction().execute((trx) => storeCases(trx, inputs, ctx, (k) => `/cases/${k}`))
    caseIds.push(...stored.map((s) => s.id))
  }
  const services = createServices({ db, dialect: options.dialect, clock, config })
  const renderer = createRenderer()
  try {
    const profile = requireProfile(configuredProfiles(config), 'SAN FRANCISCO')
    await preparePapers(
      { db, store: services.store, renderer, profile },
      {
        caseIds,
        scope: 'case',
        date: ctx.now.toISOString().slice(0, 10),
        county: 'SAN FRANCISCO',
        reviewRunId: null,
        now: ctx.now.toISOString()
      }
    )
  } finally {
    await renderer.close()
  }
  const filingIds: string[] = []
  for (const id of caseIds) filingIds.push(await queueCaseFiling(services.pipeline, ctx, id))
  await services.close()
  return filingIds
}
