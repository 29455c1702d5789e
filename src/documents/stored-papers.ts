import type { Kysely } from 'kysely'
import { caseWithPerson, convictionsOfCase } from '../db/case-repository.js'
import { latestDeterminations } from '../db/determination-repository.js'
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
 * A stored case as court papers need it: the person, and each count with its
 * newest determination — a deputy DA's decision where there is one, else the
 * engine's outcome. Undefined when no count of the case is granted relief.
 */
export async function storedCasePapers(db: Kysely<Database>, caseId: string): Promise<StoredCasePapers | undefined> {
  const row = await caseWithPerson(db, caseId)
  if (!row) return undefined
  const counts = await convictionsOfCase(db, caseId)
  const latest = await latestDeterminations(
    db,
    counts.map((c) => c.id)
  )
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
