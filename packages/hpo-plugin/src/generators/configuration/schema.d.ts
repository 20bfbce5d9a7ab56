export interface ConfigurationGeneratorSchema {
  /** The CSV file (.csv, .tsv, .csv.gz): relative to the current folder or the workspace root, or absolute. */
  data: string;
  /** An existing project to add the tune.yaml to. */
  project?: string;
  /** A folder (relative to the current folder) for a new project holding the tune.yaml. */
  directory?: string;
  /** Name of the new project (with --directory); default: the folder's last segment. */
  name?: string;
  /** Label column: a name (with a header row) or an index, negative from the end. Default: the last column. */
  label?: string | number;
  task?: 'classification' | 'regression';
  algorithm?: 'random' | 'grid' | 'bayesian' | 'tpe' | 'qlearning' | 'auto';
  trials?: number;
  /** Whether the first row is a header; detected when not given. */
  header?: boolean;
  /** Copy the CSV into the project even when it is inside the workspace (a file outside is always copied). */
  copyData?: boolean;
  /** Overwrite an existing tune.yaml. */
  force?: boolean;
  skipFormat?: boolean;
}
