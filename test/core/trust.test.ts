import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SentinelError } from '../../src/core/errors.js';
import { parseTrustEntry } from '../../src/core/trust.js';

const trust = suite('trust entries');

trust('a 12-digit ID and any partition root ARN are the account', () => {
  assert.equal(parseTrustEntry('123412341234'), { kind: 'account', account: '123412341234', text: '123412341234' });
  for (const partition of ['aws', 'aws-cn', 'aws-us-gov']) {
    const entry = parseTrustEntry(`arn:${partition}:iam::123412341234:root`);
    assert.is(entry.kind, 'account');
    assert.is(entry.kind === 'account' && entry.account, '123412341234');
  }
});

trust('a principal ARN is that principal', () => {
  for (const arn of [
    'arn:aws:iam::444455556666:role/Backup',
    'arn:aws:iam::444455556666:user/path/alice',
    'arn:aws:sts::444455556666:assumed-role/Backup/nightly',
  ]) {
    assert.equal(parseTrustEntry(arn), { kind: 'principal', arn, account: '444455556666', text: arn });
  }
});

trust('an organization ID is an organization', () => {
  assert.equal(parseTrustEntry('o-a1b2c3d4e5'), {
    kind: 'organization',
    organization: 'o-a1b2c3d4e5',
    text: 'o-a1b2c3d4e5',
  });
});

trust('malformed entries are refused with the accepted forms', () => {
  for (const bad of [
    '12341234123',
    '1234123412345',
    'arn:aws:iam::*:root',
    'arn:aws:iam::123412341234:role/*',
    'o-AB',
    'arn:aws:s3:::bucket',
    '',
    'arn:aws:iam::123412341234:group/x',
  ]) {
    try {
      parseTrustEntry(bad);
      assert.unreachable(bad);
    } catch (error) {
      assert.instance(error, SentinelError, bad);
      assert.is((error as SentinelError).code, 'invalid-trust-entry');
      assert.match((error as SentinelError).message, /12-digit account ID/);
    }
  }
});

trust.run();
