/** Queue names (kebab-case) and the typed payload of every job: ids and times only, never people or cells. */
export const TRACING_QUEUE = 'tracing';

export const JobName = {
  /** Periodic: registers closed windows and enqueues those needing a trace (the reconciler). */
  Tick: 'tick',
  TraceWindow: 'trace-window',
  /** Periodic: creates the coming days' ping partitions and drops those past the retention. */
  MaintainPartitions: 'maintain-partitions',
} as const;

export type JobNameValue = (typeof JobName)[keyof typeof JobName];

export interface JobPayloads {
  [JobName.Tick]: Record<string, never>;
  [JobName.TraceWindow]: { windowId: number; generation: number };
  [JobName.MaintainPartitions]: Record<string, never>;
}

/** Deterministic ids: the same window generation is never queued twice (BullMQ ignores a known id). */
export const traceWindowJobId = (windowId: number, generation: number): string => `trace-window-${windowId}-${generation}`;
