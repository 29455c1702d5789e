import { createConfig, lintFromString, type NormalizedProblem } from '@redocly/openapi-core'
import t from 'tap'
import { buildTestApp } from '../helper.js'

interface Media {
  schema?: { $ref?: string; anyOf?: Array<{ $ref?: string }>; type?: string; format?: string }
}
interface Operation {
  operationId?: string
  security?: unknown[]
  requestBody?: { required?: boolean; content: Record<string, Media> }
  responses: Record<string, { description: string; content?: Record<string, Media> }>
}
interface Document {
  security?: unknown[]
  paths: Record<string, Record<string, Operation>>
}

/** Operations anyone may call: liveness and readiness. They answer no 4xx: no key, no input. */
const PUBLIC = new Set(['GET /healthz', 'GET /readyz'])
const ERROR_SCHEMA = '#/components/schemas/ErrorResponse'

/** Every operation of the document as `METHOD /path`. */
function operations(doc: Document): Array<[string, Operation]> {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]): [string, Operation] => [`${method.toUpperCase()} ${path}`, op])
  )
}

const where = (p: NormalizedProblem) => p.location.map((l) => l.pointer).join(', ')

t.test('the OpenAPI document', async (t) => {
  const { app } = await buildTestApp(t)
  const res = await app.inject({ url: '/docs/json' })
  t.equal(res.statusCode, 200)
  const doc = res.json() as Document
  const ops = new Map(operations(doc))

  t.test("passes Redocly's recommended rules with no error", async (t) => {
    const problems = await lintFromString({
      source: res.body,
      absoluteRef: 'docs.json',
      config: await createConfig({ extends: ['recommended'] })
    })
    const errors = problems.filter((p) => p.severity === 'error')
    // Warnings are shown, not failed on; the report of each run lists them.
    for (const p of problems.filter((p) => p.severity !== 'error'))
      t.comment(`lint ${p.severity}: ${p.ruleId} at ${where(p)}: ${p.message}`)
    t.same(
      errors.map((p) => `${p.ruleId} at ${where(p)}: ${p.message}`),
      [],
      'no lint error'
    )
  })

  t.test('documents the uploads, which the routes stream, with every media type they take', async (t) => {
    const review = ops.get('POST /v1/reviews')?.requestBody
    t.same(Object.keys(review?.content ?? {}).sort(), ['application/octet-stream', 'text/csv'])
    t.equal(review?.content['text/csv']?.schema?.format, 'binary')
    const report = ops.get('POST /v1/outcome-reports')?.requestBody
    t.same(Object.keys(report?.content ?? {}).sort(), [
      'application/xml',
      'multipart/form-data',
      'text/csv',
      'text/xml'
    ])
    t.match(report?.content['multipart/form-data']?.schema, {
      type: 'object',
      required: ['file'],
      properties: { file: { type: 'string', format: 'binary' }, court: { type: 'string' } }
    })
  })

  t.test('gives each file download its own media type', async (t) => {
    const success = (op: string) => Object.keys(ops.get(op)?.responses['200']?.content ?? {}).sort()
    t.same(success('GET /v1/outcome-reports/{id}/reconciliation.csv'), ['text/csv'])
    t.same(success('GET /v1/exports/doj-updates'), ['text/csv'])
    t.same(success('GET /v1/reviews/{id}/files/{file}'), ['application/json', 'text/csv'])
    t.same(success('GET /v1/filings/{id}/message.xml'), ['application/xml'])
    t.same(success('GET /v1/documents/{id}'), ['application/pdf'])
  })

  t.test('asks no key of the public operations, and a key of every other', async (t) => {
    t.same(doc.security, [{ apiKey: [] }])
    for (const op of PUBLIC) t.same(ops.get(op)?.security, [], `${op} is public`)
    for (const [name, op] of ops) if (!PUBLIC.has(name)) t.equal(op.security, undefined, `${name} takes the key`)
  })

  t.test('answers every error with the error body, and documents the errors of the key and the server', async (t) => {
    for (const [name, op] of ops) {
      const statuses = Object.keys(op.responses)
      if (!PUBLIC.has(name)) {
        t.ok(
          statuses.some((s) => s.startsWith('4')),
          `${name} has a 4xx response`
        )
        for (const s of ['401', '403', '429', '500', '503']) t.ok(op.responses[s], `${name} documents ${s}`)
      }
      t.ok(op.responses['500'], `${name} documents 500`)
      for (const s of statuses.filter((s) => Number(s) >= 400)) {
        const media = op.responses[s]?.content ?? {}
        t.same(Object.keys(media), ['application/json'], `${name} ${s} is JSON`)
        const schema = media['application/json']?.schema
        const refs = [schema?.$ref, ...(schema?.anyOf ?? []).map((m) => m.$ref)]
        t.ok(refs.includes(ERROR_SCHEMA), `${name} ${s} can be the error body`)
      }
    }
  })
})
