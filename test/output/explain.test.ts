// --explain: the story and the client code, the code being the text of the functions that run.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scenarioNames } from '../../harness/scenario/catalog.ts';
import { inTerminal, ROOT, scenarioCli, stripAnsi } from '../support/helpers.ts';

describe('npm run scenario -- <name> --explain', () => {
  it('prints what goes wrong, why and the fix, without running anything', async () => {
    const run = await scenarioCli(['no-body-close', '--explain']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^no-body-close: the client never reads the response body/);
    expect(run.stderr).toMatch(/^ {2}What goes wrong {2}The client looks at the status code/m);
    expect(run.stderr).toMatch(/^ {2}Why {14}Node hands a socket back/m);
    expect(run.stderr).toMatch(/^ {2}The fix {10}Consume the body/m);
    expect(run.stderr).not.toContain('requests per variant');
  });

  it('shows the misconfigured and the fixed client as a diff of the code in the scenario file', async () => {
    const run = await scenarioCli(['no-body-close', '--explain']);
    const source = (await readFile(path.join(ROOT, 'scenarios/no-body-close.ts'), 'utf8')).split('\n').map((l) => l.trim());
    const code = run.stderr.split('\n').slice(run.stderr.split('\n').findIndex((l) => l.startsWith('+ good (fix)')) + 1);
    const lines = code.filter((l) => l.trim());
    expect(lines.length).toBeGreaterThan(0);
    // Every code line is a line of the scenario file, as written.
    for (const line of lines) expect(source.some((l) => l.includes(line.slice(2).trim()))).toBe(true);
    expect(lines.filter((l) => l.startsWith('- '))).toEqual(['- ({ url }) => agentClient(url, { keepAlive: true }, (res) => void res.destroy())']);
    expect(lines.filter((l) => l.startsWith('+ '))).toEqual(['+ ({ url }) => agentClient(url, { keepAlive: true }, (res) => consume(res))']);
    expect(run.stderr).toContain('The client code, as scenarios/no-body-close.ts runs it (agentClient, consume: scenarios/_http.ts):');
  });

  it('puts the two side by side when the terminal is wide enough, pairing every fix with the first misconfigured client', async () => {
    const run = await inTerminal('harness/commands/scenario.ts', ['tiny-pool', '--explain'], { columns: 200 });
    expect(run.exitCode).toBe(0);
    const lines = stripAnsi(run.stdout).split(/\r?\n/);
    expect(lines.filter((l) => l.startsWith('+ ') && l.includes('(fix)'))).toEqual([
      '+ good (fix): keep-alive agent whose idle pool is as large as the burst',
      '+ bounded (fix): keep-alive agent with maxSockets: 10 = maxFreeSockets: requests queue for a socket',
    ]);
    const changed = lines.filter((l) => l.includes('agentClient(')).map((l) => l.split(' │ ').map((side) => side.trim()));
    expect(changed).toEqual([
      ['- ({ url }) => agentClient(url, { keepAlive: true, maxFreeSockets: IDLE_POOL })', '+ ({ url, load }) => agentClient(url, { keepAlive: true, maxFreeSockets: load.concurrency })'],
      ['- ({ url }) => agentClient(url, { keepAlive: true, maxFreeSockets: IDLE_POOL })', '+ ({ url }) => agentClient(url, { keepAlive: true, maxSockets: 10, maxFreeSockets: 10 })'],
    ]);
    // In colour, the words that changed stand out (bold, inverse) within each changed line.
    expect(run.stdout).toContain('maxFreeSockets: \x1b[1m\x1b[7mIDLE_POOL\x1b[27m\x1b[22m })');
  });

  it('an unknown scenario is a one-line usage error', async () => {
    const run = await scenarioCli(['no-such', '--explain']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toBe(`scenario: unknown scenario "no-such"; known scenarios: ${(await scenarioNames()).join(', ')}`);
  });
});
