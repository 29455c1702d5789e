import type { Migration } from 'kysely'
import { dataModel } from './0001-data-model.js'

/**
 * Every migration, in order. Listed statically (rather than read from the
 * folder) so the same list works from TypeScript sources and compiled output.
 */
export const migrations: Record<string, Migration> = {
  '0001-data-model': dataModel
}
