/**
 * A wait that ends early, rejecting with the reason, when its cancellation fires.
 * Imports only lib.
 */
import type { Cancellation } from './cancellation.ts';

export function sleep(milliseconds: number, cancellation: Cancellation): Promise<void> {
  return new Promise((resolve, reject) => {
    const stop = cancellation.listen((reason) => {
      clearTimeout(timer);
      reject(reason);
    });
    const timer = setTimeout(() => {
      stop();
      resolve();
    }, milliseconds);
  });
}
