// The sysctls the lab may set inside a client network namespace: only per-namespace TCP settings
// that change a scenario's outcome, each with the values the kernel accepts. The lab never changes
// the host's sysctls; these are written inside the lab's own namespace and recorded in the result.

/** `name=value` pairs, names written as in `sysctl` (`net.ipv4.tcp_tw_reuse`). */
export type SysctlSettings = Record<string, string>;

type WithSysctls = { clientSysctls?: SysctlSettings | undefined };

/** The client sysctls of one variant: the scenario's, the variant's, then the command line's. */
export function variantSysctls(scenario: WithSysctls, variant: WithSysctls, overrides: SysctlSettings): SysctlSettings {
  return { ...scenario.clientSysctls, ...variant.clientSysctls, ...overrides };
}

const whole = (text: string, min: number, max: number) =>
  /^\d+$/.test(text) && Number(text) >= min && Number(text) <= max;

/** Each allowed name: what the kernel accepts, in words and as a check of the normalised value. */
export const CLIENT_SYSCTLS: Record<string, { accepts: string; valid: (value: string) => boolean }> = {
  'net.ipv4.ip_local_port_range': {
    accepts: 'two ports "LOW HIGH" with 1 <= LOW <= HIGH <= 65535, e.g. "40000 40999"',
    valid: (v) => {
      const [low, high, extra] = v.split(' ');
      return extra === undefined && low !== undefined && high !== undefined &&
        whole(low, 1, 65535) && whole(high, 1, 65535) && Number(low) <= Number(high);
    },
  },
  // 0 off, 1 on, 2 loopback only (Documentation/networking/ip-sysctl.rst).
  'net.ipv4.tcp_tw_reuse': { accepts: '0, 1 or 2', valid: (v) => whole(v, 0, 2) },
  // The kernel's bound: TCP_PAWS_MSL (60 s) in ms (net/ipv4/sysctl_net_ipv4.c, tcp_tw_reuse_delay_max); measured: 60001 refused.
  'net.ipv4.tcp_tw_reuse_delay': { accepts: 'milliseconds from 1 to 60000', valid: (v) => whole(v, 1, 60_000) },
  'net.ipv4.tcp_timestamps': { accepts: '0, 1 or 2', valid: (v) => whole(v, 0, 2) },
  'net.ipv4.tcp_fin_timeout': { accepts: 'seconds from 1 to 600', valid: (v) => whole(v, 1, 600) },
  'net.ipv4.tcp_max_tw_buckets': { accepts: 'a whole number from 0 to 2147483647', valid: (v) => whole(v, 0, 2_147_483_647) },
};

/** The value as the kernel prints it back: fields separated by one space. */
export const normaliseValue = (value: string) => value.trim().split(/\s+/).join(' ');

/** Every problem with a set of client sysctls, one line each; empty when all are allowed and valid. */
export function sysctlProblems(settings: SysctlSettings): string[] {
  return Object.entries(settings).flatMap(([name, value]) => {
    const rule = CLIENT_SYSCTLS[name];
    if (!rule) return [`${name} is not a sysctl the lab sets; it sets: ${Object.keys(CLIENT_SYSCTLS).join(', ')}`];
    return rule.valid(normaliseValue(value)) ? [] : [`${name} must be ${rule.accepts}, got "${value}"`];
  });
}

/** Parses one `--sysctl name=value`; throws an Error whose message says what is accepted. */
export function parseSysctlArgument(text: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new Error(`expected name=value, e.g. net.ipv4.tcp_tw_reuse=0, got "${text}"`);
  const entry: [string, string] = [text.slice(0, eq).trim(), normaliseValue(text.slice(eq + 1))];
  const [problem] = sysctlProblems(Object.fromEntries([entry]));
  if (problem) throw new Error(problem);
  return entry;
}
