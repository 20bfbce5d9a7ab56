/**
 * The version of the trainer's numerics: bumped whenever the same inputs would train to different
 * numbers (a new training loop, fused kernels, another summation order). It is part of every trial
 * key (store/versions.ts), so a stored trial is never served for a trainer that would not
 * reproduce it. 1: `model.fit`; 2: the own training loop with the fused dense path (dense-fast.ts).
 */
export const TRAINER_NUMERICS_VERSION = 2;
