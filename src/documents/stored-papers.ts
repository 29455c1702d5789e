import type { Kysely } from 'kysely'
import { type CaseWithPerson, type ConvictionRow, casesWithPeople, convictionsOfCases } from '../db/case-repository.js'
import { type DeterminationRow, latestDeterminations } from '../db/determination-repository.js'
import { parseJsonColumn } from '../db/json.js'
import type { Database } from '../db/schema.js'
import type { Relief, Remedy } from '../eligibility/prop64-floor.js'
import { countGrounds, effectiveOutcome, type LawFacts } from '../eligibility/relief-grounds.js'
import { grantableCounts, type PaperCase, type PaperPerson } from './court-papers.js'

export interface StoredCasePapers {
  caseId: string
  personId: string
  court: string
  person: PaperPerson
  case: PaperCase
}

/**
 * Stored cases as court papers need them, in the order asked: the person, and each count with its newest
 * determination — a deputy DA's decision where there is one, else the engine's outcome. Undefined for a case
 * that does not exist or of which no count is granted relief. Read a few statements for a whole batch of
 * cases (a county's papers are read in thousands), never a statement per case.
 */
export async function storedCasesPapers(
  db: Kysely<Database>,
  caseIds: readonly string[]
): Promise<Array<StoredCasePapers | undefined>> {
  const cases = await casesWithPeople(db, caseIds)
  const convictions = await convictionsOfCases(db, [...cases.keys()])
  const latest = await latestDeterminations(
    db,
    [...convictions.values()].flatMap((counts) => counts.map((c) => c.id))
  )
  return caseIds.map((caseId) => {
    const row = cases.get(caseId)
    return row ? casePapers(row, convictions.get(caseId) ?? [], latest) : undefined
  })
}

function casePapers(
  row: CaseWithPerson,
  counts: readonly ConvictionRow[],
  latest: ReadonlyMap<string, DeterminationRow>
): StoredCasePapers | undefined {
  const paperCase: PaperCase = {
    caseNumber: row.case_number,
    courtCaseId: row.court_case_id,
    court: row.court_id,
    counts: counts.flatMap((c) => {
      const d = latest.get(c.id)
      if (!d) return []
      const outcome = effectiveOutcome(d)
      if (outcome === 'needs_review') return []
      const remedy: Remedy = d.remedy
      return [
        {
          countOrder: c.count_order,
          section: d.section ?? c.code_section ?? c.code_section_raw,
          severity: c.severity,
          convictionDate: c.conviction_date,
          outcome: outcome satisfies Relief,
          remedy,
          grounds: countGrounds(
            outcome,
            remedy,
            parseJsonColumn<LawFacts | null>(d.law_facts, null),
            d.decided_outcome !== null
          )
        }
      ]
    })
  }
  if (grantableCounts(paperCase).length === 0) return undefined
  return {
    caseId: row.id,
    personId: row.person_id,
    court: row.court_id,
    person: { name: row.name, aliases: parseJsonColumn<string[]>(row.aliases, []), dob: row.dob },
    case: paperCase
  }
}
