import { GanError } from '@gankit/core';
import { describe, expect, it } from 'vitest';
import { describeTarget, maskSecret } from './internal/connection.js';
import { maskRedisUrl, parseRedisUrl } from './redis.js';

describe('Redis URLs', () => {
  it('reads host, port, database, user, password and TLS', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6380')).toEqual({
      host: '127.0.0.1',
      port: 6380,
      db: 0,
      tls: false,
    });
    expect(parseRedisUrl('rediss://gankit:p%40ss@queue.lan/3')).toEqual({
      host: 'queue.lan',
      port: 6379,
      db: 3,
      username: 'gankit',
      password: 'p@ss',
      tls: true,
    });
    expect(parseRedisUrl('redis://:s3cret@[::1]:7000')).toMatchObject({
      host: '::1',
      port: 7000,
      password: 's3cret',
    });
  });

  it('refuses other URLs without printing the password', () => {
    for (const url of [
      'http://:s3cret@host:1',
      'redis://:s3cret@host:1/x',
      'redis://:s3cret@host:1?db=2',
      'redis://:s3/cret@host:1',
      'nonsense',
    ]) {
      let error: unknown;
      try {
        parseRedisUrl(url);
      } catch (e) {
        error = e;
      }
      expect(error, url).toBeInstanceOf(GanError);
      expect((error as GanError).code).toBe('INVALID_ARGUMENT');
      expect((error as GanError).message).not.toContain('s3cret');
    }
  });

  it('masks the password in URLs, descriptions and any text', () => {
    expect(maskRedisUrl('redis://:s3cret@10.0.0.5:6379/1')).toBe('redis://:***@10.0.0.5:6379/1');
    expect(maskRedisUrl('rediss://user:s3cret@h:1')).toBe('rediss://user:***@h:1');
    expect(maskRedisUrl('redis://s3cret@h:1')).toBe('redis://***@h:1');
    expect(maskRedisUrl('redis://h:1')).toBe('redis://h:1');
    expect(maskRedisUrl('redis://:p@ss/w@h:1/2')).toBe('redis://:***@h:1/2');
    expect(maskRedisUrl('cannot reach redis://u:s3cret@h:1 now')).toBe('cannot reach redis://u:***@h:1 now');
    const target = parseRedisUrl('redis://:s3cret@h:1');
    expect(describeTarget(target)).toBe('redis://:***@h:1');
    expect(maskSecret('WRONGPASS s3cret for redis://:s3cret@h:1', target)).toBe(
      'WRONGPASS *** for redis://:***@h:1',
    );
  });
});
