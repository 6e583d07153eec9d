/** CI provides a real Redis (.ci/redis.sh); locally the Redis tests are skipped out loud. */
export const redisUrl = process.env['HYPEREAL_TEST_REDIS_URL'];
if (!redisUrl && process.env['CI']) {
  throw new Error(
    'CI must set HYPEREAL_TEST_REDIS_URL (see .ci/redis.sh): the multi-replica tests need Redis.',
  );
}
if (!redisUrl)
  console.warn('HYPEREAL_TEST_REDIS_URL is not set: Redis tests are skipped (run .ci/redis.sh).');
