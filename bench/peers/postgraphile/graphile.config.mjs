// PostGraphile V5 (Amber preset) + connection-filter, over Hangar's tables, as a team would
// run it instead of writing a server: the benchmark's peer.
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';
import { makePgService } from 'postgraphile/adaptors/pg';
import { PostGraphileConnectionFilterPreset } from 'postgraphile-plugin-connection-filter';

export default {
  extends: [PostGraphileAmberPreset, PostGraphileConnectionFilterPreset],
  pgServices: [makePgService({ connectionString: process.env.DATABASE_URL, schemas: ['public'], poolConfig: { max: 10 } })],
  grafserv: { port: Number(process.env.PORT ?? 5678), host: '127.0.0.1', graphiql: false },
  grafast: { explain: false },
  schema: { exportSchemaSDLPath: undefined },
};
