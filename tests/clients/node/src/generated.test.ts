// "Add ServiceStack Reference": @servicestack/cli's typescript-ref generated src/generated/dtos.ts from the running
// Canopy's /types/typescript (then refreshed it through its update flow), tsc --strict compiled it, and here the
// unchanged JsonServiceClient calls the operations with those generated classes and nothing else.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonServiceClient } from '@servicestack/client';
import * as dtos from './generated/dtos.js';

const BASE_URL = process.env.CANOPY_URL ?? 'http://127.0.0.1:8080';
const RUN = `gen${Date.now().toString(36)}`;

describe('generated DTOs (typescript-ref)', () => {
    const client = new JsonServiceClient(BASE_URL);

    test('sign in, then every customer, account and settings operation round-trips', async () => {
        const userName = process.env.CANOPY_USER;
        const password = process.env.CANOPY_PASSWORD;
        assert.ok(userName && password, 'the runner passes the demo administrator');
        const auth = await client.post(new dtos.Authenticate({
            provider: 'credentials', userName, password, rememberMe: true,
        }));
        assert.ok(auth.bearerToken && auth.refreshToken);
        const renewed = await client.post(new dtos.GetAccessToken({ refreshToken: auth.refreshToken }));
        assert.ok(renewed.accessToken);
        client.bearerToken = renewed.accessToken;
        const status = await client.get(new dtos.GetAuthStatus());
        assert.equal(status.isAuthenticated, true);

        const account = await client.post(new dtos.NewAccount({ name: `${RUN} account` }));
        assert.ok(account.id);
        const accountId = account.id!;
        assert.equal((await client.get(new dtos.GetAccount({ accountId }))).name, `${RUN} account`);
        await client.patch(new dtos.PatchAccount({ accountId, name: `${RUN} renamed` }));
        const accounts = await client.get(new dtos.ListAccounts({ nameFilter: RUN }));
        assert.deepEqual(accounts.items?.map(a => a.name), [`${RUN} renamed`]);

        const settings = await client.patch(new dtos.PatchSystemSettings({
            accountId,
            tags: [new dtos.Tag({ id: `${RUN}-vip`, name: 'VIP', color: dtos.TagColor.Gold })],
        }));
        assert.equal(settings.tags?.[0]?.name, 'VIP');
        assert.equal((await client.get(new dtos.GetSystemSettings({ accountId }))).tags?.length, 1);

        const parent = await client.post(new dtos.NewCustomer({ accountId, name: `${RUN} parent` }));
        const child = await client.post(new dtos.NewCustomer({
            accountId, name: `${RUN} child`, parentCustomerId: parent.id, tagIds: [`${RUN}-vip`],
        }));
        assert.equal(child.parentCustomerId, parent.id);
        assert.equal((await client.get(new dtos.GetCustomer({ customerId: child.id }))).name, `${RUN} child`);
        const patched = await client.patch(new dtos.PatchCustomer({ customerId: child.id, referenceId: `${RUN}-ref` }));
        assert.equal(patched.referenceId, `${RUN}-ref`);
        const byReference = await client.get(new dtos.GetCustomerByReference({ referenceId: `${RUN}-ref`, accountId }));
        assert.equal(byReference.id, child.id);
        const renamed = await client.patch(new dtos.PatchCustomerByReference({
            referenceId: `${RUN}-ref`, accountId, name: `${RUN} child`,
        }));
        assert.equal(renamed.id, child.id);
        const staged = await client.post(new dtos.SetCustomerStagingMode({ customerId: child.id, isStaging: true }));
        assert.equal(staged.isStaging, true);
        const history = await client.get(new dtos.ListCustomerHistory({ customerId: child.id, member: 'isStaging' }));
        assert.equal(history.items?.[0]?.newValue, 'true');
        const list = await client.get(new dtos.ListCustomers({
            accountIds: [accountId], sortField: 'name', sortOrder: dtos.SortOrder.Descend,
        }));
        assert.deepEqual(list.items?.map(c => c.name), [`${RUN} parent`, `${RUN} child`]);

        const billing = await client.get(new dtos.GetInheritedBillingSettings({ customerId: child.id }));
        assert.ok(billing.sourceKind);
        await client.get(new dtos.GetInheritedAppSettings({ customerId: child.id }));
        await client.get(new dtos.GetInheritedSchedule({ customerId: child.id }));
        const open = await client.post(new dtos.TestSchedule({ customerId: child.id, dateTime: '2026-03-29T10:00:00Z' }));
        assert.equal(typeof open.stateName, 'string');

        const imported = await client.post(new dtos.ImportCustomers({
            accountId, dryRun: true, includeRows: true, items: [new dtos.CustomerInfo({ name: `${RUN} imported` })],
        }));
        assert.equal(imported.created, 1);
        assert.equal(imported.dryRun, true);
        assert.equal(imported.rows?.[0]?.action, dtos.ImportAction.Created);

        await client.delete(new dtos.DeleteCustomer({ customerId: child.id }));
        await client.delete(new dtos.DeleteCustomer({ customerId: parent.id }));
        await client.delete(new dtos.DeleteAccount({ accountId }));
        const users = await client.get(new dtos.ListUsers());
        assert.ok(users.items?.some(u => u.userName === userName));
        const other = users.items?.find(u => u.userName !== userName && !u.isDisabled);
        assert.ok(other, 'the demo has more than one user');
        assert.equal((await client.patch(new dtos.UpdateUser({ userName: other!.userName, isDisabled: true }))).isDisabled, true);
        assert.equal((await client.patch(new dtos.UpdateUser({ userName: other!.userName, isDisabled: false }))).isDisabled, false);
        const keys = await client.get(new dtos.ListApiKeys());
        assert.ok(Array.isArray(keys.items));
        // Deleting a real demo user or key would pull the ground from under the suites that follow: these two are
        // called for names that do not exist, and must answer the API's 404.
        await assert.rejects(client.delete(new dtos.DeleteUser({ userName: `${RUN}-nobody` })),
            (e: any) => e.responseStatus?.errorCode === 'NotFound');
        await assert.rejects(client.delete(new dtos.RevokeApiKey({ id: '0000000000000000' })),
            (e: any) => e.responseStatus?.errorCode === 'NotFound');

        await client.post(new dtos.Logout());
        await assert.rejects(client.get(new dtos.ListCustomers()), (e: any) => e.responseStatus?.errorCode !== undefined);
    });

    test('every declared operation has been called above', async () => {
        const source = (await import('node:fs')).readFileSync(new URL(import.meta.url), 'utf8');
        const declared = Object.keys(dtos).filter(name => {
            const type = (dtos as any)[name];
            return typeof type === 'function' && typeof type.prototype?.getTypeName === 'function';
        });
        const published = await (await fetch(`${BASE_URL}/types/metadata`)).json();
        const names = published.operations.map((op: any) => op.request.name).sort();
        assert.deepEqual([...declared].sort(), names, 'one generated request class per published operation');
        const uncalled = declared.filter(name => !source.includes(`new dtos.${name}(`));
        assert.deepEqual(uncalled, []);
    });
});
