export { errorTable, type ErrorCode, type ErrorDefinition } from './error-table.ts';
export { GatewayError, isGatewayError, type GatewayErrorOptions, type UpstreamDetails } from './gateway-error.ts';
