/**
 * The emulator framework: what every vendor emulator (OpenAI, Azure OpenAI, Bedrock, Vertex) is built on.
 * Emulators never import anything from `src/`.
 */
export { RunningEmulatorServer, startEmulatorServer } from './emulator-server.ts';
export type { EmulatorHandler, EmulatorServer, EmulatorServerOptions, ReceivedRequest, RunningEmulatorBase } from './emulator-server.ts';
export { Exchange } from './exchange.ts';
export type { EmulatorStats, HeaderList, StreamEvent, StreamOptions } from './exchange.ts';
export { FAULT_HEADER, FaultSpecError, NO_FAULT, findFaultMarker, isNoFault, parseFault } from './faults.ts';
export type { Fault } from './faults.ts';
export { DEFAULT_USAGE, findUsageMarker, parseUsageSpec } from './usage-marker.ts';
export type { UsageDirective } from './usage-marker.ts';
export {
  MAX_TOKEN_CHARACTERS,
  countTokens,
  deterministicId,
  hashString,
  hex32,
  leadingWords,
  nextState,
  splitTokens,
  tokenPrefixLength,
  unitFromState,
} from './deterministic.ts';
export { instanceFromSchema } from './json-schema-instance.ts';
