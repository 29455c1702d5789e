import type { Static, TSchema } from 'typebox'
import { Value } from 'typebox/value'
import { GogenOptions, Policy } from '../../schemas/policy.js'
import { ClearfileError, type ProblemDetail } from '../errors.js'
import { parseCodeSection } from './code-section.js'
import { fromGogenOptions, gogenSection, isGogenOptions } from './gogen-options.js'

/**
 * Reads a policy: clearfile's own format (schemas/policy.schema.json) or a
 * gogen eligibility-options file, which is converted (docs in README). Throws a
 * `CLEARFILE_ERR_VALIDATION` error naming each problem by JSON path.
 */
export function parsePolicy(input: unknown): Policy {
  if (isGogenOptions(input)) {
    const options = checked(GogenOptions, input)
    for (const list of ['dismiss', 'reduce'] as const) {
      for (const [j, text] of (options.baselineEligibility?.[list] ?? []).entries()) {
        if (!parseCodeSection(gogenSection(text)))
          throw new ClearfileError('CLEARFILE_ERR_VALIDATION', 'The policy is invalid', [
            { path: `/baselineEligibility/${list}/${j}`, message: `${JSON.stringify(text)} is not a code section` }
          ])
      }
    }
    return fromGogenOptions(options)
  }
  const policy = checked(Policy, input)
  for (const [i, rule] of policy.rules.entries()) {
    for (const [j, text] of (rule.when.section ?? []).entries()) {
      if (!parseCodeSection(text)) {
        throw new ClearfileError('CLEARFILE_ERR_VALIDATION', 'The policy is invalid', [
          { path: `/rules/${i}/when/section/${j}`, message: `${JSON.stringify(text)} is not a code section` }
        ])
      }
    }
  }
  return policy
}

/** The input as the schema's type, or a validation error naming each problem by its path (an unknown key by its own). */
function checked<S extends TSchema>(schema: S, input: unknown): Static<S> {
  if (Value.Check(schema, input)) return input
  const details: ProblemDetail[] = []
  for (const e of Value.Errors(schema, input)) {
    // An unknown key is reported twice: as `schema is false` at the key, and as additionalProperties at its object.
    if (e.keyword === 'boolean' && e.schemaPath.endsWith('/additionalProperties')) continue
    const extra = e.keyword === 'additionalProperties' ? (e.params as { additionalProperties?: string[] }) : null
    if (extra?.additionalProperties) {
      for (const key of extra.additionalProperties)
        details.push({ path: `${e.instancePath}/${key}`, message: 'is not an accepted field' })
    } else details.push({ path: e.instancePath || '/', message: e.message })
  }
  throw new ClearfileError('CLEARFILE_ERR_VALIDATION', 'The policy is invalid', details)
}
