import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

/**
 * The packages a module loads when it runs, through its own imports and theirs. With `verbatimModuleSyntax`, only an
 * `import type` (or `export type`) statement is dropped from the output: any other import loads its module.
 */
function packagesLoadedBy(entry: string): { packages: Set<string>; modules: Set<string> } {
  const packages = new Set<string>()
  const modules = new Set<string>()
  const visit = (file: string) => {
    if (modules.has(file)) return
    modules.add(file)
    const source = readFileSync(file, 'utf8')
    for (const m of source.matchAll(/^(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gms)) {
      const specifier = m[1]!
      if (!specifier.startsWith('.')) {
        packages.add(specifier)
        continue
      }
      const target = join(dirname(file), specifier)
      const ts = target.replace(/\.js$/, '.ts')
      if (existsSync(ts)) visit(ts)
      else if (!target.endsWith('.json')) throw new Error(`${relative(root, file)} imports ${specifier}, not found`)
    }
  }
  visit(join(root, entry))
  return { packages, modules }
}

t.test(
  'a review worker loads the engine without the schema validator: loading TypeBox took each worker 300 ms',
  async (t) => {
    const { packages, modules } = packagesLoadedBy('src/ingest/doj-review-worker.ts')
    t.ok(modules.has(join(root, 'src/eligibility/policy.ts')), 'it runs the policy engine')
    t.ok(modules.has(join(root, 'src/eligibility/prop64-floor.ts')), 'and the law floor')
    t.same(
      [...packages].filter((p) => p === 'typebox' || p.startsWith('typebox/')),
      [],
      `packages loaded: ${[...packages].sort().join(', ')}`
    )
  }
)

t.test('policies are still validated where they are read: parse-policy loads the validator', async (t) => {
  // The check above is no check if the walk misses imports: the module that validates must be seen to load TypeBox.
  const { packages } = packagesLoadedBy('src/eligibility/parse-policy.ts')
  t.ok(packages.has('typebox/value'))
})
