import { expect } from 'vitest';
import { DepcapsError } from '../../src/errors.js';

/** Awaits a promise that must reject with a DepcapsError, and returns that error. */
export async function rejection(p: Promise<unknown>): Promise<DepcapsError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DepcapsError);
  return err as DepcapsError;
}
