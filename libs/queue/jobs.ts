/** Queue names (kebab-case) and the typed payload of every job: ids and times only, never people or cells. */
export const TRACING_QUEUE = 'tracing';

/**
 * Every job's options unless it sets its own (the apps' BullMQ default; the bench queues with
 * them too): retried with backoff; finished jobs trimmed by count and age.
 */
export const DEFAULT_JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: { count: 1_000, age: 24 * 3600 },
  removeOnFail: { count: 5_000, age: 7 * 24 * 3600 },
} as const;

export const JobName = {
  /** Periodic: registers closed windows and enqueues those needing a trace (the reconciler). */
  Tick: 'tick',
  /** Parent of a window's trace: claims it, plans the shards, waits for them, combines their results. */
  TraceWindow: 'trace-window',
  /** Child: the contacts of the source pings in one range of cells. */
  TraceShard: 'trace-shard',
  /** Periodic: creates the coming days' ping partitions and drops those past the retention. */
  MaintainPartitions: 'maintain-partitions',
  /** Periodic: re-publishes recently changed codes to the cache (backstop of the write-through). */
  SyncRecentCodes: 'sync-recent-codes',
  /** A traced window's late pings, all that wait, merged into its result (queued by the tick). */
  TraceLatePings: 'trace-late-pings',
  /** A person set red with an earlier infectious start, traced as the only source in the windows already traced (a retro_traces row). */
  RetroTrace: 'retro-trace',
  /** Periodic: yellows whose quarantine has ended become green. */
  ExpireQuarantines: 'expire-quarantines',
} as const;

export type JobNameValue = (typeof JobName)[keyof typeof JobName];

export interface JobPayloads {
  [JobName.Tick]: Record<string, never>;
  [JobName.TraceWindow]: { windowId: number; generation: number };
  [JobName.TraceShard]: { windowId: number; generation: number; shard: number };
  [JobName.MaintainPartitions]: Record<string, never>;
  [JobName.SyncRecentCodes]: Record<string, never>;
  /** `upToSeq`: the newest late ping waiting when it was queued (a new burst, or a new trace of the window, gets a new job id). */
  [JobName.TraceLatePings]: { windowId: number; generation: number; upToSeq: number };
  [JobName.RetroTrace]: { retroId: string };
  [JobName.ExpireQuarantines]: Record<string, never>;
}

/** Deterministic ids: the same window generation is never queued twice (BullMQ ignores a known id). */
export const traceWindowJobId = (windowId: number, generation: number): string =>
  `trace-window-${windowId}-${generation}`;

export const traceShardJobId = (windowId: number, generation: number, shard: number): string =>
  `trace-shard-${windowId}-${generation}-${shard}`;

export const traceLatePingsJobId = (windowId: number, generation: number, upToSeq: number): string =>
  `trace-late-pings-${windowId}-${generation}-${upToSeq}`;

export const retroTraceJobId = (retroId: string): string => `retro-trace-${retroId}`;

/**
 * BullMQ's key prefix. Its scripts touch several keys of a queue at once, so on a Redis Cluster
 * every key of a queue must hash to one slot: the braces make the prefix the keys' hash tag
 * (harmless on a single Redis, so both layouts are the same).
 */
export const queuePrefix = (keyPrefix: string): string => `{${keyPrefix}-bull}`;
