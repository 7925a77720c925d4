import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { toAwsCallError } from '../../src/adapters/aws/errors.js';
import { toSlackCallError } from '../../src/adapters/slack/errors.js';
import { fromWire, toWire } from '../../src/adapters/threads/wire-errors.js';
import { failureReply } from '../../src/bot/blocks/replies.js';
import { isSentinelError, messageOf, SentinelError } from '../../src/core/errors.js';
import { AwsCallError } from '../../src/usecases/aws-port.js';
import { SlackCallError } from '../../src/usecases/slack-port.js';

const errors = suite('errors: one vocabulary, a stable code and kind, whatever raised it');

errors('an AWS failure is a SentinelError: its code and kind say what to do, its reason how the call failed', () => {
  const cases = [
    [{ name: 'AccessDeniedException', message: 'no' }, 'AccessDenied', 'aws-access-denied', 'refused'],
    [{ name: 'ThrottlingException', message: 'slow down' }, 'Throttled', 'aws-throttled', 'unavailable'],
    [{ name: 'CredentialsProviderError', message: 'none' }, 'NoCredentials', 'no-credentials', 'environment'],
    [
      { code: 'ECONNREFUSED', message: 'refused', $endpoint: 'http://x' },
      'Unreachable',
      'aws-unreachable',
      'unavailable',
    ],
    [{ name: 'MalformedPolicyDocumentException', message: 'bad' }, 'MalformedPolicy', 'aws-refused', 'refused'],
    [{ name: 'SomethingNew', message: 'odd' }, 'AwsError', 'aws-error', 'unavailable'],
  ] as const;
  for (const [thrown, reason, code, kind] of cases) {
    const e = toAwsCallError(thrown);
    assert.ok(isSentinelError(e), reason);
    assert.equal([e.reason, e.code, e.kind], [reason, code, kind]);
  }
  assert.is(messageOf(toAwsCallError({ name: 'AccessDeniedException', message: 'no' })), 'AccessDeniedException: no');
});

errors("a Slack failure is a SentinelError too, keeping Slack's own code and what the notifier does about it", () => {
  const refused = toSlackCallError({ code: 'slack_webapi_platform_error', data: { error: 'not_in_channel' } });
  assert.equal(
    [refused.code, refused.kind, refused.outcome, refused.refusal],
    ['slack-refused', 'refused', 'refused', 'channel'],
  );
  const limited = toSlackCallError({ code: 'slack_webapi_rate_limited_error', retryAfter: 7 });
  assert.equal(
    [limited.code, limited.kind, limited.outcome, limited.retryAfterSeconds],
    ['slack-unavailable', 'unavailable', 'ratelimited', 7],
  );
  assert.ok(limited instanceof SlackCallError && isSentinelError(limited));
});

errors('an error crossing a thread keeps its class, code, kind and what the outside system said', () => {
  const aws = new AwsCallError('Throttled', 'ThrottlingException', 'Rate exceeded', { endpoint: 'https://kms' });
  const back = fromWire(toWire(aws), 'test thread');
  assert.ok(back instanceof AwsCallError);
  assert.equal(
    [back.reason, back.code, back.kind, back.awsCode, back.endpoint],
    ['Throttled', 'aws-throttled', 'unavailable', 'ThrottlingException', 'https://kms'],
  );
  const own = fromWire(toWire(new SentinelError('database-unusable', 'locked', { hint: 'choose-database' })), 't');
  assert.ok(own instanceof SentinelError);
  assert.equal([own.code, own.kind, own.hint], ['database-unusable', 'environment', 'choose-database']);
});

errors("the bot tells any failure in one reply, with the error's hint in its own words", () => {
  const reply = JSON.stringify(
    failureReply(new SentinelError('invalid-trust-entry', 'not an entry', { hint: 'see-trust-list' })),
  );
  assert.match(reply, /not an entry \(see \/kms trusted\)/);
  assert.match(JSON.stringify(failureReply('a string thrown')), /a string thrown/);
});

errors.run();
