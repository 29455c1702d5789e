import { ecf4SoapAdapter } from './ecf4-soap/adapter.js'
import { fileDropAdapter } from './file-drop/adapter.js'
import type { CourtAdapter, CourtAdapterFactory, CourtConfig } from './types.js'

export type { CourtAdapter, CourtConfig } from './types.js'

/**
 * Court adapters by name. A court's configuration names one; the simulated
 * Superior Court speaks the same ECF 4.01 SOAP as a real one, so it is reached
 * through the same adapter; `file-drop` serves courts without e-filing.
 */
export const COURT_ADAPTERS: Readonly<Record<string, CourtAdapterFactory>> = {
  'ecf4-soap': ecf4SoapAdapter,
  simulator: ecf4SoapAdapter,
  'file-drop': fileDropAdapter
}

export function createCourtAdapter (config: CourtConfig): CourtAdapter {
  const factory = COURT_ADAPTERS[config.adapter]
  if (!factory) throw new Error(`court ${config.id}: no adapter named ${JSON.stringify(config.adapter)} (known: ${Object.keys(COURT_ADAPTERS).join(', ')})`)
  return factory(config)
}

/** The simulated Superior Court itself (the server behind the `simulator` adapter): the default court of `clearfile serve`. */
export { startSimulatedCourt } from './simulator/court.js'
