/**
 * The AWS SDK warns, on any Node.js below 22, that its releases after January 2027 will need Node.js 22.
 * kms-sentinel supports Node.js 20 on purpose, and the notice would land in every command's output, so the entry
 * point turns it off, before any SDK code loads, by the SDK's own switch, unless the user set that switch. No other
 * warning is touched.
 */
export function silenceSdkNodeVersionNotice(env: NodeJS.ProcessEnv): void {
  if (Number(process.versions.node.split('.')[0]) < 22) env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ||= 'true';
}
