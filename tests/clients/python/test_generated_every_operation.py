"""Every operation Canopy publishes, called through the unchanged PyPI JsonServiceClient with the classes
`/types/python` generated (the `dtos` and `client` fixtures of test_generated_dtos.py), and a check that none was
left out: the operations called here are compared with `/types/metadata`.
"""

import json
import urllib.request

import pytest
from servicestack import JsonServiceClient, WebServiceException

from test_generated_dtos import BASE_URL, RUN, client, dtos  # noqa: F401 (pytest fixtures)

CALLED = set()


def call(client: JsonServiceClient, request):
    CALLED.add(type(request).__name__)
    return client.send(request)


def not_found(client: JsonServiceClient, request):
    CALLED.add(type(request).__name__)
    with pytest.raises(WebServiceException) as raised:
        client.send(request)
    assert raised.value.status_code == 404, raised.value


def test_every_published_operation_answers_through_the_generated_classes(dtos, client):
    d = dtos
    status = call(client, d.GetAuthStatus())
    assert status.is_authenticated

    # Token renewal through the generated GetAccessToken, with a refresh token from a generated Authenticate.
    import os
    signed = call(JsonServiceClient(BASE_URL), d.Authenticate(
        provider="credentials", user_name=os.environ["CANOPY_USER"], password=os.environ["CANOPY_PASSWORD"],
        remember_me=True))
    renewed = call(client, d.GetAccessToken(refresh_token=signed.refresh_token))
    assert renewed.access_token

    account = call(client, d.NewAccount(name=f"Every op py {RUN}", parent_account_id="acct-platform"))
    assert call(client, d.GetAccount(account_id=account.id)).id == account.id
    assert call(client, d.PatchAccount(account_id=account.id, name=f"Every op py {RUN} renamed")).name.endswith("renamed")
    assert any(a.id == account.id for a in call(client, d.ListAccounts(name_filter=f"Every op py {RUN}")).items)
    tag = d.Tag(id=f"{RUN}-gold", name="Gold", color=d.TagColor.GOLD)
    assert call(client, d.PatchSystemSettings(account_id=account.id, tags=[tag])).tags[0].name == "Gold"
    assert call(client, d.GetSystemSettings(account_id=account.id)).tags[0].id == f"{RUN}-gold"

    customer = call(client, d.NewCustomer(account_id=account.id, name=f"c {RUN}", reference_id=f"ref-{RUN}"))
    assert call(client, d.GetCustomer(customer_id=customer.id)).name == f"c {RUN}"
    assert call(client, d.PatchCustomer(customer_id=customer.id, name=f"c2 {RUN}")).name == f"c2 {RUN}"
    by_ref = call(client, d.GetCustomerByReference(reference_id=f"ref-{RUN}", account_id=account.id))
    assert by_ref.id == customer.id
    patched = call(client, d.PatchCustomerByReference(reference_id=f"ref-{RUN}", account_id=account.id,
                                                      name=f"c3 {RUN}"))
    assert patched.name == f"c3 {RUN}"
    assert call(client, d.SetCustomerStagingMode(customer_id=customer.id, is_staging=True)).is_staging
    listed = call(client, d.ListCustomers(account_ids=[account.id], sort_order=d.SortOrder.DESCEND))
    assert [c.id for c in listed.items] == [customer.id]
    assert call(client, d.GetInheritedBillingSettings(customer_id=customer.id)).source_kind
    call(client, d.GetInheritedAppSettings(customer_id=customer.id))
    call(client, d.GetInheritedSchedule(customer_id=customer.id))
    tested = call(client, d.TestSchedule(customer_id=customer.id, date_time="2026-03-29T10:00:00Z"))
    assert tested.state_name is not None
    history = call(client, d.ListCustomerHistory(customer_id=customer.id))
    assert any(entry.member == "name" for entry in history.items)

    imported = call(client, d.ImportCustomers(account_id=account.id, dry_run=True,
                                              items=[d.CustomerInfo(name=f"imported {RUN}")]))
    assert imported.created == 1 and imported.dry_run

    call(client, d.DeleteCustomer(customer_id=customer.id))
    call(client, d.DeleteAccount(account_id=account.id))

    users = call(client, d.ListUsers())
    other = next(u for u in users.items if u.user_name != os.environ["CANOPY_USER"] and not u.is_disabled)
    assert call(client, d.UpdateUser(user_name=other.user_name, is_disabled=True)).is_disabled
    assert not call(client, d.UpdateUser(user_name=other.user_name, is_disabled=False)).is_disabled
    assert isinstance(call(client, d.ListApiKeys()).items, list)
    # Deleting a real user or key would pull the ground from under the suites that follow: unknown names, 404.
    not_found(client, d.DeleteUser(user_name=f"nobody-{RUN}"))
    not_found(client, d.RevokeApiKey(id="0000000000000000"))

    call(signed_client(d, signed), d.Logout())

    with urllib.request.urlopen(f"{BASE_URL}/types/metadata") as res:
        published = {op["request"]["name"] for op in json.load(res)["operations"]}
    assert published - CALLED == set(), f"not called: {sorted(published - CALLED)}"


def signed_client(d, signed) -> JsonServiceClient:
    """A second client on the session signed in above, so that logging it out leaves the suite's own client be."""
    other = JsonServiceClient(BASE_URL)
    other.set_bearer_token(signed.bearer_token)
    return other
