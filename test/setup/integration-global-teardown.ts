import { deleteRedisPrefix, dropTestDatabase } from '../../libs/testing/src/lib/test-env';

export default async function teardown(): Promise<void> {
  const db = process.env['TEST_DB_NAME'];
  if (db) await dropTestDatabase(db);
  const prefix = process.env['REDIS_KEY_PREFIX'];
  if (prefix) await deleteRedisPrefix(prefix);
}
