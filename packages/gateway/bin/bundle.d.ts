/** What build/bundle.ts writes to `dist/current.json`. */
export interface Manifest {
  /** The build's folder under dist/. */
  id: string;
  /** Its entry module, relative to that folder. */
  entry: string;
  /** Every file the build was made from (relative to packages/gateway) → `inputStamp` of it then. */
  inputs: Record<string, string>;
}
export declare const manifestName: string;
export declare function inputStamp(file: string, changedSince?: number): string;
export declare function freshBundle(outRoot?: string): string | undefined;
export declare function bundleToRun(outRoot?: string): string | undefined;
