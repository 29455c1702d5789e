import { type RawBuilder, type SqlBool, sql } from 'kysely'

/** The columns a search looks in, as `alias.column` references. */
export interface SearchColumns {
  /** Ids matched exactly (a determination's, a filing's, the court's filing id). */
  ids: readonly string[]
  caseNumber: string
  cii: string
  name: string
  aliases: string
}

/** Letters and digits of a name, lower case, one word each: what a person types matched to what DOJ wrote. */
export function nameWords(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 8)
}

/**
 * One search box for a deputy DA or a clerk: an exact id, case number (any case) or CII, or a name whose every
 * word is in the person's name or an alias in any order (`david nguyen` finds `NGUYEN,DAVID B`). Words are
 * letters and digits only, so nothing typed reaches LIKE as a wildcard.
 */
export function searchCondition(text: string, columns: SearchColumns): RawBuilder<SqlBool> {
  const q = text.trim()
  const exact = [
    ...columns.ids.map((c) => sql<SqlBool>`${sql.ref(c)} = ${q}`),
    sql<SqlBool>`upper(${sql.ref(columns.caseNumber)}) = ${q.toUpperCase()}`,
    sql<SqlBool>`upper(${sql.ref(columns.cii)}) = ${q.toUpperCase()}`
  ]
  const words = nameWords(q)
  const named =
    words.length === 0
      ? []
      : [
          sql.join(
            words.map(
              (w) =>
                sql<SqlBool>`lower(${sql.ref(columns.name)} || ' ' || ${sql.ref(columns.aliases)}) like ${`%${w}%`}`
            ),
            sql` and `
          )
        ]
  return sql<SqlBool>`(${sql.join(
    [...exact, ...named].map((c) => sql`(${c})`),
    sql` or `
  )})`
}
