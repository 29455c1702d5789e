import {
  BinaryOperationNode,
  FunctionNode,
  type KyselyPlugin,
  OperationNodeTransformer,
  OperatorNode,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  PrimitiveValueListNode,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
  ValueNode
} from 'kysely'

/**
 * Lists longer than this are sent as one array: a short list (`state in ('queued', 'submitting')`) keeps its
 * parameters, whose count the planner reads as the list's length; the lists that grow with the data are lookups by
 * id in pages of hundreds.
 */
export const ARRAY_FROM = 16

/** Whether every value is a string, or every value a finite number: what an array parameter carries unchanged. */
function homogeneous(values: readonly unknown[]): boolean {
  const kind = typeof values[0]
  if (kind !== 'string' && kind !== 'number') return false
  return values.every((v) => typeof v === kind && (kind === 'string' || Number.isFinite(v)))
}

class InListToAny extends OperationNodeTransformer {
  protected override transformBinaryOperation(node: BinaryOperationNode): BinaryOperationNode {
    const t = super.transformBinaryOperation(node)
    if (!OperatorNode.is(t.operator) || t.operator.operator !== 'in') return t
    if (!PrimitiveValueListNode.is(t.rightOperand)) return t
    const { values } = t.rightOperand
    if (values.length <= ARRAY_FROM || !homogeneous(values)) return t
    // `x = any($1)`: the server takes the parameter's type from x's (text[] for a text column).
    return BinaryOperationNode.create(
      t.leftOperand,
      OperatorNode.create('='),
      FunctionNode.create('any', [ValueNode.create(values)])
    )
  }
}

/**
 * PostgreSQL only: sends each long `in (…)` list of a statement as one array parameter (`= any($1)`).
 *
 * Why: a statement sent often is prepared (`PreparingClient`), and after five runs PostgreSQL may plan it once for
 * any values (a generic plan). An `in` list of 500 parameters is then an array built from them for each row it
 * tests, read from start to end: the clerk's-report look-up of 500 filings by the court's filing ids took 82–205 ms a
 * slice at statewide scale (auto_explain), filtering a county's 6,000–8,000 filings against the list instead of taking the index
 * on (court, court filing id). With one array parameter the generic plan looks each id up in the index (0.5 ms on
 * the same shape). And a statement's text no longer differs with its list's length, so each is prepared once
 * instead of once per length, and the 200 a connection prepares are not spent on lists.
 */
export class ArrayParametersPlugin implements KyselyPlugin {
  readonly #transformer = new InListToAny()

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.#transformer.transformNode(args.node)
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result
  }
}
