/**
 * How many HTTP requests this process is serving right now (the server counts them; nothing
 * else writes it). The SQLite group commit reads it: with one request in flight nobody can join
 * that request's group, so it commits at once instead of waiting a turn of the event loop for
 * company. Outside any request (CLI, jobs, tests driving the store) it is 0 and groups form as
 * before. It only moves the commit earlier or later; every caller still waits for its COMMIT.
 */
export const requestsInFlight = { count: 0 };
