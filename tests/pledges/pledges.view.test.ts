import { describe, expect, it } from 'vitest';
import { jsonForScript } from '../../server/pledges/pledges.view.ts';

describe('jsonForScript', () => {
  it('escapes what could end a script element or break a JS parser, and round-trips', () => {
    const value = { text: '</script><!-- & \u2028 \u2029 >' };
    const json = jsonForScript(value);
    expect(json).not.toMatch(/[<>&\u2028\u2029]/);
    expect(json).toContain('\\u003c/script\\u003e');
    expect(JSON.parse(json)).toEqual(value);
  });
});
