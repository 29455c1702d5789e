import Type from 'typebox'
import { IsoDateTime } from './common.js'

export const DocumentView = Type.Object({
  id: Type.String(),
  kind: Type.Enum(['motion', 'proposed_order', 'schedule', 'notice']),
  scope: Type.Enum(['case', 'person', 'bulk']),
  sha256: Type.String({ description: 'SHA-256 of the PDF: the same inputs give the same bytes' }),
  pages: Type.Integer(),
  bytes: Type.Integer(),
  reviewId: Type.Union([Type.String(), Type.Null()]),
  url: Type.String({ description: 'GET it for the PDF' }),
  createdAt: IsoDateTime
})

export const DocumentList = Type.Object({ items: Type.Array(DocumentView) })

export const PaperScopeBody = Type.Object(
  {
    scope: Type.Optional(
      Type.Enum(['case', 'person', 'bulk'], {
        default: 'case',
        description:
          'case: papers per court case; person: per person and court; bulk: one motion and Schedule A per court'
      })
    )
  },
  { additionalProperties: false }
)

export const QueuedView = Type.Object({ queued: Type.Boolean(), reviewId: Type.String(), scope: Type.String() })
