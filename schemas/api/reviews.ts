import Type from 'typebox'
import { IsoDate, IsoDateTime } from './common.js'

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])

export const ReviewQuery = Type.Object({
  asOf: IsoDate,
  policy: Type.Optional(
    Type.String({
      description:
        '`county` (the county’s active policy, the default) or a built-in policy: statewide-default, dismiss-all, la-pilot'
    })
  ),
  county: Type.Optional(Type.String({ description: 'Admin keys only: the county to review for' })),
  name: Type.Optional(Type.String({ maxLength: 200, description: 'The uploaded file’s name, for the record' }))
})

export const ReviewView = Type.Object({
  id: Type.String(),
  county: Type.String(),
  asOf: IsoDate,
  state: Type.Enum(['queued', 'running', 'done', 'failed']),
  policy: Type.Object({ name: Nullable(Type.String()), sha256: Type.String(), snapshot: Type.Unknown() }),
  listVersions: Type.Record(Type.String(), Type.String()),
  input: Type.Object({
    name: Nullable(Type.String()),
    sha256: Nullable(Type.String()),
    bytes: Nullable(Type.Integer())
  }),
  progress: Type.Object({
    bytesRead: Type.Integer(),
    rowsRead: Type.Integer(),
    rowsRejected: Type.Integer(),
    share: Type.Number()
  }),
  /** summary.json of the run once it is done: rows, people, convictions by section and outcome, relief figures, time taken. */
  summary: Type.Unknown(),
  error: Nullable(Type.String()),
  files: Type.Object({ determinations: Type.String(), errors: Type.String(), summary: Type.String() }),
  createdAt: IsoDateTime,
  startedAt: Nullable(IsoDateTime),
  finishedAt: Nullable(IsoDateTime)
})

export const ReviewFileParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  file: Type.Enum(['determinations.csv', 'errors.csv', 'summary.json'])
})
