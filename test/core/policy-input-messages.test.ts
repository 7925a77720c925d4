import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SentinelError } from '../../src/core/errors.js';
import { checkPolicyText } from '../../src/core/policy/check.js';
import { allow, check, codes, FOREIGN, OWN, principals } from '../helpers/policy.js';

/**
 * docs/commands.md, "Bad input": every malformed policy is refused with a one-line message naming the problem and where it is;
 * invalid JSON gives line and column. These are the messages a user reads, so each is checked word for word.
 */
const messages = suite('bad input: the exact message, code and position');

function refusal(text: string): SentinelError {
  try {
    checkPolicyText(text, OWN, []);
  } catch (error) {
    assert.instance(error, SentinelError, String(error));
    return error as SentinelError;
  }
  assert.unreachable(`accepted: ${text.slice(0, 80)}`);
  throw new Error('unreachable');
}

const ALLOW = { Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*' };
const one = (fields: object) => JSON.stringify({ Statement: [{ ...ALLOW, ...fields }] });
const single = (fields: object) => JSON.stringify({ Statement: { ...ALLOW, ...fields } });
const DUPLICATE_TAIL =
  ' (JSON parsers keep only the last one, so the first value would be silently lost; merge them into a list)';

// --- invalid JSON

messages('each JSON syntax error is named, with its line and column', () => {
  const cases: [string, number, number, string][] = [
    ['', 1, 1, 'unexpected end of input'],
    [' ', 1, 2, 'unexpected end of input'],
    ['{"a"', 1, 5, 'unexpected end of input'],
    ['{"a":1,', 1, 8, 'unexpected end of input'],
    ['{"a":1,}', 1, 8, "trailing comma before '}' (JSON allows no comma after the last element)"],
    ['[1,]', 1, 4, "trailing comma before ']' (JSON allows no comma after the last element)"],
    ['{"a":\n\n  [1,\n   2,]}', 4, 6, "trailing comma before ']' (JSON allows no comma after the last element)"],
    ['[1 2]', 1, 4, "expected a comma before '2'"],
    ['{"a":1 "b":2}', 1, 8, 'expected a comma before "b"'],
    ['{"a":true false}', 1, 11, "expected a comma before 'false'"],
    ['{"a" 1}', 1, 6, "expected a colon after the key, before '1'"],
    ['{a:1}', 1, 2, "expected a key in double quotes, not 'a'"],
    ['{]', 1, 2, "expected a key in double quotes, not ']'"],
    ['{"a":1,,}', 1, 8, "expected a key in double quotes, not ','"],
    ['{"a":tru}', 1, 6, "expected a JSON value, not 'tru'"],
    ['nul', 1, 1, "expected a JSON value, not 'nul'"],
    ['{"a":+1}', 1, 6, "expected a JSON value, not '+1'"],
    ['[,1]', 1, 2, "expected a JSON value, not ','"],
    ['[}', 1, 2, "expected a JSON value, not '}'"],
    ['{"a"::1}', 1, 6, "expected a JSON value, not ':'"],
    ['{"a":01}', 1, 7, "expected a comma before '1'"],
    ['{"a":"x}', 1, 6, `a string is never closed (missing '"')`],
    ['{"a":"\\"}', 1, 6, `a string is never closed (missing '"')`],
    ['{"a":"\\x"}', 1, 7, 'invalid escape "\\\\x" in a string'],
    ['{"a":"\\u12G4"}', 1, 7, 'invalid escape "\\\\u" in a string'],
    ['{"a":"\t"}', 1, 7, 'a control character (a line break or tab) inside a string must be escaped'],
    ['{"a":"x\ny"}', 1, 8, 'a control character (a line break or tab) inside a string must be escaped'],
    ['{"a":1}}', 1, 8, "unexpected '}' after the end of the JSON value"],
    ['{"a":1}\n\n  x', 3, 3, "unexpected 'x' after the end of the JSON value"],
    ['{"a":"\\u00e9"}x', 1, 15, "unexpected 'x' after the end of the JSON value"],
    ['{"a":[1}', 1, 8, "'}' does not close the open '['"],
    ['{"a":{"b":1]}', 1, 12, "']' does not close the open '{'"],
    ['{"a":1} // c', 1, 9, 'comments are not allowed in JSON'],
    ['/* c */ {}', 1, 1, 'comments are not allowed in JSON'],
    ['\uFEFF{"a":1', 1, 7, 'unexpected end of input'],
    ['}', 1, 1, "expected a JSON value, not '}'"],
    [']', 1, 1, "expected a JSON value, not ']'"],
    ['{"a":1,"b":}', 1, 12, "expected a JSON value, not '}'"],
    ['{"a":]}', 1, 6, "expected a JSON value, not ']'"],
    ['{"abc', 1, 2, `a string is never closed (missing '"')`],
    ['{"a":1 "abc', 1, 8, 'expected a comma before "'],
    ['{"a":1,\r\n}', 2, 1, "trailing comma before '}' (JSON allows no comma after the last element)"],
    ['{\r\n  "a": 1\r\n  "b": 2\r\n}', 3, 3, 'expected a comma before "b"'],
  ];
  for (const [text, line, column, problem] of cases) {
    const error = refusal(text);
    assert.is(error.code, 'invalid-json', text);
    assert.is(error.message, `invalid JSON at line ${line}, column ${column}: ${problem}`, text);
    assert.equal(error.position, { line, column }, text);
  }
});

messages('a long token is quoted shortened, a short one whole', () => {
  const long = `{"a":"${'x'.repeat(60)}" "b"}`;
  assert.is(refusal(long).message, 'invalid JSON at line 1, column 69: expected a comma before "b"');
  const longKey = `{"a":1 "${'k'.repeat(50)}":2}`;
  assert.is(
    refusal(longKey).message,
    `invalid JSON at line 1, column 8: expected a comma before "${'k'.repeat(36)}..."`,
  );
  const forty = `{"a":1 "${'k'.repeat(38)}":2}`;
  assert.is(refusal(forty).message, `invalid JSON at line 1, column 8: expected a comma before "${'k'.repeat(38)}"`);
  const word = `{"a":${'z'.repeat(40)}}`;
  assert.is(refusal(word).message, `invalid JSON at line 1, column 6: expected a JSON value, not '${'z'.repeat(24)}'`);
});

messages('valid scalars, escapes and empty containers are read through, so the error found is the real one', () => {
  const cases: [string, number, string][] = [
    ['{"a":[true,false,null,-1.5e+3,0,"\\n\\u00e9\\/"] x}', 47, "expected a comma before 'x'"],
    ['[-12.25e+10, 1e10, 0.5E-10, 1E+100, -0 x]', 40, "expected a comma before 'x'"],
    ['["\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\uABCD" x]', 33, "expected a comma before 'x'"],
    ['{"a":"\\\\" "b"}', 11, 'expected a comma before "b"'],
    ['[null] 1', 8, "unexpected '1' after the end of the JSON value"],
    ['{"a":{}, "b":[], "c":[[]] ,}', 28, "trailing comma before '}' (JSON allows no comma after the last element)"],
    ['{"a":{"b":[{}]}, "c" 1}', 22, "expected a colon after the key, before '1'"],
  ];
  for (const [text, column, problem] of cases) {
    assert.is(refusal(text).message, `invalid JSON at line 1, column ${column}: ${problem}`, text);
  }
});

// --- duplicate keys

messages('a duplicate key names the object it is in, both lines, and the position of the second', () => {
  const statement = JSON.stringify(ALLOW);
  const cases: [string, string, { line: number; column: number }][] = [
    [
      `{"Statement":[${statement}],"Id":"a",\n"Id":"b"}`,
      'duplicate key "Id" in the top-level object: first on line 1, again on line 2',
      { line: 2, column: 1 },
    ],
    [
      `{"Statement":[${statement},{"Effect":"Allow","Effect":"Deny"}]}`,
      'duplicate key "Effect" in Statement[1]: first on line 1, again on line 1',
      { line: 1, column: 106 },
    ],
    [
      `{"Statement":\n[\n${statement},\n{"Condition":{"StringEquals":{"k":"v",\n"k":"w"}}}]}`,
      'duplicate key "k" in Statement[1].Condition.StringEquals: first on line 4, again on line 5',
      { line: 5, column: 1 },
    ],
    [
      `{"Statement":[{"Action":["kms:A","kms:A"],"Sid":"a\\\\","Sid":"b"}]}`,
      'duplicate key "Sid" in Statement[0]: first on line 1, again on line 1',
      { line: 1, column: 55 },
    ],
  ];
  for (const [text, message, position] of cases) {
    const error = refusal(text);
    assert.is(error.code, 'duplicate-key', text);
    assert.is(error.message, message + DUPLICATE_TAIL, text);
    assert.equal(error.position, position, text);
  }
});

messages('a duplicate key inside a top-level list is named from the list', () => {
  assert.is(
    refusal('[{"b":{"a":1,"a":2}}]').message,
    `duplicate key "a" in [0].b: first on line 1, again on line 1${DUPLICATE_TAIL}`,
  );
});

messages('a duplicate key deep in a document is named by a shortened path', () => {
  const deep = (levels: number) =>
    `{"Statement":${JSON.stringify(ALLOW)},"X":${'{"a":'.repeat(levels)}{"k":1,"k":2}${'}'.repeat(levels)}}`;
  assert.is(
    refusal(deep(3)).message,
    `duplicate key "k" in X.a.a.a: first on line 1, again on line 1${DUPLICATE_TAIL}`,
  );
  assert.is(
    refusal(deep(15)).message,
    `duplicate key "k" in X${'.a'.repeat(15)}: first on line 1, again on line 1${DUPLICATE_TAIL}`,
  );
  assert.is(
    refusal(deep(20)).message,
    `duplicate key "k" in X${'.a'.repeat(7)}...(5 levels)...${'.a'.repeat(8)}: first on line 1, again on line 1${DUPLICATE_TAIL}`,
  );
});

messages('a duplicate key is caught however the colons are spaced', () => {
  const spacings = ['', ' ', '  ', '\n', '\t', ' \n '];
  let cases = 0;
  for (const a of spacings) {
    for (const b of spacings) {
      for (const c of spacings) {
        const text =
          `{"Version"${a}:"2012-10-17","Statement"${c}:{"Effect"${a}:"Allow","Principal"${b}:"*",` +
          `"Action"${c}:"kms:Decrypt","Resource"${a}:"arn:aws:kms:us-east-1:${OWN}:key/k",` +
          `"Sid"${b}:"x","Sid"${c}:"y"}}`;
        assert.is(refusal(text).code, 'duplicate-key', JSON.stringify(text));
        cases++;
      }
    }
  }
  assert.is(cases, 216);
  // Values without colons: only the keys end in a quote and a colon.
  for (const usual of spacings) {
    for (const odd of spacings) {
      if (odd === usual) continue;
      const key = (name: string, spacing = usual) => `"${name}"${spacing}: `;
      const text =
        `{${key('Version')}"2012-10-17", ${key('Statement')}{${key('Effect')}"Allow", ${key('Principal')}"*", ` +
        `${key('Action')}"*", ${key('Resource')}"*", ${key('Sid')}"x", ${key('Sid', odd)}"y"}}`;
      assert.is(refusal(text).code, 'duplicate-key', JSON.stringify(text));
    }
  }
});

messages('a string holding an escaped quote and a colon is not taken for a key', () => {
  const error = refusal('"x\\":y"');
  assert.is(error.code, 'invalid-policy');
  assert.is(error.message, 'a key policy must be a JSON object, not a string ("x\\":y")');
  const policy = JSON.stringify({ Statement: { ...ALLOW, Sid: 'a":b', Condition: { Null: { 'k":': 'true' } } } });
  assert.ok(checkPolicyText(policy, OWN, []).public);
});

// --- not a key policy

messages('each structural problem is named with its path', () => {
  const cases: [string, string][] = [
    ['[]', 'a key policy must be a JSON object, not a list'],
    ['null', 'a key policy must be a JSON object, not null'],
    ['5', 'a key policy must be a JSON object, not a number (5)'],
    ['true', 'a key policy must be a JSON object, not a boolean (true)'],
    ['{}', 'the policy has no "Statement"; a key policy needs at least one statement'],
    ['{"Statement":[]}', 'Statement: "Statement" is empty; a key policy needs at least one statement'],
    ['{"Statement":"x"}', 'Statement: a statement must be an object, not a string ("x")'],
    ['{"Statement":[null]}', 'Statement[0]: a statement must be an object, not null'],
    ['{"Statement":[[]]}', 'Statement[0]: a statement must be an object, not a list'],
    [one({ Sid: 7 }), 'Statement[0].Sid: "Sid" must be a string, not a number (7)'],
    [single({ Sid: 7 }), 'Statement.Sid: "Sid" must be a string, not a number (7)'],
    [single({ Effect: 'x' }), 'Statement (#1).Effect: "Effect" must be "Allow" or "Deny", not "x"'],
    [one({ Effect: undefined }), 'Statement[0] (#1): the statement has no "Effect"; it must be "Allow" or "Deny"'],
    [one({ Effect: 'allow' }), 'Statement[0] (#1).Effect: "Effect" must be "Allow" or "Deny", not "allow"'],
    [one({ Effect: ['Allow'] }), 'Statement[0] (#1).Effect: "Effect" must be "Allow" or "Deny", not a list'],
    [one({ Effect: null }), 'Statement[0] (#1).Effect: "Effect" must be "Allow" or "Deny", not null'],
    [one({ Effect: {} }), 'Statement[0] (#1).Effect: "Effect" must be "Allow" or "Deny", not an object'],
    [
      one({ Effect: 'x'.repeat(58) }),
      `Statement[0] (#1).Effect: "Effect" must be "Allow" or "Deny", not "${'x'.repeat(58)}"`,
    ],
    [
      one({ Principal: { Service: ['ec2.amazonaws.com', 'logs.*.amazonaws.com'] } }),
      'Statement[0] (#1).Principal.Service: a Service principal names one AWS service (such as ec2.amazonaws.com); wildcards are not allowed',
    ],
    [
      one({ Sid: 'S', Effect: 'x'.repeat(80) }),
      `Statement[0] (S).Effect: "Effect" must be "Allow" or "Deny", not "${'x'.repeat(56)}...`,
    ],
    [one({ NotPrincipal: '*' }), 'Statement[0] (#1): a statement may have "Principal" or "NotPrincipal", not both'],
    [
      one({ Principal: undefined }),
      'Statement[0] (#1): the statement has no "Principal" (or "NotPrincipal"); every key policy statement must name one',
    ],
    [
      one({ Principal: 'x' }),
      'Statement[0] (#1).Principal: a principal given as a string must be "*"; name accounts as {"AWS": "x"}',
    ],
    [
      one({ Principal: null }),
      'Statement[0] (#1).Principal: the principal must be "*" or an object such as {"AWS": [...]}, not null',
    ],
    [
      one({ Principal: [] }),
      'Statement[0] (#1).Principal: the principal must be "*" or an object such as {"AWS": [...]}, not a list',
    ],
    [
      JSON.stringify({ Statement: [{ ...ALLOW, Principal: undefined, NotPrincipal: 5 }] }),
      'Statement[0] (#1).NotPrincipal: the principal must be "*" or an object such as {"AWS": [...]}, not a number (5)',
    ],
    [one({ Principal: {} }), 'Statement[0] (#1).Principal: the principal names nobody; give at least one principal'],
    [
      one({ Principal: { Aws: 'x' } }),
      'Statement[0] (#1).Principal.Aws: unknown principal type "Aws"; expected one of AWS, Service, Federated, CanonicalUser',
    ],
    [one({ Principal: { AWS: [] } }), 'Statement[0] (#1).Principal.AWS: the list is empty'],
    [
      one({ Principal: { AWS: [1] } }),
      'Statement[0] (#1).Principal.AWS: expected a list of strings, but it holds a number (1)',
    ],
    [
      one({ Principal: { AWS: null } }),
      'Statement[0] (#1).Principal.AWS: expected a string or a list of strings, not null',
    ],
    [
      one({ Principal: { CanonicalUser: {} } }),
      'Statement[0] (#1).Principal.CanonicalUser: expected a string or a list of strings, not an object',
    ],
    [one({ NotAction: 'kms:Decrypt' }), 'Statement[0] (#1): a statement may have "Action" or "NotAction", not both'],
    [
      one({ Action: undefined, NotAction: 5 }),
      'Statement[0] (#1).NotAction: expected a string or a list of strings, not a number (5)',
    ],
    [
      one({ Action: 'kms Decrypt' }),
      'Statement[0] (#1).Action: "kms Decrypt" is not an action; write "*" or service:Action, such as "kms:Decrypt" or "kms:*"',
    ],
    [one({ NotResource: '*' }), 'Statement[0] (#1): a statement may have "Resource" or "NotResource", not both'],
    [one({ Resource: [] }), 'Statement[0] (#1).Resource: the list is empty'],
    [
      one({ Resource: undefined, NotResource: 5 }),
      'Statement[0] (#1).NotResource: expected a string or a list of strings, not a number (5)',
    ],
    [
      one({ Condition: 'x' }),
      'Statement[0] (#1).Condition: "Condition" must be an object of operators, not a string ("x")',
    ],
    [one({ Condition: null }), 'Statement[0] (#1).Condition: "Condition" must be an object of operators, not null'],
    [one({ Condition: [] }), 'Statement[0] (#1).Condition: "Condition" must be an object of operators, not a list'],
    [
      one({ Condition: { StringEquals: [] } }),
      'Statement[0] (#1).Condition.StringEquals: the operator "StringEquals" must map condition keys to values, not a list',
    ],
    [
      one({ Condition: { Bool: null } }),
      'Statement[0] (#1).Condition.Bool: the operator "Bool" must map condition keys to values, not null',
    ],
    [
      one({ Condition: { StringEquals: { 'kms:CallerAccount': { a: 1 } } } }),
      'Statement[0] (#1).Condition.StringEquals.kms:CallerAccount: condition values must be strings, numbers or booleans, not an object',
    ],
    [
      one({ Condition: { StringEquals: { 'kms:CallerAccount': [null] } } }),
      'Statement[0] (#1).Condition.StringEquals.kms:CallerAccount: condition values must be strings, numbers or booleans, not null',
    ],
    [
      one({ Condition: { StringEquals: { 'kms:CallerAccount': [[OWN]] } } }),
      'Statement[0] (#1).Condition.StringEquals.kms:CallerAccount: condition values must be strings, numbers or booleans, not a list',
    ],
    [
      one({ Principal: { AWS: `arn:aws:iam::${FOREIGN}:group/Admins` } }),
      `statement "#1": "arn:aws:iam::${FOREIGN}:group/Admins" is not a principal KMS accepts (root, user/, role/, assumed-role/ or federated-user/)`,
    ],
    [
      one({ Principal: { AWS: 'bob' } }),
      'statement "#1": "bob" is not a valid AWS principal; use "*", a 12-digit account ID, or an IAM or STS principal ARN',
    ],
    [
      one({ Principal: { AWS: `arn:aws:iam::${FOREIGN}:role/*` } }),
      `statement "#1": "arn:aws:iam::${FOREIGN}:role/*" is not a valid AWS principal: wildcards are not allowed in principal ARNs (use "*" with a condition)`,
    ],
  ];
  for (const [text, message] of cases) {
    const error = refusal(text);
    assert.is(error.code, 'invalid-policy', text);
    assert.is(error.message, message, text);
  }
});

messages('IAM and STS principal ARNs must name a principal in full', () => {
  for (const principal of [
    `arn:aws:iam::${FOREIGN}:role/`,
    `arn:aws:iam::${FOREIGN}:xrole/Reader`,
    `arn:aws:iam::${FOREIGN}:role/Reader x`,
    `arn:aws:iam::${FOREIGN}:assumed-role/Reader/s`,
    `arn:aws:sts::${FOREIGN}:role/Reader`,
    `arn:aws:sts::${FOREIGN}:assumed-role/Reader`,
    `arn:aws:sts::${FOREIGN}:xassumed-role/Reader/s`,
    `arn:aws:sts::${FOREIGN}:assumed-role/Reader/s x`,
    `arn:aws:sts::${FOREIGN}:federated-user/`,
    `arn:aws:sts::${FOREIGN}:root`,
  ]) {
    const error = refusal(one({ Principal: { AWS: principal } }));
    assert.is(error.code, 'invalid-policy', principal);
    assert.match(error.message, /is not a principal KMS accepts/, principal);
  }
});

messages('a policy of exactly 32 KB is read; one byte more is refused, counting UTF-8 bytes', () => {
  const sized = (bytes: number, unit: string, unitBytes: number) => {
    const base = JSON.stringify({ Statement: { ...ALLOW, Sid: '' } });
    const room = bytes - base.length;
    const units = Math.floor(room / unitBytes);
    return JSON.stringify({ Statement: { ...ALLOW, Sid: unit.repeat(units) + 'x'.repeat(room - units * unitBytes) } });
  };
  for (const [unit, unitBytes] of [
    ['x', 1],
    ['\u007f', 1],
    ['\u0080', 2],
    ['é', 2],
    ['\u07ff', 2],
    ['\u0800', 3],
    ['€', 3],
    ['\ud7ff', 3],
    ['\ue000', 3],
    ['\uffff', 3],
    ['😀', 4],
    ['\ud800\udc00', 4],
    ['\udbff\udfff', 4],
  ] as const) {
    assert.ok(checkPolicyText(sized(32 * 1024, unit, unitBytes), OWN, []).public, unit);
    const error = refusal(sized(32 * 1024 + 1, unit, unitBytes));
    assert.is(error.code, 'policy-too-large', unit);
    assert.is(error.message, 'the policy is 32769 bytes; KMS key policies are limited to 32768 bytes (32 KB)', unit);
  }
});

// --- what the reader keeps

messages('a Sid that is empty is no label: the statement is known by its position', () => {
  const report = check([allow({ AWS: FOREIGN }, 'kms:Decrypt', { Sid: '' })]);
  assert.equal(
    report.findings.map((f) => f.statement),
    ['#1'],
  );
});

messages('when two statements share a Sid, only those two get their positions', () => {
  const report = check([
    allow({ AWS: FOREIGN }, 'kms:Decrypt', { Sid: 'S' }),
    allow({ AWS: FOREIGN }, 'kms:Encrypt', { Sid: 'T' }),
    allow({ AWS: FOREIGN }, 'kms:Sign', { Sid: 'S' }),
  ]);
  assert.equal(report.findings.map((f) => f.statement).sort(), ['S (#1)', 'S (#3)', 'T']);
});

messages('numbers and booleans in conditions are read as their text', () => {
  const numeric = check([
    allow('*', 'kms:Decrypt', { Condition: { StringEquals: { 'kms:CallerAccount': [Number(FOREIGN), true] } } }),
  ]);
  assert.equal(principals(numeric), [FOREIGN]);
  assert.is(numeric.public, false);
});

messages('an Allow with NotResource still grants on the key', () => {
  const report = check([
    { Effect: 'Allow', Principal: { AWS: FOREIGN }, Action: 'kms:Decrypt', NotResource: 'arn:aws:s3:::x' },
  ]);
  assert.equal(principals(report), [FOREIGN]);
  assert.equal(report.notices, []);
});

messages('a unique ID listed twice is one stale principal, however long the list', () => {
  const stale = 'AROAJ45Q7EXAMPLEXAMPL';
  assert.equal(codes(check([allow({ AWS: [stale, stale] })])), ['stale-principal']);
  assert.equal(codes(check([allow({ AWS: [stale, 'AIDAJQABLZS4A3QDU576Q', stale] })])), [
    'stale-principal',
    'stale-principal',
  ]);
  const many = Array.from({ length: 17 }, (_, i) => `AROAEXAMPLE${String(i).padStart(4, '0')}X`);
  assert.is(codes(check([allow({ AWS: [...many, many[0]] })])).length, 17);
  const sixteen = many.slice(0, 15);
  assert.is(codes(check([allow({ AWS: [...sixteen, sixteen[14]] })])).length, 15);
  const distinct = many.slice(0, 3);
  assert.is(codes(check([allow({ AWS: distinct })])).length, 3);
});

messages('a Federated or canonical-user principal listed twice is one finding', () => {
  const report = check([
    allow({
      Federated: ['accounts.google.com', 'accounts.google.com'],
      CanonicalUser: ['c'.repeat(64), 'c'.repeat(64)],
    }),
  ]);
  assert.is(report.findings.length, 2);
});

messages.run();
