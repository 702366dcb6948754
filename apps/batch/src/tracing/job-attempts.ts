import type { Job } from 'bullmq';

/** The attempt running now is the job's last: failing it fails the job for good. */
export const isLastAttempt = (job: Job): boolean => job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
