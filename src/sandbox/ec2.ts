import { AwsFault } from './fault.js';
import type { Caller } from './identity.js';
import { textElement } from './query-protocol.js';
import type { WorldIndex } from './world-index.js';

export const EC2_VERSION = '2016-11-15';
export const EC2_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/';

/** Regions an account must opt in to; the others report opt-in-not-required. */
const OPT_IN_REGIONS = new Set([
  'af-south-1',
  'ap-east-1',
  'ap-east-2',
  'ap-south-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-6',
  'ap-southeast-7',
  'ca-west-1',
  'eu-central-2',
  'eu-south-1',
  'eu-south-2',
  'il-central-1',
  'me-central-1',
  'me-south-1',
  'mx-central-1',
]);

type OptInStatus = 'opt-in-not-required' | 'opted-in' | 'not-opted-in';

function optedIn(region: string): OptInStatus {
  return OPT_IN_REGIONS.has(region) ? 'opted-in' : 'opt-in-not-required';
}

/** Amazon EC2 (EC2 query protocol): DescribeRegions, from the caller's account's view. */
export class Ec2Service {
  readonly #index: WorldIndex;

  constructor(index: WorldIndex) {
    this.#index = index;
  }

  /** The XML inside `<ActionResponse>`; throws AwsFault for an error answer. */
  handle(action: string, params: URLSearchParams, caller: Caller): string {
    if (action !== 'DescribeRegions') {
      throw new AwsFault('InvalidAction', `The action ${action} is not valid for this web service.`);
    }
    const all = params.get('AllRegions') === 'true';
    const named = new Set<string>();
    for (const [name, value] of params) if (name.startsWith('RegionName.')) named.add(value);
    const items = [...this.#regions(caller.principal.account)]
      .filter(([name, status]) => (named.size > 0 ? named.has(name) : all || status !== 'not-opted-in'))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(
        ([name, status]) =>
          `<item>${textElement('regionName', name)}${textElement('regionEndpoint', `ec2.${name}.amazonaws.com`)}` +
          `${textElement('optInStatus', status)}</item>`,
      );
    return `<regionInfo>${items.join('')}</regionInfo>`;
  }

  /** The account's regions; an account the world does not describe sees every region the world names. */
  #regions(account: string): Map<string, OptInStatus> {
    const regions = new Map<string, OptInStatus>();
    const described = this.#index.account(account);
    const sources = described === undefined ? [...this.#index.accounts()] : [described];
    for (const { account: source } of sources) {
      const { id, regions: enabled, deniedRegions = [], hangingRegions = [], disabledRegions = [] } = source;
      for (const name of [
        ...enabled.map((region) => region.name),
        ...deniedRegions,
        ...hangingRegions,
        ...disabledRegions,
      ]) {
        const status = this.#index.regionStatus(id, name) === 'disabled' ? 'not-opted-in' : optedIn(name);
        if (regions.get(name) !== 'opt-in-not-required' && regions.get(name) !== 'opted-in') regions.set(name, status);
      }
    }
    return regions;
  }
}
