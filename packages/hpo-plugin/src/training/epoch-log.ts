/** One epoch's record, as training logs it and checkpoints keep it. */
export interface EpochLog {
  /** 1-based. */
  epoch: number;
  loss: number;
  /** NaN when the dataset has no validation rows (training on everything). */
  val_loss: number;
  /** Classification. */
  accuracy?: number;
  val_accuracy?: number;
  /** Regression. */
  mae?: number;
  val_mae?: number;
  /**
   * The learning rate the epoch's last batch trained with: the optimizer's, as a schedule sets it
   * or sgd-hd / adam-hd adapt it.
   */
  lr: number;
  durationMs: number;
  /** With early stopping: the best epoch so far by its metric (whose weights are restored at the end). */
  bestEpoch?: number;
  /** 1 on the epoch where early stopping ended training before training.epochs. */
  earlyStopped?: number;
}
