import Type from 'typebox'

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])

/** Query parameters every paged listing takes: keyset cursors both ways, the last page, a search, a sort. */
export const PagingQuery = {
  after: Type.Optional(Type.String({ description: 'The `next` cursor of the page before: the page after it' })),
  before: Type.Optional(Type.String({ description: 'The `prev` cursor of the page after: the page before it' })),
  last: Type.Optional(Type.Boolean({ description: 'The last page (with no cursor)' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  q: Type.Optional(
    Type.String({
      maxLength: 200,
      description:
        'Search: an id, a case number or CII (exact, any case), or a name whose every word is in the name or an alias (`david nguyen` finds `NGUYEN,DAVID B`)'
    })
  ),
  direction: Type.Optional(Type.Enum(['asc', 'desc'], { default: 'asc' }))
}

/** What a page answers besides its items. */
export const PageLinks = {
  /** Pass as `after` for the next page; null on the last page. */
  next: Nullable(Type.String({ description: 'Pass as `after` for the next page; null on the last page' })),
  prev: Nullable(Type.String({ description: 'Pass as `before` for the page before; null on the first page' })),
  total: Type.Integer({ description: 'How many match the query, on every page' })
}
