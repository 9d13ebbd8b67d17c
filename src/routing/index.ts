/**
 * The routing engine: pure policies that order a model's channels for a request and explain every channel passed
 * over. Imports spec, errors and configuration helpers only, and the state stores' types (`src/store/`); never a provider;
 * no I/O.
 */
export * from './routing-types.ts';
export { compileModelRoute, defaultExpectedOutputTokens, hashString } from './model-route.ts';
export { describeRequest, describeEmbeddingRequest, imageTokens, preloadTokenizer, type DescribeOptions } from './describe-request.ts';
export { planRoute, channelPassReason, capabilityReason, capacityExceeded, requestTokens, rendezvousPick, namesChannel, type RoutePlan } from './route-planner.ts';
export { RouteTrace, routeHeader, parseRouteHeader, type TraceAttempt, type RouteTraceRecord, type RouteHeaderEntry } from './route-trace.ts';
export { passReason, reasonText, reasons, cooldownReason, formatCount } from './pass-reasons.ts';
export { noRouteError } from './no-route-error.ts';
export { ConfiguredLicenceBook, selectsChannel, utcDay, isUtcDay, type LicenceBook, type LicenceTerms, type LicenceVerdict, type ChannelSelector, type UtcDay } from './licences.ts';
export { ConfiguredDeclineRule, inTimeRange, utcMinuteOfDay, utcWeekday, weekdays, type DeclineRuleSpec, type DeclineConditions, type UtcTimeRange, type Weekday } from './decline-rules.ts';
export {
  parsePreferencesHeader,
  parsePreferencesBody,
  readClientPreferences,
  withoutGatewayExtension,
  preferencesHeader,
  gatewayExtensionField,
  type ClientPreferences,
} from './client-preferences.ts';
export { seededRandom } from './seeded-random.ts';
