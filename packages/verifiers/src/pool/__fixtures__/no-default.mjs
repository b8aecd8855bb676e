/** A module without a default export: the pool must refuse it with a clear error. */
export const nothing = 1;
