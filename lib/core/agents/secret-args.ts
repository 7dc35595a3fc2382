import { ENV_NAME } from '../../config/agent-section.js';
import { RUN_OPTIONS } from '../../docker/option-tables.js';
import { scanOptions } from '../../docker/options.js';
import { UsageError } from '../../errors.js';

/**
 * Secrets on mng's command line: `--pass-env NAME` names a variable of the user's environment that reaches the agent
 * at every start without being written anywhere Docker keeps; `-s -e NAME=VALUE` keeps working, but its value is in
 * `docker inspect` (the container's environment) and every snapshot, so mng warns when it looks like a key (mng's own
 * records, the `mng.start-args` label, -v, --dry-run and errors, show it redacted: core/model/start-args.ts).
 */

/** Check --pass-env values: variable names, each once. */
export function checkPassEnv(names: readonly string[]): string[] {
  for (const n of names) {
    if (!ENV_NAME.test(n)) {
      throw new UsageError(`--pass-env ${JSON.stringify(n)}: give the name of a variable of your environment (KEY)`);
    }
  }
  return [...new Set(names)];
}

const SECRET_NAME = /(^|_)(API_?KEY|KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?|AUTH)($|_)/i;
const SECRET_VALUE = /^(sk-|sk_|ghp_|gho_|ghs_|github_pat_|glpat-|xox[abpr]-|AKIA|AIza|hf_)/;

/** Does `NAME=VALUE` look like a secret: a name such as *_API_KEY or *_TOKEN, or a value shaped like a known key? */
export function looksLikeSecret(assignment: string): boolean {
  const eq = assignment.indexOf('=');
  if (eq <= 0) return false;
  const value = assignment.slice(eq + 1);
  return value !== '' && (SECRET_NAME.test(assignment.slice(0, eq)) || SECRET_VALUE.test(value));
}

/** One warning per `-s` environment value that looks like a key; the value itself is never repeated. */
export function secretStartArgWarnings(startArgs: readonly string[]): string[] {
  return scanOptions(startArgs, RUN_OPTIONS)
    .options.filter((o) => o.name === 'env' && o.value !== undefined && looksLikeSecret(o.value))
    .map((o) => {
      const name = o.value!.slice(0, o.value!.indexOf('='));
      return `-s ${o.text.startsWith('--') ? '--env' : '-e'} ${name}=…: the value of ${name} will be in docker inspect (the container's environment) and every snapshot; pass it with --pass-env ${name} instead (it reaches the agent at every start and is kept nowhere)`;
    });
}
