// `npm run <script>` prints a banner on stdout before the command runs (`> timewait-lab@0.1.0
// scenario` and the command line: npm's run-script), unless npm runs silent (`npm run -s`, which it
// passes on as npm_config_loglevel=silent). Where stdout is to carry JSON alone (--json), the
// command says how to keep the banner out; it cannot take back what npm wrote.

/** The line that tells the user of `npm run <command>` without -s how to get JSON alone on stdout; null when npm printed no banner. */
export function npmBannerNote(command: string, env: NodeJS.ProcessEnv = process.env): string | null {
  // npm --json sends the banner to stderr instead (npm's lib/utils/display.js).
  if (env.npm_lifecycle_event !== command || env.npm_config_loglevel === 'silent' || env.npm_config_json === 'true') return null;
  const banner = `> ${env.npm_package_name ?? 'timewait-lab'}@${env.npm_package_version ?? ''} ${command}`;
  return `${command}: npm printed its banner ("${banner}") on stdout before the JSON; for the JSON alone, run npm run -s ${command} -- ...`;
}
