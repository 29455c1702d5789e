import Type from 'typebox'
import { IsoDateTime } from './common.js'

export const OutcomeReportQuery = Type.Object({
  court: Type.Optional(
    Type.String({
      minLength: 1,
      description: "The court whose report this is (courts file id); the county's only court when left out"
    })
  ),
  county: Type.Optional(Type.String({ minLength: 1, description: 'Admin keys: the county the report is for' })),
  filename: Type.Optional(Type.String({ maxLength: 200 }))
})

const Count = Type.Object({
  line: Type.Integer(),
  filingId: Type.String(),
  convictionId: Type.String(),
  caseNumber: Type.String(),
  countOrder: Type.String(),
  ruling: Type.String(),
  matchedBy: Type.Enum(['filing_id', 'court_filing_id', 'case_name_dob']),
  confirmed: Type.Optional(
    Type.Boolean({ description: "The court's status had reported this ruling; the report confirms it" })
  )
})

const LineProblem = Type.Object({ line: Type.Integer(), reason: Type.String() })

export const OutcomeReportView = Type.Object({
  id: Type.String(),
  county: Type.String(),
  court: Type.String(),
  state: Type.Enum(['queued', 'done', 'failed'], {
    description:
      'queued: a large report taken to disk, reconciled in the background (follow this resource); done; failed: see error'
  }),
  error: Type.Optional(Type.String({ description: 'Why a queued report could not be reconciled' })),
  format: Type.Enum(['csv', 'xml']),
  fileName: Type.Union([Type.String(), Type.Null()]),
  sha256: Type.String(),
  lines: Type.Integer({
    description: 'Lines (CSV) or messages (XML) in the report; while queued, lines of the uploaded file'
  }),
  createdAt: IsoDateTime,
  finishedAt: Type.Union([IsoDateTime, Type.Null()]),
  summary: Type.Object({
    matched: Type.Integer(),
    alreadyRecorded: Type.Integer(),
    conflicts: Type.Integer(),
    unmatched: Type.Integer(),
    omitted: Type.Integer(),
    malformed: Type.Integer()
  }),
  matched: Type.Array(Count, { description: 'Counts whose ruling this report recorded (or confirmed)' }),
  alreadyRecorded: Type.Array(Count, {
    description: 'Counts already carrying this ruling from a report: nothing changed'
  }),
  conflicts: Type.Array(
    Type.Intersect([
      Count,
      Type.Object({
        recorded: Type.Object({
          ruling: Type.String(),
          source: Type.String(),
          reportId: Type.Union([Type.String(), Type.Null()])
        })
      })
    ]),
    { description: 'Rulings contradicting a recorded one: listed, never written over' }
  ),
  unmatched: Type.Array(LineProblem, { description: 'Lines that match no filing or count' }),
  omitted: Type.Array(
    Type.Object({
      filingId: Type.String(),
      state: Type.String(),
      courtFilingId: Type.Union([Type.String(), Type.Null()]),
      caseNumbers: Type.Array(Type.String())
    }),
    { description: 'Filings the court accepted that no report has ruled on, absent from this one' }
  ),
  malformed: Type.Array(LineProblem, { description: 'Lines that could not be read, by line number' }),
  notes: Type.Array(Type.Object({ line: Type.Integer(), note: Type.String() }))
})

export const DojUpdateQuery = Type.Object({
  since: Type.Optional(
    Type.String({
      format: 'date',
      description: 'Outcomes recorded on or after this date (YYYY-MM-DD); all when left out'
    })
  ),
  county: Type.Optional(Type.String({ minLength: 1, description: 'Admin keys: the county' }))
})
