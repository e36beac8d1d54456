// Conformance: the npm package @servicestack/client (JsonServiceClient), unchanged, against a running Canopy.
// CANOPY_URL names the server; CANOPY_USER / CANOPY_PASSWORD, when set, make login() sign in first.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonServiceClient } from '@servicestack/client';
import {
    Authenticate, AuthenticateResponse, CustomerInfo, DeleteCustomer, GetCustomer, ListCustomers, NewAccount,
    NewCustomer, PatchCustomer, PatchSystemSettings, SetCustomerStagingMode, SortOrders, TagColors, ValueTypes,
} from './dtos.js';

const BASE_URL = process.env.CANOPY_URL ?? 'http://127.0.0.1:8080';
const RUN = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/** Signs in with the client's own Authenticate DTO when CANOPY_USER / CANOPY_PASSWORD are set. */
export async function login(client: JsonServiceClient): Promise<AuthenticateResponse | null> {
    const userName = process.env.CANOPY_USER;
    const password = process.env.CANOPY_PASSWORD;
    if (!userName || !password) return null;
    const res = await client.post(new Authenticate({ provider: 'credentials', userName, password, rememberMe: true }));
    if (res.bearerToken) client.bearerToken = res.bearerToken;
    return res;
}

// The client throws the error body ({responseStatus}) and hides the HTTP status; its exceptionFilter and
// responseFilter hooks see the Response, so the suite records the status there.
let lastErrorStatus: number | undefined;
let lastStatus: number | undefined;

function newClient(): JsonServiceClient {
    const client = new JsonServiceClient(BASE_URL);
    client.exceptionFilter = (res: Response | null) => { lastErrorStatus = res?.status; };
    client.responseFilter = (res: Response) => { lastStatus = res.status; };
    return client;
}

async function expectError(call: () => Promise<unknown>, status: number, errorCode: string, fieldName?: string) {
    lastErrorStatus = undefined;
    let thrown: any;
    try {
        await call();
    } catch (e) {
        thrown = e;
    }
    assert.ok(thrown, `expected a ${status} ${errorCode}, but the call succeeded`);
    assert.ok(thrown.responseStatus, `expected the client to throw the error body, got ${JSON.stringify(thrown)}`);
    assert.equal(lastErrorStatus, status, 'HTTP status');
    assert.equal(thrown.responseStatus.errorCode, errorCode, JSON.stringify(thrown.responseStatus));
    assert.ok(Array.isArray(thrown.responseStatus.errors), 'responseStatus.errors is a list');
    if (fieldName !== undefined) {
        const field = thrown.responseStatus.errors.find((x: any) => x.fieldName === fieldName);
        assert.ok(field, `a field error on '${fieldName}' in ${JSON.stringify(thrown.responseStatus.errors)}`);
    }
    return thrown.responseStatus;
}

const names = (items: CustomerInfo[] | undefined) => (items ?? []).map(x => x.name);

