/**
 * Circuit breaker settings and their validation, shared by every `BreakerStore` implementation so that a shared one
 * accepts and rejects exactly what the in-memory one does.
 */
export interface BreakerSettings {
  /** Failure share in (0, 1] that opens the circuit. */
  readonly failureRate: number;
  /** Requests the window must hold before the rate counts. */
  readonly minimumRequests: number;
  readonly windowMs: number;
  /** Buckets the window is kept in (memory per channel); default 10. */
  readonly buckets?: number | undefined;
  /** How long the circuit stays open before probing. */
  readonly openForMs: number;
  /** Probes admitted in half-open; that many successes close the circuit. */
  readonly halfOpenProbes: number;
}

export const defaultBreakerSettings: BreakerSettings = Object.freeze({
  failureRate: 0.5,
  minimumRequests: 10,
  windowMs: 30_000,
  buckets: 10,
  openForMs: 30_000,
  halfOpenProbes: 2,
});

export const defaultBreakerBuckets = 10;

/** Returns the settings, or throws a RangeError naming every invalid field (in configuration's words). */
export function validateBreakerSettings(settings: BreakerSettings): BreakerSettings {
  const problems: string[] = [];
  if (!(settings.failureRate > 0 && settings.failureRate <= 1)) problems.push('failure_rate must be in (0, 1]');
  if (!Number.isInteger(settings.minimumRequests) || settings.minimumRequests < 1) problems.push('minimum_requests must be a positive integer');
  if (!(settings.windowMs > 0)) problems.push('window must be positive');
  if (settings.buckets !== undefined && (!Number.isInteger(settings.buckets) || settings.buckets < 1)) problems.push('buckets must be a positive integer');
  if (!(settings.openForMs > 0)) problems.push('open_for must be positive');
  if (!Number.isInteger(settings.halfOpenProbes) || settings.halfOpenProbes < 1) problems.push('half_open_probes must be a positive integer');
  if (problems.length > 0) throw new RangeError(`Invalid circuit breaker settings: ${problems.join('; ')}.`);
  return settings;
}
