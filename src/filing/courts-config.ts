import { readFileSync } from 'node:fs'
import { Value } from 'typebox/value'
import { CourtsFile, type CourtEntry } from '../../schemas/courts.js'
import { normalizeCounty } from '../db/api-client-repository.js'
import { ClearfileError } from '../errors.js'

/**
 * Reads the courts configuration (CLEARFILE_COURTS: a JSON list; schema in
 * schemas/courts.ts): each court's id, name, county, adapter, endpoint, the
 * names of the variables holding its credentials, and its limits.
 */
export function loadCourts(path: string): Map<string, CourtEntry> {
  let json: unknown
  try {
    json = JSON.parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new ClearfileError('CLEARFILE_ERR_CONFIG', `courts ${path}: ${(err as Error).message}`)
  }
  if (!Value.Check(CourtsFile, json)) {
    const problems = [...Value.Errors(CourtsFile, json)].map((e) => `${e.instancePath || '/'} ${e.message}`)
    throw new ClearfileError('CLEARFILE_ERR_CONFIG', `courts ${path} is invalid: ${problems.join('; ')}`)
  }
  const courts = new Map<string, CourtEntry>()
  for (const [i, c] of json.entries()) {
    if (courts.has(c.id))
      throw new ClearfileError('CLEARFILE_ERR_CONFIG', `courts ${path}: /${i}/id ${c.id} is listed twice`)
    courts.set(c.id, { ...c, county: normalizeCounty(c.county) })
  }
  return courts
}
