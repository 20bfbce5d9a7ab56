/** The shapes every data source produces: its columns, what is predicted, and every row parsed. */
import type { Task } from '../training/spec';

/** What every view of the data shares: its columns and what is predicted. */
export interface DataShape {
  task: Task;
  featureNames: string[];
  labelName: string;
  numFeatures: number;
  /** Class names in natural order (classification only); `y` holds indexes into it. */
  classes?: string[];
  /** Output width: the number of classes, or 1 for regression. */
  numClasses: number;
  /**
   * The shape of one example when it is not a flat row (e.g. [28, 28, 1] for images, [steps,
   * features] for sequences); its product is numFeatures. Absent: [numFeatures].
   */
  featureShape?: number[];
}

/** Every row of the file, parsed but neither split nor scaled. */
export interface RawData extends DataShape {
  n: number;
  /** Row-major n × numFeatures. */
  x: Float32Array;
  /** Class index (classification) or target value (regression), one per row. */
  y: Float32Array;
}

