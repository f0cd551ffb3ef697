import { GanError } from '@gankit/core';

/** Where a Redis server is, as {@link parseRedisUrl} reads it from a URL. @category Queue */
export interface RedisTarget {
  host: string;
  port: number;
  /** The database number (`/2` at the end of the URL; default 0). */
  db: number;
  /** An ACL user name, when the URL gives one (`redis://user:password@host`). */
  username?: string;
  /** Never printed: {@link maskRedisUrl} replaces it with `***`. */
  password?: string;
  /** `rediss://`: connect with TLS. */
  tls: boolean;
}

/**
 * What the queue functions take to reach Redis: a `redis://` / `rediss://` URL, or its parts.
 * @category Queue
 */
export type RedisConnection = string | RedisTarget;

/** The environment variable the CLI reads a Redis URL from when `--redis` is not given. @category Queue */
export const REDIS_URL_ENV = 'GANKIT_REDIS_URL';

const DEFAULT_PORT = 6379;

/**
 * Reads `redis://[[user]:password@]host[:port][/db]` or `rediss://...` (TLS).
 * @param url - the URL
 * @returns its parts
 * @throws GanError `INVALID_ARGUMENT` for anything else; the message shows the URL with its password masked
 * @example
 * ```ts
 * import { parseRedisUrl } from '@gankit/sweeps';
 * const target = parseRedisUrl('redis://:s3cret@10.0.0.5:6380/2');
 * console.log(target.host, target.port, target.db, target.tls); // 10.0.0.5 6380 2 false
 * ```
 * @category Queue
 */
export function parseRedisUrl(url: string): RedisTarget {
  const bad = (why: string): never => {
    throw new GanError(
      'INVALID_ARGUMENT',
      `redis URL '${maskRedisUrl(url)}': ${why}; expected redis://[:password@]host:port[/db] or rediss://...`,
    );
  };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return bad('not a URL');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    bad(`unsupported scheme '${parsed.protocol.replace(/:$/, '')}'`);
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') bad('no host');
  const port = parsed.port === '' ? DEFAULT_PORT : Number(parsed.port);
  const dbText = parsed.pathname.replace(/^\//, '');
  if (dbText !== '' && !/^\d{1,5}$/.test(dbText)) bad(`the path must be a database number, got '/${dbText}'`);
  if (parsed.search !== '' || parsed.hash !== '') bad('query strings and fragments are not read');
  const username = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  return {
    host,
    port,
    db: dbText === '' ? 0 : Number(dbText),
    ...(username === '' ? {} : { username }),
    ...(password === '' ? {} : { password }),
    tls: parsed.protocol === 'rediss:',
  };
}

/**
 * Text fit to print: in every URL in it (valid or not), what stands between `scheme://` and the
 * last `@` is masked: `user:***@`, or `***@` when there is no user name.
 * @param url - a Redis URL, or text holding some
 * @returns the text without their secrets
 * @example
 * ```ts
 * import { maskRedisUrl } from '@gankit/sweeps';
 * console.log(maskRedisUrl('redis://:s3cret@10.0.0.5:6379')); // redis://:***@10.0.0.5:6379
 * ```
 * @category Queue
 */
export function maskRedisUrl(url: string): string {
  // scheme://user:password@ -> scheme://user:***@ ; no colon: the user part is a password too.
  // Up to the last @ of the word: a password may hold a raw @ or /
  return url.replace(/([a-z][a-z0-9+.-]*:\/\/)(\S*)@/gi, (_m, scheme: string, auth: string) => {
    const colon = auth.indexOf(':');
    return colon < 0 ? `${scheme}***@` : `${scheme}${auth.slice(0, colon)}:***@`;
  });
}
