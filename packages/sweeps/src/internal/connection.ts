import { Redis, type RedisOptions } from 'ioredis';
import { maskRedisUrl, parseRedisUrl, type RedisConnection, type RedisTarget } from '../redis.js';

/** The target of a connection, parsed when it is a URL. */
export function redisTarget(connection: RedisConnection): RedisTarget {
  return typeof connection === 'string' ? parseRedisUrl(connection) : connection;
}

/** How a target is named in messages: never with its password. */
export function describeTarget(target: RedisTarget): string {
  const auth = target.password === undefined ? '' : `${target.username ?? ''}:***@`;
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  return `${target.tls ? 'rediss' : 'redis'}://${auth}${host}:${target.port}${target.db === 0 ? '' : `/${target.db}`}`;
}

/**
 * Text with a target's password replaced by `***` wherever it occurs (error messages of the
 * Redis client, a job's failure reason), so no log line or error carries it.
 */
export function maskSecret(text: string, target: RedisTarget): string {
  const secret = target.password;
  const masked = maskRedisUrl(text);
  return secret === undefined || secret.length === 0 ? masked : masked.split(secret).join('***');
}

/** Options of {@link openRedis}. */
export interface OpenRedisOptions {
  /**
   * `worker`: retry forever (a worker outlives a Redis restart) and queue commands while
   * disconnected; `client`: give up after a few tries, so a command line fails with a message.
   */
  role: 'worker' | 'client';
  /** Called with each connection problem, its password masked. */
  onError?: (message: string) => void;
}

/**
 * An ioredis connection for BullMQ (`maxRetriesPerRequest: null`, as its workers need).
 * Callers close it with `quit()` or `disconnect()`.
 */
export function openRedis(connection: RedisConnection, options: OpenRedisOptions): Redis {
  const target = redisTarget(connection);
  const worker = options.role === 'worker';
  const redisOptions: RedisOptions = {
    host: target.host,
    port: target.port,
    db: target.db,
    ...(target.username === undefined ? {} : { username: target.username }),
    ...(target.password === undefined ? {} : { password: target.password }),
    ...(target.tls ? { tls: { servername: target.host } } : {}),
    maxRetriesPerRequest: null,
    connectTimeout: 10_000,
    // a worker waits out a Redis restart; a one-off command gives up after ~3 s
    retryStrategy: worker
      ? (times) => Math.min(250 * times, 5_000)
      : (times) => (times > 3 ? null : 250 * times),
    enableOfflineQueue: true,
  };
  const redis = new Redis(redisOptions);
  redis.on('error', (e: Error) => options.onError?.(maskSecret(e.message, target)));
  return redis;
}
