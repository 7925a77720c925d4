import { AwsFault } from './fault.js';
import type { Caller } from './identity.js';
import { type PageSizes, pageSize, paginate } from './pagination.js';
import type { World } from './world.js';

type Input = Record<string, unknown>;
type Organization = NonNullable<World['organization']>;

/** AWS Organizations (JSON 1.1, target prefix `AWSOrganizationsV20161128`): ListAccounts, DescribeOrganization. */
export class OrganizationsService {
  readonly #organization: Organization | undefined;
  readonly #members: ReadonlySet<string>;
  readonly #sizes: PageSizes;

  constructor(world: World) {
    this.#organization = world.organization;
    this.#members = new Set(world.organization?.accounts.map((account) => account.id));
    this.#sizes = world;
  }

  /** The operation's output; throws AwsFault for an error answer. */
  handle(operation: string, input: Input, caller: Caller): unknown {
    if (operation !== 'ListAccounts' && operation !== 'DescribeOrganization') {
      throw new AwsFault('UnknownOperationException', `Unknown operation ${operation}`);
    }
    const organization = this.#organization;
    const { account } = caller.principal;
    if (organization === undefined || (!this.#members.has(account) && organization.managementAccount !== account)) {
      throw new AwsFault('AWSOrganizationsNotInUseException', 'Your account is not a member of an organization.');
    }
    const managementArn = `arn:aws:organizations::${organization.managementAccount}:account/${organization.id}/${organization.managementAccount}`;
    if (operation === 'DescribeOrganization') {
      return {
        Organization: {
          Id: organization.id,
          Arn: `arn:aws:organizations::${organization.managementAccount}:organization/${organization.id}`,
          FeatureSet: 'ALL',
          MasterAccountArn: managementArn,
          MasterAccountId: organization.managementAccount,
          MasterAccountEmail: `aws+${organization.managementAccount}@example.com`,
          AvailablePolicyTypes: [],
        },
      };
    }
    if (account !== organization.managementAccount) {
      throw new AwsFault('AccessDeniedException', "You don't have permissions to access this resource.");
    }
    return this.#listAccounts(organization, input);
  }

  #listAccounts(organization: Organization, input: Input): unknown {
    const max = input.MaxResults;
    if (max !== undefined && (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 20)) {
      throw new AwsFault('InvalidInputException', 'You provided a value that does not match the required pattern.');
    }
    const token = typeof input.NextToken === 'string' ? input.NextToken : undefined;
    const page = paginate(
      organization.accounts,
      pageSize(max as number | undefined, 20, this.#sizes),
      token,
      'ListAccounts',
    );
    if (page === undefined) {
      throw new AwsFault('InvalidInputException', 'The provided pagination token is not valid.');
    }
    return {
      Accounts: page.items.map((account) => ({
        Id: account.id,
        Arn: `arn:aws:organizations::${organization.managementAccount}:account/${organization.id}/${account.id}`,
        Email: account.email ?? `aws+${account.id}@example.com`,
        Name: account.name,
        Status: account.status ?? 'ACTIVE',
        State: account.status ?? 'ACTIVE',
        JoinedMethod: account.id === organization.managementAccount ? 'CREATED' : 'INVITED',
        JoinedTimestamp: Date.parse('2024-01-01T00:00:00Z') / 1000,
      })),
      NextToken: page.next,
    };
  }
}
