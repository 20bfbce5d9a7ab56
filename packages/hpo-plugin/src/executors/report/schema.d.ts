export interface ReportExecutorOptions {
  studies: string[];
  outputPath?: string;
  title?: string;
}
