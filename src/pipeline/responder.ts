/**
 * How the pipeline hands a request's outcome to the wire: the HTTP layer implements it with a frontend's encoders.
 * The pipeline decides when (settle stages first); the responder decides how the bytes look.
 */
import type { GatewayError } from '../errors/index.ts';
import type { StreamResponder } from '../execution/execute-chat.ts';
import type { RouteChannel, RoutePlan } from '../routing/index.ts';
import type { Metered } from './stages.ts';

export interface Responder<Result> extends StreamResponder {
  /** Writes a whole successful (non-streaming) response; `metered` (when metering is on) becomes `x-interchange-cost`. */
  result(result: Result, channel: RouteChannel, plan: RoutePlan, metered: Metered | undefined): void;
  /** Writes the final bytes of a stream that succeeded. */
  endStream(): void;
  /** Writes an error: a whole error response when nothing was sent yet, otherwise an error event that ends the stream. */
  error(error: GatewayError, plan: RoutePlan | undefined): void;
}
