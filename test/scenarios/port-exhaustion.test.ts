// port-exhaustion refuses to run without namespaces of its own. Its run in namespaces, at its whole
// load, is one of the long runs (test/scenarios/long-runs.test.ts).
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { PRETEND_UNAVAILABLE_ENV } from '../../harness/stage/netns.ts';
import { scenarioCli } from '../support/helpers.ts';

describe('port-exhaustion without namespaces: refused in one line, nothing run', () => {
  test.each([
    [['--netns', 'off'], {}, /port-exhaustion sets sysctls in a client namespace of its own .* cannot run with --netns off$/],
    [[], { [PRETEND_UNAVAILABLE_ENV]: '1' }, /cannot create network namespaces \(TIMEWAIT_LAB_NO_NETNS is set\); run as root \(sudo .*\) or in the lab container \(docker compose run --rm lab/],
  ])('%j %j', async (args, env, message) => {
    const out = mkdtempSync(path.join(tmpdir(), 'twlab-refused-'));
    const cli = await scenarioCli(['port-exhaustion', ...args, '--out', path.join(out, 'r.json')], { env });
    expect(cli.exitCode).toBe(2);
    expect(cli.stderr.trim().split('\n')).toHaveLength(1);
    expect(cli.stderr.trim()).toMatch(message);
    expect(readdirSync(out)).toEqual([]);
  });
});
