import { type Kysely, type RawBuilder, type SqlBool, sql } from 'kysely'
import type { Database } from './schema.js'

/** Letters and digits of a name, lower case, one word each: what a person types matched to what DOJ wrote. */
export function nameWords(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 8)
}

/**
 * What a search box's text names, found before the listing is read so that each kind of input takes its own
 * indexed path instead of one OR that scans every row: one of our ids (a primary key), cases by exact case number
 * or CII (expression indexes on `upper(…)`), and only when neither matches, people whose name or alias holds every
 * word typed (a scan, the one search that needs it).
 */
export type SearchedRecords =
  | { by: 'ids'; ids: string[] }
  | { by: 'cases'; caseIds: string[] }
  | { by: 'name'; words: string[] }
  | { by: 'nothing' }

const ID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** True for text shaped like the ids clearfile gives (UUIDs); such text is looked up as an id only. */
export const isIdShaped = (text: string) => ID_SHAPE.test(text.trim())

/** Cases of the county (all for null) whose case number, or whose person's CII, is `text` in any case. */
export async function casesNamedExactly(db: Kysely<Database>, county: string | null, text: string): Promise<string[]> {
  const upper = text.trim().toUpperCase()
  let byNumber = db.selectFrom('court_cases as k').select('k.id').where(sql<SqlBool>`upper(k.case_number) = ${upper}`)
  let byCii = db
    .selectFrom('people as p')
    .innerJoin('court_cases as k', 'k.person_id', 'p.id')
    .select('k.id')
    .where(sql<SqlBool>`upper(p.cii) = ${upper}`)
  if (county !== null) {
    byNumber = byNumber.where('k.county', '=', county)
    byCii = byCii.where('p.county', '=', county)
  }
  // A CII names a person's few cases and a case number one case (a county may reuse it across courts).
  const rows = await byNumber.union(byCii).limit(1000).execute()
  return rows.map((r) => r.id)
}

/**
 * Resolves a search's text to what it names (see SearchedRecords). `exactIds` looks up the listing's own ids and
 * any other exact identifier it knows (a court's filing id); ids are tried first, then cases, then names.
 */
export async function searchRecords(
  db: Kysely<Database>,
  county: string | null,
  text: string | undefined,
  exactIds: (text: string) => Promise<string[]>
): Promise<SearchedRecords | undefined> {
  const q = text?.trim()
  if (!q) return undefined
  const ids = await exactIds(q)
  if (ids.length > 0) return { by: 'ids', ids }
  if (isIdShaped(q)) return { by: 'nothing' }
  const caseIds = await casesNamedExactly(db, county, q)
  if (caseIds.length > 0) return { by: 'cases', caseIds }
  const words = nameWords(q)
  return words.length > 0 ? { by: 'name', words } : { by: 'nothing' }
}

/**
 * A person's name or an alias holds every word (`david nguyen` finds `NGUYEN,DAVID B`). Words are letters and
 * digits only, so nothing typed reaches LIKE as a wildcard.
 */
export function nameHoldsWords(
  words: readonly string[],
  columns: { name: string; aliases: string }
): RawBuilder<SqlBool> {
  return sql<SqlBool>`(${sql.join(
    words.map(
      (w) => sql<SqlBool>`lower(${sql.ref(columns.name)} || ' ' || ${sql.ref(columns.aliases)}) like ${`%${w}%`}`
    ),
    sql` and `
  )})`
}

/** A condition that no row meets (a search that named nothing). */
export const noRows = sql<SqlBool>`1 = 0`
