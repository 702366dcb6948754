/** A mistake in what the operator asked for, or an outcome to report: printed as a message, no stack trace. */
export class UsageError extends Error {}
