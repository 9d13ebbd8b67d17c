/**
 * `CounterStore` in process memory: the round-robin turn of each model. The planner calls `next` once per round-robin
 * plan.
 */
import type { CounterStore } from '../state-stores.ts';

/** The last turn before wrapping to 0: far from losing integer precision, and a small integer for V8. */
export const maxTurn = 0x3fffffff;

export class MemoryCounterStore implements CounterStore {
  readonly #turns = new Map<string, number>();

  next(key: string): number {
    const turn = this.#turns.get(key) ?? 0;
    this.#turns.set(key, turn >= maxTurn ? 0 : turn + 1);
    return turn;
  }

  clear(): void {
    this.#turns.clear();
  }
}
