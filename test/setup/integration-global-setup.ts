import { createTestDatabase, uniqueRunId } from '../../libs/testing/src/lib/test-env';

/**
 * One database and one Redis key prefix for the whole integration run; every test file reads them
 * from the environment and uses its own ids inside them. Teardown drops both.
 */
export default async function setup(): Promise<void> {
  const db = uniqueRunId('channels_it');
  process.env['TEST_DB_NAME'] = db;
  process.env['DATABASE_URL'] = await createTestDatabase(db);
  process.env['REDIS_KEY_PREFIX'] = `it:${db}:`;
}
