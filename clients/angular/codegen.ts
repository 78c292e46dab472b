// Typed documents from Hangar's schema.graphql (this repository's, generated from the server's
// code) for the operations written in the app with `graphql(...)`. `npm run build` runs this
// first, and it fails when an operation no longer matches the schema.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: '../../schema.graphql',
  documents: ['src/**/*.ts', '!src/app/graphql/generated/**'],
  generates: {
    'src/app/graphql/generated/': {
      preset: 'client',
      config: {
        scalars: { DateTime: 'string', Date: 'string', ID: 'string', Upload: 'File' },
        enumsAsTypes: true,
        useTypeImports: true,
      },
      presetConfig: { fragmentMasking: false },
    },
  },
  ignoreNoDocuments: false,
};
export default config;
