import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../server/config.ts';

describe('loadConfig', () => {
  it('gives safe defaults when nothing is set', () => {
    expect(loadConfig({})).toEqual({
      host: '127.0.0.1',
      port: 3000,
      databasePath: path.resolve('data/pledges.db'),
      env: 'development',
    });
  });

  it('reads HOST, PORT, DATABASE_PATH and NODE_ENV', () => {
    expect(loadConfig({ HOST: '0.0.0.0', PORT: '8080', DATABASE_PATH: '/tmp/x.db', NODE_ENV: 'production' })).toEqual({
      host: '0.0.0.0',
      port: 8080,
      databasePath: '/tmp/x.db',
      env: 'production',
    });
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '' }).port).toBe(3000);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV'],
  ])('fails with a message naming the variable for %j', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });
});
