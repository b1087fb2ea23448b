import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/platform/config.ts';

describe('loadConfig', () => {
  it('gives safe defaults when nothing is set', () => {
    expect(loadConfig({})).toEqual({
      host: '127.0.0.1',
      port: 3000,
      databasePath: path.resolve('data/pledges.db'),
      databaseMaxBytes: undefined,
      env: 'development',
      adminPassword: undefined,
      sessionSecret: undefined,
      trustProxy: false,
      logLevel: 'info',
      logFormat: undefined,
      userPassword: undefined,
      writesPerMinute: 120,
      importMaxBytes: 20 * 1024 * 1024,
      passwordScryptN: 2 ** 17,
      headersTimeoutMs: 20_000,
      requestTimeoutMs: 300_000,
      keepAliveTimeoutMs: 5_000,
      publicUrl: undefined,
      cacheMaxAge: 60,
      cacheStaleSeconds: 600,
    });
  });

  it('reads CACHE_MAX_AGE and CACHE_STALE as seconds, and refuses what is not a whole number of them', () => {
    expect(loadConfig({ CACHE_MAX_AGE: '5', CACHE_STALE: '0' })).toMatchObject({ cacheMaxAge: 5, cacheStaleSeconds: 0 });
    expect(() => loadConfig({ CACHE_MAX_AGE: '1.5' })).toThrow(/CACHE_MAX_AGE/);
    expect(() => loadConfig({ CACHE_MAX_AGE: '-1' })).toThrow(/CACHE_MAX_AGE/);
    expect(() => loadConfig({ CACHE_STALE: 'a week' })).toThrow(/CACHE_STALE/);
  });

  it('reads PUBLIC_URL as an origin, without its trailing slash', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://tracker.example/' }).publicUrl).toBe('https://tracker.example');
    expect(loadConfig({ PUBLIC_URL: 'HTTP://Tracker.Example:8080' }).publicUrl).toBe('http://tracker.example:8080');
  });

  it.each(['tracker.example', 'ftp://tracker.example', 'https://tracker.example/pledges', 'https://tracker.example/?a=1', 'https://tracker.example/#top', 'https://user:pw@tracker.example', 'https://tracker.example?'])(
    'refuses PUBLIC_URL=%s with a message that says what it must be',
    (value) => {
      expect(() => loadConfig({ PUBLIC_URL: value })).toThrow(ConfigError);
      expect(() => loadConfig({ PUBLIC_URL: value })).toThrow(/PUBLIC_URL: must be the site's address as readers reach it: http:\/\/ or https:\/\/ and a host/);
    },
  );

  it('refuses a scrypt cost that is not a power of two from 2^14, and a header timeout past the request timeout', () => {
    expect(() => loadConfig({ PASSWORD_SCRYPT_N: '100000' })).toThrow('PASSWORD_SCRYPT_N: must be a power of two');
    expect(() => loadConfig({ PASSWORD_SCRYPT_N: '1024' })).toThrow('PASSWORD_SCRYPT_N');
    expect(loadConfig({ PASSWORD_SCRYPT_N: '16384' }).passwordScryptN).toBe(16384);
    expect(() => loadConfig({ HEADERS_TIMEOUT_MS: '60000', REQUEST_TIMEOUT_MS: '30000' })).toThrow('HEADERS_TIMEOUT_MS must not be more than REQUEST_TIMEOUT_MS');
  });

  it('reads HOST, PORT, DATABASE_PATH and NODE_ENV', () => {
    expect(loadConfig({ HOST: '0.0.0.0', PORT: '8080', DATABASE_PATH: '/tmp/x.db', NODE_ENV: 'production' })).toMatchObject({
      host: '0.0.0.0',
      port: 8080,
      databasePath: '/tmp/x.db',
      env: 'production',
    });
  });

  it('reads DATABASE_MAX_MB as bytes', () => {
    expect(loadConfig({ DATABASE_MAX_MB: '1.5' }).databaseMaxBytes).toBe(1.5 * 1024 * 1024);
  });

  it('reads TRUST_PROXY as a boolean, a hop count or addresses', () => {
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy).toBe('loopback, 10.0.0.0/8');
  });

  it('reads LOG_FORMAT as json or pretty, and leaves it to the terminal when unset', () => {
    expect(loadConfig({ LOG_FORMAT: 'json' }).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
    expect(loadConfig({}).logFormat).toBeUndefined();
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '' }).port).toBe(3000);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV'],
    [{ ADMIN_PASSWORD: 'short' }, 'ADMIN_PASSWORD'],
    [{ SESSION_SECRET: 'too-short' }, 'SESSION_SECRET'],
    [{ TRUST_PROXY: 'yes;please' }, 'TRUST_PROXY'],
    [{ DATABASE_MAX_MB: '0' }, 'DATABASE_MAX_MB'],
    [{ LOG_FORMAT: 'text' }, 'LOG_FORMAT'],
  ])('fails with a message naming the variable for %j', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });
});
