// Scenario definitions are validated strictly, and every problem is reported at once.
import { expect, test } from 'vitest';
import { loadAllScenarios } from '../../harness/scenario/catalog.ts';
import { parseScenario, scenarioProblems, type ScenarioDefinition } from '../../harness/scenario/contract.ts';
import { times } from '../../harness/shapes/bounds.ts';
import { SERVER_DEFAULTS } from '../../harness/shapes/server-settings.ts';
import { FIGURE_NAMES_TEXT } from '../../harness/result/figures.ts';

test('every shipped scenario is valid, named after its file, with a misconfigured variant and a fix', async () => {
  const scenarios = await loadAllScenarios();
  expect(scenarios.length).toBeGreaterThanOrEqual(3);
  for (const s of scenarios) {
    expect(scenarioProblems(s)).toEqual([]);
    expect(s.variants.map((v) => v.role)).toEqual(expect.arrayContaining(['misconfigured', 'fix']));
  }
});

test('a broken definition gets every problem listed, in the author\'s terms', () => {
  const problems = scenarioProblems({
    name: 'Bad Name',
    summary: 'two\nlines',
    explanation: { problem: 'p', why: 'w', fix: 'f' },
    server: { bodyBytes: -1, responseDelayMs: 0, keepAliveTimeoutMs: 5000 },
    load: { requests: 0, concurrency: 20, pattern: 'steady', burstGapMs: 0, extra: 1 },
    variants: [
      { name: 'bad', role: 'misconfigured', summary: 's', makeClient: () => ({}) },
      { name: 'bad', role: 'misconfigured', summary: 's', makeClient: () => ({}) },
    ],
    claims: [{ variant: 'nope', metric: 'connectionsOpened', atMost: times(1, 'concurrency') }, { variant: 'bad', metric: 'connectionsOpened' }],
  });
  expect(problems).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^name: must be kebab-case/),
      expect.stringMatching(/^summary: must be one line/),
      expect.stringMatching(/^server\.bodyBytes: /),
      expect.stringMatching(/^load\.requests: /),
      expect.stringMatching(/^load: .*extra/),
      expect.stringMatching(/^variants: variant names must be unique/),
      expect.stringMatching(/^variants: needs at least one fix variant/),
      expect.stringMatching(/^claims\.0\.variant: names no variant \(known: bad, bad\)/),
      expect.stringMatching(/^claims\.1: needs atLeast, atMost, above or below/),
    ]),
  );
});

const client = () => ({ request: async () => 200, close: () => {} });
const program = () => ({ file: 'x', args: [] });
const source = () => ({ file: 'x.go', lines: ['func x() {', '}'] });
const requirement = { what: 'a tool', howToGet: 'apt-get install a-tool', available: async () => true, prepare: async () => {} };
const withParts: ScenarioDefinition = {
  name: 'example',
  summary: 'one line',
  explanation: { problem: 'p', why: 'w', fix: 'f' },
  server: { bodyBytes: 1, responseDelayMs: 0, keepAliveTimeoutMs: 5000 },
  load: { requests: 10, concurrency: 2, pattern: 'bursts', burstGapMs: 10, gapSpreadMs: 5 },
  variants: [
    { name: 'bad', role: 'misconfigured', summary: 's', server: { afterResponse: 'close', keepAliveHint: false }, makeClient: client },
    { name: 'good', role: 'fix', summary: 's', requires: requirement, program, source },
  ],
  claims: [{ variant: 'bad', metric: 'clientCounters.dnsLookups', atLeast: 1 }],
};

test('per-variant server settings, program variants and client-counter claims are accepted', () => {
  expect(scenarioProblems(withParts)).toEqual([]);
});

test('a definition writes only what differs from the defaults: loading fills in the rest, and leaves a variant\'s own settings as it wrote them', () => {
  const { server: _server, ...withoutServer } = withParts;
  const { scenario, problems } = parseScenario({ ...withoutServer, server: { keepAliveTimeoutMs: 100 }, load: { requests: 10, concurrency: 2 } });
  expect(problems).toEqual([]);
  expect(scenario!.server).toEqual({ ...SERVER_DEFAULTS, keepAliveTimeoutMs: 100 });
  expect(scenario!.load).toEqual({ requests: 10, concurrency: 2, pattern: 'steady', burstGapMs: 0 });
  expect(scenario!.variants[0]!.server).toEqual({ afterResponse: 'close', keepAliveHint: false });
  expect(parseScenario(withoutServer).scenario!.server).toEqual(SERVER_DEFAULTS);
});

