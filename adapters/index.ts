import { ecf4SoapAdapter } from './ecf4-soap/adapter.js'
import { fileDropAdapter } from './file-drop/adapter.js'
import type { CourtAdapterFactory } from './types.js'

export type { CourtAdapter, CourtConfig } from './types.js'

/**
 * Court adapter factories by the name a court's configuration gives. The
 * composition root (src/services.ts) constructs each court's adapter from these
 * and injects it; nothing else imports this file. The simulated Superior Court
 * speaks the same ECF 4.01 SOAP as a real one, so it is reached through the
 * same adapter; `file-drop` serves courts without e-filing.
 */
export const COURT_ADAPTERS: Readonly<Record<string, CourtAdapterFactory>> = {
  'ecf4-soap': ecf4SoapAdapter,
  simulator: ecf4SoapAdapter,
  'file-drop': fileDropAdapter
}

/** The simulated Superior Court itself (the server behind the `simulator` adapter): the default court of `clearfile serve`. */
export { startSimulatedCourt } from './simulator/court.js'
