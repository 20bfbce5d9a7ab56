/**
 * The version of the trainer's numerics: bump it whenever a change to training (the loop, kernels,
 * initialisation, shuffling, metrics) can change any trial's result for the same inputs, so that
 * trials stored by an older trainer are never served for the new one (it is part of every trial key).
 * 1: `model.fit`; 2: the trainer's own loop with the fused dense path (dense-fast.ts).
 */
export const TRAINER_NUMERICS_VERSION = 2;
