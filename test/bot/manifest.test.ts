import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { SUBCOMMANDS } from '../../src/bot/command-text.js';
import { ACTIONS, COMMAND, EVENTS, METHOD_SCOPES, requiredScopes, VIEWS } from '../../src/usecases/slack-surface.js';

const manifest = suite('manifest.yml declares exactly what the code handles and needs');

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const app = parse(read('manifest.yml')) as {
  display_information: { name: string; description: string; long_description: string };
  features: {
    app_home: { home_tab_enabled: boolean };
    bot_user: { display_name: string };
    slash_commands: { command: string; url: string; description: string; usage_hint: string }[];
  };
  oauth_config: { scopes: { bot: string[]; user?: string[] } };
  settings: {
    event_subscriptions: { request_url: string; bot_events: string[] };
    interactivity: { is_enabled: boolean; request_url: string };
    socket_mode_enabled: boolean;
  };
};
const adapter = read('src/adapters/slack/listeners.ts');
const client = read('src/adapters/slack/web-client-port.ts');

manifest('the one command, the events and the interactivity the code handles are declared, and nothing else', () => {
  assert.equal(
    app.features.slash_commands.map((c) => c.command),
    [COMMAND],
  );
  assert.match(adapter, /app\.command\(COMMAND,/);
  assert.equal(app.settings.event_subscriptions.bot_events, [...EVENTS]);
  for (const event of EVENTS) assert.match(adapter, new RegExp(`app\\.event\\('${event}'`));
  assert.is(app.features.app_home.home_tab_enabled, true, 'app_home_opened needs the Home tab');
  assert.is(app.settings.interactivity.is_enabled, true, 'buttons and modals need interactivity');
  for (const key of Object.keys(ACTIONS)) assert.match(adapter, new RegExp(`app\\.action\\(ACTIONS\\.${key},`), key);
  for (const key of Object.keys(VIEWS)) assert.match(adapter, new RegExp(`app\\.view\\(VIEWS\\.${key},`), key);
  const registered = [...adapter.matchAll(/app\.(action|view)\((\w+)\.(\w+)/g)].map((m) => `${m[2]}.${m[3]}`);
  assert.equal(
    registered.sort(),
    [...Object.keys(ACTIONS).map((k) => `ACTIONS.${k}`), ...Object.keys(VIEWS).map((k) => `VIEWS.${k}`)].sort(),
    'nothing registered that the surface does not name',
  );
});

manifest("the command's usage hint names every subcommand /kms understands", () => {
  const [command] = app.features.slash_commands;
  const hinted = new Set((command?.usage_hint ?? '').split('|').map((part) => part.trim().split(' ')[0]));
  for (const sub of SUBCOMMANDS) assert.ok(hinted.has(sub), `${sub} is in the usage hint`);
});

manifest('exactly the bot scopes the code uses: each API method called has its scope, and none is spare', () => {
  const called = [...client.matchAll(/this\.client\.([a-z]+(?:\.[a-zA-Z]+)+)\(/g)].map((m) => m[1] as string);
  const declared = Object.keys(METHOD_SCOPES);
  for (const method of new Set(called))
    assert.ok(declared.includes(method), `${method} is called but has no entry in METHOD_SCOPES`);
  const uncalled = declared.filter((m) => !called.includes(m));
  assert.equal(uncalled, [], 'every method listed is called');
  assert.equal([...app.oauth_config.scopes.bot].sort(), requiredScopes());
  assert.is(app.oauth_config.scopes.user, undefined, 'no user scopes');
});

manifest(
  "the manifest follows Slack's schema limits, with one request URL for everything and Socket Mode a switch",
  () => {
    assert.ok(app.display_information.name.length <= 35);
    assert.ok(app.display_information.description.length <= 140);
    const long = app.display_information.long_description.length;
    assert.ok(long >= 175 && long <= 4000, `long_description is ${long} characters`);
    assert.ok(app.features.bot_user.display_name.length <= 80);
    for (const c of app.features.slash_commands) {
      assert.ok(c.command.length <= 32 && c.command.startsWith('/'));
      assert.ok(c.description.length <= 2000 && c.usage_hint.length <= 1000);
    }
    const urls = new Set([
      ...app.features.slash_commands.map((c) => c.url),
      app.settings.event_subscriptions.request_url,
      app.settings.interactivity.request_url,
    ]);
    assert.equal([...urls], ['https://kms-sentinel.example.com/slack/events']);
    assert.is(app.settings.socket_mode_enabled, false);
    assert.match(read('manifest.yml'), /set socket_mode_enabled to true/);
  },
);

manifest.run();
