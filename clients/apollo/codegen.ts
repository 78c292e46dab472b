// TypeScript types for Hangar's schema and for the operations the client sends.
//   npm run codegen   ->  src/generated/graphql.ts
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: '../../schema.graphql',
  documents: ['src/**/*.graphql'],
  generates: {
    'src/generated/graphql.ts': {
      plugins: ['typescript', 'typescript-operations'],
      config: {
        scalars: { DateTime: 'string', Date: 'string', ID: 'string' },
        enumsAsTypes: true,
      },
    },
  },
};
export default config;