describe('@servicestack/client JsonServiceClient', () => {
    const client = newClient();
    let accountId = '';
    // A small tree of our own: alpha > (Beta > Delta), alpha > Gamma. Lower-case "alpha" checks that name sorts
    // ignore case (a case-sensitive sort would put it last).
    const n = {
        alpha: `alpha ts ${RUN}`, beta: `Beta ts ${RUN}`, gamma: `Gamma ts ${RUN}`, delta: `Delta ts ${RUN}`,
    };
    const id: Record<keyof typeof n, string> = { alpha: '', beta: '', gamma: '', delta: '' };

    // Read-only tests use the tree in their own account; tests that write use a second account, so no test
    // depends on another one or on their order.
    let workAccountId = '';
    const create = (init: Partial<NewCustomer>) =>
        client.post(new NewCustomer({ accountId: workAccountId, ...init }));
    const createIn = (account: string, init: Partial<NewCustomer>) =>
        client.post(new NewCustomer({ accountId: account, ...init }));

    async function newAccount(name: string): Promise<string> {
        const account = await client.post(new NewAccount({ name, parentAccountId: 'acct-platform' }));
        await client.patch(new PatchSystemSettings({
            accountId: account.id,
            tags: [
                { id: 'vip', name: 'VIP', color: TagColors.Gold },
                { id: 'partner', name: 'Partner', color: TagColors.GeekBlue },
                { id: 'churn-risk', name: 'Churn risk', color: TagColors.Red },
            ],
            customerFields: [
                { name: 'Tier', type: ValueTypes.String, possibleValues: ['Gold', 'Silver', 'Bronze'] },
                { name: 'Seats', type: ValueTypes.Number },
                { name: 'Managed', type: ValueTypes.Boolean },
            ],
        }));
        return account.id!;
    }

    before(async () => {
        await login(client);
        accountId = await newAccount(`Client tests (ts) ${RUN}`);
        workAccountId = await newAccount(`Client tests (ts, writes) ${RUN}`);
        id.alpha = (await createIn(accountId, { name: n.alpha, tagIds: ['partner'] })).id!;
        id.beta = (await createIn(accountId, { name: n.beta, parentCustomerId: id.alpha, tagIds: ['vip'] })).id!;
        id.gamma = (await createIn(accountId, { name: n.gamma, parentCustomerId: id.alpha, tagIds: ['vip', 'partner'] })).id!;
        id.delta = (await createIn(accountId, { name: n.delta, parentCustomerId: id.beta })).id!;
    });

    describe('ListCustomers', () => {
        test('accountIds: one page, sorted by name ignoring case, with totals', async () => {
            const res = await client.get(new ListCustomers({ accountIds: [accountId] }));
            assert.deepEqual(names(res.items), [n.alpha, n.beta, n.delta, n.gamma]);
            assert.equal(res.totalCount, 4);
            assert.equal(res.totalPages, 1);
            assert.equal(res.hasMorePages, false);
            const delta = res.items!.find(x => x.id === id.delta)!;
            assert.deepEqual(delta.breadcrumb, [{ id: id.alpha, name: n.alpha }, { id: id.beta, name: n.beta }]);
            assert.equal(delta.accountId, accountId);
        });

        test('accountIds with two ids (the client sends a%2Cb) and nameFilter', async () => {
            const res = await client.get(new ListCustomers({ accountIds: [accountId, 'acct-northwind'], nameFilter: `ts ${RUN}` }));
            assert.deepEqual(names(res.items), [n.alpha, n.beta, n.delta, n.gamma]);
            const northwind = await client.get(new ListCustomers({ accountIds: [accountId, 'acct-northwind'], nameFilter: 'RIVERSIDE' }));
            assert.ok(northwind.items!.length >= 1 && northwind.items!.every(x => x.accountId === 'acct-northwind'),
                JSON.stringify(names(northwind.items)));
        });

        test('nameFilter is a case-insensitive substring', async () => {
            const res = await client.get(new ListCustomers({ accountIds: [accountId], nameFilter: 'bEtA TS' }));
            assert.deepEqual(names(res.items), [n.beta]);
        });

        test('parentCustomerIds: all descendants, or only children with shallowParent', async () => {
            const all = await client.get(new ListCustomers({ parentCustomerIds: [id.alpha] }));
            assert.deepEqual(names(all.items), [n.beta, n.delta, n.gamma]);
            const shallow = await client.get(new ListCustomers({ parentCustomerIds: [id.alpha], shallowParent: true }));
            assert.deepEqual(names(shallow.items), [n.beta, n.gamma]);
            const two = await client.get(new ListCustomers({ parentCustomerIds: [id.beta, id.gamma] }));
            assert.deepEqual(names(two.items), [n.delta]);
        });

        test('tagIds: customers carrying every tag', async () => {
            const vip = await client.get(new ListCustomers({ accountIds: [accountId], tagIds: ['vip'] }));
            assert.deepEqual(names(vip.items), [n.beta, n.gamma]);
            const both = await client.get(new ListCustomers({ accountIds: [accountId], tagIds: ['vip', 'partner'] }));
            assert.deepEqual(names(both.items), [n.gamma]);
            assert.deepEqual(both.items![0].tags!.map(t => t.id).sort(), ['partner', 'vip']);
        });

        test('paging: page and countPerPage, totals', async () => {
            const first = await client.get(new ListCustomers({ accountIds: [accountId], countPerPage: 3, page: 0 }));
            assert.deepEqual(names(first.items), [n.alpha, n.beta, n.delta]);
            assert.equal(first.totalCount, 4);
            assert.equal(first.totalPages, 2);
            assert.equal(first.hasMorePages, true);
            const second = await client.get(new ListCustomers({ accountIds: [accountId], countPerPage: 3, page: 1 }));
            assert.deepEqual(names(second.items), [n.gamma]);
            assert.equal(second.hasMorePages, false);
        });

        test('simplifiedPaging leaves out the totals', async () => {
            const res = await client.get(new ListCustomers({ accountIds: [accountId], countPerPage: 3, simplifiedPaging: true }));
            assert.deepEqual(names(res.items), [n.alpha, n.beta, n.delta]);
            assert.equal(res.hasMorePages, true);
            assert.equal(res.totalCount, undefined);
            assert.equal(res.totalPages, undefined);
        });

        test('sortField and sortOrder', async () => {
            const byCreated = await client.get(new ListCustomers({
                accountIds: [accountId], sortField: 'dateCreated', sortOrder: SortOrders.Descend,
            }));
            assert.deepEqual(names(byCreated.items), [n.delta, n.gamma, n.beta, n.alpha]);
            const byName = await client.get(new ListCustomers({ accountIds: [accountId], sortField: 'Name', sortOrder: SortOrders.Descend }));
            assert.deepEqual(names(byName.items), [n.gamma, n.delta, n.beta, n.alpha]);
        });

        test('the user route GET /customers with query args', async () => {
            const res = await client.get<any>('/customers', { accountIds: [accountId], tagIds: ['vip'], sortOrder: 'Descend' });
            assert.deepEqual(names(res.items), [n.gamma, n.beta]);
        });

        test('an unknown sortField is a 400 naming sortField', async () => {
            await expectError(() => client.get(new ListCustomers({ accountIds: [accountId], sortField: 'bogus' })),
                400, 'InvalidSortField', 'sortField');
        });
    });

    describe('GetCustomer', () => {
        test('one customer with its breadcrumb', async () => {
            const c = await client.get(new GetCustomer({ customerId: id.delta }));
            assert.equal(c.id, id.delta);
            assert.equal(c.name, n.delta);
            assert.equal(c.accountId, accountId);
            assert.equal(c.accountName, `Client tests (ts) ${RUN}`);
            assert.equal(c.parentCustomerId, id.beta);
            assert.deepEqual(c.breadcrumb, [{ id: id.alpha, name: n.alpha }, { id: id.beta, name: n.beta }]);
            assert.equal(c.isStaging, false);
            assert.deepEqual(c.tags, []);
        });

        test('through the /json/reply predefined route (basePath = null)', async () => {
            const legacy = newClient();
            legacy.basePath = null;
            await login(legacy);
            assert.match(legacy.replyBaseUrl, /\/json\/reply\/$/);
            const c = await legacy.get(new GetCustomer({ customerId: id.gamma }));
            assert.equal(c.name, n.gamma);
            assert.deepEqual(c.breadcrumb, [{ id: id.alpha, name: n.alpha }]);
        });

        test('an unknown id is a 404 NotFound', async () => {
            await expectError(() => client.get(new GetCustomer({ customerId: `missing-${RUN}` })), 404, 'NotFound');
        });
    });

    describe('NewCustomer', () => {
        test('creates with parent, referenceId, tags and typed data', async () => {
            const parent = await create({ name: `Parent ts ${RUN}` });
            const c = await create({
                name: `Created ts ${RUN}`, parentCustomerId: parent.id, referenceId: `ref-ts-${RUN}`, tagIds: ['vip'],
                data: { Tier: { stringValue: 'Gold' }, Seats: { numberValue: 12 }, Managed: { boolValue: true } },
            });
            assert.ok(c.id);
            assert.equal(c.name, `Created ts ${RUN}`);
            assert.equal(c.referenceId, `ref-ts-${RUN}`);
            assert.equal(c.parentCustomerId, parent.id);
            assert.equal(c.accountId, workAccountId);
            assert.deepEqual(c.breadcrumb, [{ id: parent.id, name: `Parent ts ${RUN}` }]);
            assert.deepEqual(c.tags, [{ id: 'vip', name: 'VIP', color: 'Gold' }]);
            assert.deepEqual(c.data, { Tier: { stringValue: 'Gold' }, Seats: { numberValue: 12 }, Managed: { boolValue: true } });
            assert.equal(typeof c.dateCreated, 'string');
            const again = await client.get(new GetCustomer({ customerId: c.id }));
            assert.deepEqual(again.data, c.data);
            assert.equal(again.referenceId, c.referenceId);
        });

        test('a blank name is a 400 NotEmpty on name', async () => {
            const status = await expectError(() => create({ name: '' }), 400, 'NotEmpty', 'name');
            assert.equal(status.errors[0].errorCode, 'NotEmpty');
        });

        test('data outside possibleValues is a 400 naming data.Tier', async () => {
            await expectError(() => create({ name: `Bad tier ts ${RUN}`, data: { Tier: { stringValue: 'Platinum' } } }),
                400, 'InvalidValue', 'data.Tier');
        });

        test('an unknown tag is a 400 naming tagIds[0]', async () => {
            lastErrorStatus = undefined;
            await expectError(() => create({ name: `Bad tag ts ${RUN}`, tagIds: ['no-such-tag'] }), 400, 'NotFound', 'tagIds[0]');
        });

        test('client.api() returns the error as an ApiResult', async () => {
            const api = await client.api(new NewCustomer({ accountId, name: '' }));
            assert.equal(api.failed, true);
            assert.equal(api.errorCode, 'NotEmpty');
            assert.equal(api.fieldError('name')?.errorCode, 'NotEmpty');
            assert.match(api.fieldErrorMessage('name'), /name/);
        });
    });

    describe('PatchCustomer', () => {
        test('sparse patch in the body: only the sent fields change', async () => {
            const c = await create({
                name: `Patch ts ${RUN}`, referenceId: `pref-ts-${RUN}`, tagIds: ['vip'],
                data: { Tier: { stringValue: 'Silver' } },
            });
            const patched = await client.patch(new PatchCustomer({ customerId: c.id, name: `Patched ts ${RUN}` }));
            assert.equal(patched.name, `Patched ts ${RUN}`);
            assert.equal(patched.referenceId, `pref-ts-${RUN}`);
            assert.equal(patched.parentCustomerId, undefined);
            assert.deepEqual(patched.tags!.map(t => t.id), ['vip']);
            assert.deepEqual(patched.data, { Tier: { stringValue: 'Silver' } });
            const stored = await client.get(new GetCustomer({ customerId: c.id }));
            assert.equal(stored.name, `Patched ts ${RUN}`);

            // "" clears an optional string; a list replaces the stored one whole (here: with nothing)
            const cleared = await client.patch(new PatchCustomer({ customerId: c.id, referenceId: '', tagIds: [] }));
            assert.equal(cleared.referenceId, undefined);
            assert.deepEqual(cleared.tags, []);
            assert.equal(cleared.name, `Patched ts ${RUN}`);
        });

        test('moves: under another parent, then to the top with parentCustomerId ""', async () => {
            const from = await create({ name: `From ts ${RUN}` });
            const to = await create({ name: `To ts ${RUN}` });
            const c = await create({ name: `Mover ts ${RUN}`, parentCustomerId: from.id });
            const moved = await client.patch(new PatchCustomer({ customerId: c.id, parentCustomerId: to.id }));
            assert.equal(moved.parentCustomerId, to.id);
            assert.deepEqual(moved.breadcrumb, [{ id: to.id, name: `To ts ${RUN}` }]);
            const top = await client.patch(new PatchCustomer({ customerId: c.id, parentCustomerId: '' }));
            assert.equal(top.parentCustomerId, undefined);
            assert.deepEqual(top.breadcrumb, []);
        });

        test('through the query string: patchBody puts the DTO in the query of /api/PatchCustomer', async () => {
            const c = await create({ name: `Query ts ${RUN}`, referenceId: `q-ts-${RUN}` });
            const patched = await client.patchBody(
                new PatchCustomer({ customerId: c.id, name: `Query patched ts ${RUN}`, tagIds: ['vip', 'partner'] }), {});
            assert.equal(patched.name, `Query patched ts ${RUN}`);
            assert.deepEqual(patched.tags!.map(t => t.id).sort(), ['partner', 'vip']);
            assert.equal(patched.referenceId, `q-ts-${RUN}`);
        });

        test('through the query string of the user route: patchToUrl with args', async () => {
            const c = await create({ name: `Url ts ${RUN}` });
            const patched = await client.patchToUrl<CustomerInfo>(`/customers/${c.id}`, new PatchCustomer(),
                { name: `Url patched ts ${RUN}`, referenceId: `u-ts-${RUN}`, tagIds: ['partner'] });
            assert.equal(patched.id, c.id);
            assert.equal(patched.name, `Url patched ts ${RUN}`);
            assert.equal(patched.referenceId, `u-ts-${RUN}`);
            assert.deepEqual(patched.tags!.map(t => t.id), ['partner']);
        });

        test('an object in the query string (the client sends [object Object]) is a 400 naming data', async () => {
            const c = await create({ name: `Object qs ts ${RUN}` });
            await expectError(() => client.patchBody(
                new PatchCustomer({ customerId: c.id, data: { Tier: { stringValue: 'Gold' } } }), {}),
                400, 'SerializationException', 'data');
        });

        test('an empty name is a 400 NotEmpty on name', async () => {
            const c = await create({ name: `Unnamed ts ${RUN}` });
            await expectError(() => client.patch(new PatchCustomer({ customerId: c.id, name: '' })), 400, 'NotEmpty', 'name');
            assert.equal((await client.get(new GetCustomer({ customerId: c.id }))).name, `Unnamed ts ${RUN}`);
        });

        test('a move under its own descendant is a 400 Cycle on parentCustomerId', async () => {
            const top = await create({ name: `Cycle top ts ${RUN}` });
            const mid = await create({ name: `Cycle mid ts ${RUN}`, parentCustomerId: top.id });
            const leaf = await create({ name: `Cycle leaf ts ${RUN}`, parentCustomerId: mid.id });
            await expectError(() => client.patch(new PatchCustomer({ customerId: top.id, parentCustomerId: leaf.id })),
                400, 'Cycle', 'parentCustomerId');
            assert.equal((await client.get(new GetCustomer({ customerId: top.id }))).parentCustomerId, undefined);
        });

        test('an unknown id is a 404 NotFound', async () => {
            await expectError(() => client.patch(new PatchCustomer({ customerId: `missing-${RUN}`, name: 'x' })), 404, 'NotFound');
        });
    });

    describe('DeleteCustomer', () => {
        test('a leaf: 204, then it is gone (404)', async () => {
            const parent = await create({ name: `Doomed parent ts ${RUN}` });
            const c = await create({ name: `Doomed ts ${RUN}`, parentCustomerId: parent.id });
            lastStatus = undefined;
            const res = await client.delete(new DeleteCustomer({ customerId: c.id }));
            assert.equal(lastStatus, 204);
            assert.equal(res, undefined);
            await expectError(() => client.get(new GetCustomer({ customerId: c.id })), 404, 'NotFound');
            const children = await client.get(new ListCustomers({ parentCustomerIds: [parent.id!] }));
            assert.deepEqual(children.items, []);
        });

        test('a customer with children is a 409 Conflict, and nothing is lost', async () => {
            const parent = await create({ name: `Kept parent ts ${RUN}` });
            const child = await create({ name: `Kept child ts ${RUN}`, parentCustomerId: parent.id });
            await expectError(() => client.delete(new DeleteCustomer({ customerId: parent.id })), 409, 'Conflict');
            const still = await client.get(new ListCustomers({ specificIds: [parent.id!, child.id!] }));
            assert.deepEqual(names(still.items), [`Kept child ts ${RUN}`, `Kept parent ts ${RUN}`]);
        });

        test('an unknown id is a 404 NotFound', async () => {
            await expectError(() => client.delete(new DeleteCustomer({ customerId: `missing-${RUN}` })), 404, 'NotFound');
        });
    });

    describe('SetCustomerStagingMode', () => {
        test('turns staging on and off', async () => {
            const c = await create({ name: `Staging ts ${RUN}` });
            assert.equal(c.isStaging, false);
            const on = await client.post(new SetCustomerStagingMode({ customerId: c.id, isStaging: true }));
            assert.equal(on.isStaging, true);
            assert.equal((await client.get(new GetCustomer({ customerId: c.id }))).isStaging, true);
            const off = await client.post(new SetCustomerStagingMode({ customerId: c.id, isStaging: false }));
            assert.equal(off.isStaging, false);
        });

        test('an unknown id is a 404 NotFound', async () => {
            await expectError(() => client.post(new SetCustomerStagingMode({ customerId: `missing-${RUN}`, isStaging: true })),
                404, 'NotFound');
        });
    });

    describe('Authentication (runs when CANOPY_USER / CANOPY_PASSWORD are set)', () => {
        const skip = !(process.env.CANOPY_USER && process.env.CANOPY_PASSWORD) && 'CANOPY_USER / CANOPY_PASSWORD not set';

        test('login() returned a bearer token the client now sends', { skip }, async () => {
            const fresh = newClient();
            const res = await login(fresh);
            assert.equal(res?.userName, process.env.CANOPY_USER);
            assert.ok(fresh.bearerToken, 'bearerToken');
            const c = await fresh.get(new GetCustomer({ customerId: id.alpha }));
            assert.equal(c.name, n.alpha);
        });

        test('a credentials login alone (the session cookies, no bearer token) authenticates later calls', { skip }, async () => {
            const fresh = newClient();
            await fresh.post(new Authenticate({
                provider: 'credentials', userName: process.env.CANOPY_USER, password: process.env.CANOPY_PASSWORD,
            }));
            fresh.bearerToken = undefined as unknown as string;
            const c = await fresh.get(new GetCustomer({ customerId: id.alpha }));
            assert.equal(c.name, n.alpha);
        });

        test('a bearer token alone (a client that never logged in itself) authenticates', { skip }, async () => {
            const res = await login(newClient());
            const bearerOnly = newClient();
            bearerOnly.bearerToken = res?.bearerToken ?? "";
            const c = await bearerOnly.get(new GetCustomer({ customerId: id.alpha }));
            assert.equal(c.name, n.alpha);
        });

        test('on a 401 the client renews its bearer token itself with the refresh token (GetAccessToken)', { skip }, async () => {
            const res = await login(newClient());
            assert.ok(res?.refreshToken, 'a login hands out a refresh token');
            const renewing = newClient();
            renewing.bearerToken = 'not-a-token-of-ours';
            renewing.refreshToken = res!.refreshToken!;
            const c = await renewing.get(new GetCustomer({ customerId: id.alpha }));
            assert.equal(c.name, n.alpha);
            assert.notEqual(renewing.bearerToken, 'not-a-token-of-ours', 'the client stored the new token');
        });

        test('a wrong password is a 401 Unauthorized', { skip }, async () => {
            await expectError(() => newClient().post(new Authenticate({
                provider: 'credentials', userName: process.env.CANOPY_USER, password: `wrong-${RUN}`,
            })), 401, 'Unauthorized');
        });

        test('without signing in, a request is a 401', { skip }, async () => {
            lastErrorStatus = undefined;
            await assert.rejects(newClient().get(new GetCustomer({ customerId: id.alpha })));
            assert.equal(lastErrorStatus, 401);
        });
    });

    after(() => { /* the account and its customers stay: the server's database is a temporary one */ });
});