test('a bad per-variant server setting or claim metric is named, with what is accepted', () => {
  const problems = scenarioProblems({
    ...withParts,
    variants: [{ ...withParts.variants[0], server: { afterResponse: 'linger' } }, withParts.variants[1]],
    claims: [{ variant: 'bad', metric: 'clientCounters.', atMost: 1 }],
  });
  expect(problems).toEqual([
    'variants.0.server.afterResponse: Invalid option: expected one of "keep-alive"|"close"|"reset"',
    `claims.0.metric: must be one of ${FIGURE_NAMES_TEXT}`,
  ]);
});

test('a variant needs exactly one of a Node client or a program, and a program says what it requires', () => {
  const problems = scenarioProblems({
    ...withParts,
    variants: [
      { name: 'bad', role: 'misconfigured', summary: 's' },
      { name: 'good', role: 'fix', summary: 's', program, makeClient: client },
    ],
  });
  expect(problems).toEqual([
    'variants.0: needs exactly one of makeClient (a Node client) or program (another program)',
    'variants.1: needs exactly one of makeClient (a Node client) or program (another program)',
    'variants.1.requires: a program variant needs requires',
    'variants.1.source: a program variant needs source',
  ]);
});

test('client sysctls in a definition are checked against what the lab may set', () => {
  const problems = scenarioProblems({
    name: 'sysctls',
    summary: 's',
    explanation: { problem: 'p', why: 'w', fix: 'f' },
    server: { bodyBytes: 0, responseDelayMs: 0, keepAliveTimeoutMs: 5000 },
    load: { requests: 1, concurrency: 1, pattern: 'steady', burstGapMs: 0 },
    clientSysctls: { 'net.ipv4.ip_local_port_range': '40000', 'kernel.hostname': 'x' },
    variants: [
      { name: 'bad', role: 'misconfigured', summary: 's', makeClient: () => ({}), clientSysctls: { 'net.ipv4.tcp_tw_reuse': 'yes' } },
      { name: 'good', role: 'fix', summary: 's', makeClient: () => ({}) },
    ],
    claims: [],
  });
  expect(problems).toEqual([
    'clientSysctls: net.ipv4.ip_local_port_range must be two ports "LOW HIGH" with 1 <= LOW <= HIGH <= 65535, e.g. "40000 40999", got "40000"',
    expect.stringMatching(/^clientSysctls: kernel\.hostname is not a sysctl the lab sets; it sets: net\.ipv4\.ip_local_port_range, /),
    'variants.0.clientSysctls: net.ipv4.tcp_tw_reuse must be 0, 1 or 2, got "yes"',
  ]);
});

test('a load under a rate: the pattern rate with its rate, and neither without the other', () => {
  const { scenario, problems } = parseScenario({ ...withParts, load: { requests: 600, concurrency: 50, pattern: 'rate', rate: 300 } });
  expect(problems).toEqual([]);
  expect(scenario!.load).toEqual({ requests: 600, concurrency: 50, pattern: 'rate', rate: 300, burstGapMs: 0 });
  expect(scenarioProblems({ ...withParts, load: { requests: 600, concurrency: 50, pattern: 'rate' } })).toEqual([
    'load.rate: the pattern rate needs a rate (requests started per second)',
  ]);
  expect(scenarioProblems({ ...withParts, load: { requests: 600, concurrency: 50, rate: 300 } })).toEqual(['load.pattern: a rate needs the pattern rate, not steady']);
  expect(scenarioProblems({ ...withParts, load: { requests: 600, concurrency: 50, pattern: 'rate', rate: 0 } })).toEqual([
    expect.stringMatching(/^load\.rate: Too small: expected number to be >0/),
  ]);
});
