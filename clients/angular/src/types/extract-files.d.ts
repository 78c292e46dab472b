// extract-files 13 ships JSDoc types only: the two functions the upload link uses.
declare module 'extract-files/extractFiles.mjs' {
  export default function extractFiles<T>(
    value: T,
    isExtractable: (value: unknown) => boolean,
    path?: string,
  ): { clone: T; files: Map<unknown, string[]> };
}
declare module 'extract-files/isExtractableFile.mjs' {
  export default function isExtractableFile(value: unknown): boolean;
}
