/**
 * The round-robin turn of each model, in process memory (each replica rotates on its own, which spreads load just as
 * well). The planner calls `next` once per round-robin plan.
 */
import type { ModelRoute, RoundRobinCounter } from './routing-types.ts';

export class RoundRobinCounters implements RoundRobinCounter {
  readonly #turns = new Map<ModelRoute, number>();

  next(route: ModelRoute): number {
    const turn = this.#turns.get(route) ?? 0;
    // Wraps well before losing integer precision.
    this.#turns.set(route, turn >= 0x3fffffff ? 0 : turn + 1);
    return turn;
  }
}
