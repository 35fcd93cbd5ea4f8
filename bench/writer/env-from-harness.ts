// Imported first by the writer benchmark: the harness's BENCH_PG_URL / BENCH_REDIS_URL choose the
// servers (the test helpers read TEST_PG_URL / TEST_REDIS_URL when they load).
if (process.env['BENCH_PG_URL']) process.env['TEST_PG_URL'] ??= process.env['BENCH_PG_URL'];
if (process.env['BENCH_REDIS_URL']) process.env['TEST_REDIS_URL'] ??= process.env['BENCH_REDIS_URL'];

export {};
