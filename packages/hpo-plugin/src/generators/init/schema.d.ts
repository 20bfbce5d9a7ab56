export interface InitGeneratorSchema {
  tuneTargetName?: string;
  trainTargetName?: string;
  skipPackageJson?: boolean;
  skipInstall?: boolean;
  keepExistingVersions?: boolean;
  skipFormat?: boolean;
}
