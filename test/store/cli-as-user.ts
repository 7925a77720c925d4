/**
 * Runs one CLI command in this process as another user, and prints its result ({code, stdout, stderr}) as JSON.
 * Usage: node --import tsx test/store/cli-as-user.ts UID ARG...
 * Root ignores file permissions, so a test running as root drops to an unprivileged user here before the CLI (and
 * SQLite) is loaded; a test not running as root passes its own uid and nothing changes.
 */
const [uid, ...argv] = process.argv.slice(2);
const id = Number(uid);
if (process.getuid?.() === 0 && id !== 0) {
  process.setgroups?.([id]);
  process.setgid?.(id);
  process.setuid?.(id);
}
const { cli } = await import('../helpers/cli.js');
process.stdout.write(JSON.stringify(await cli(argv)));
