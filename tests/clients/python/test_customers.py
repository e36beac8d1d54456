"""Conformance: the PyPI package `servicestack` (JsonServiceClient), unchanged, against a running Canopy.

CANOPY_URL names the server; CANOPY_USER / CANOPY_PASSWORD, when set, make login() sign in first.
"""

import os
import random
import string
import time
from typing import List, Optional

import pytest
from servicestack import Authenticate, AuthenticateResponse, JsonServiceClient, WebServiceException

from dtos import (
    CustomerDataField, CustomerInfo, DeleteCustomer, GetCustomer, ListCustomers, ListResponse, NewAccount,
    NewCustomer, PatchCustomer, PatchSystemSettings, SetCustomerStagingMode, SortOrders, Tag, TagColors, Value,
    ValueTypes,
)

BASE_URL = os.environ.get("CANOPY_URL", "http://127.0.0.1:8080")
RUN = format(int(time.time() * 1000), "x") + "".join(random.choices(string.ascii_lowercase, k=4))


def login(client: JsonServiceClient) -> Optional[AuthenticateResponse]:
    """Signs in with the client's own Authenticate DTO when CANOPY_USER / CANOPY_PASSWORD are set.

    Only the bearer token is kept: with a refresh token (or an ss-reftok cookie) this client retries *every*
    failed request through GetAccessToken, which would hide the server's 400/404/409 behind a refresh failure.
    """
    user_name = os.environ.get("CANOPY_USER")
    password = os.environ.get("CANOPY_PASSWORD")
    if not user_name or not password:
        return None
    res: AuthenticateResponse = client.post(
        Authenticate(provider="credentials", user_name=user_name, password=password, remember_me=True))
    if res.bearer_token:
        client.set_bearer_token(res.bearer_token)
    return res


def new_client() -> JsonServiceClient:
    client = JsonServiceClient(BASE_URL)
    login(client)
    return client


def expect_error(call, status: int, error_code: str, field_name: Optional[str] = None):
    with pytest.raises(WebServiceException) as info:
        call()
    ex = info.value
    assert ex.status_code == status, f"{ex.status_code} {ex.response_status}"
    assert ex.response_status is not None
    assert ex.response_status.error_code == error_code, ex.response_status
    assert isinstance(ex.response_status.errors, list)
    if field_name is not None:
        fields = [e.field_name for e in ex.response_status.errors]
        assert field_name in fields, fields
    return ex


def names(res: ListResponse) -> List[str]:
    return [c.name for c in (res.items or [])]


def tag_ids(c: CustomerInfo) -> List[str]:
    return sorted(t.id for t in (c.tags or []))


def new_account(client: JsonServiceClient, name: str) -> str:
    account = client.post(NewAccount(name=name, parent_account_id="acct-platform"))
    client.patch(PatchSystemSettings(
        account_id=account.id,
        tags=[Tag(id="vip", name="VIP", color=TagColors.GOLD),
              Tag(id="partner", name="Partner", color=TagColors.GEEK_BLUE),
              Tag(id="churn-risk", name="Churn risk", color=TagColors.RED)],
        customer_fields=[
            CustomerDataField(name="Tier", type=ValueTypes.STRING, possible_values=["Gold", "Silver", "Bronze"]),
            CustomerDataField(name="Seats", type=ValueTypes.NUMBER),
            CustomerDataField(name="Managed", type=ValueTypes.BOOLEAN),
        ]))
    return account.id


@pytest.fixture(scope="module")
def client() -> JsonServiceClient:
    return new_client()


@pytest.fixture(scope="module")
def tree(client):
    """Read-only tree in its own account: alpha > (Beta > Delta), alpha > Gamma.

    Lower-case "alpha" checks that name sorts ignore case.
    """
    account_id = new_account(client, f"Client tests (py) {RUN}")
    n = {k: f"{k if k == 'alpha' else k.capitalize()} py {RUN}" for k in ("alpha", "beta", "gamma", "delta")}
    ids = {}

    def mk(key, **kw):
        ids[key] = client.post(NewCustomer(account_id=account_id, name=n[key], **kw)).id

    mk("alpha", tag_ids=["partner"])
    mk("beta", parent_customer_id=ids["alpha"], tag_ids=["vip"])
    mk("gamma", parent_customer_id=ids["alpha"], tag_ids=["vip", "partner"])
    mk("delta", parent_customer_id=ids["beta"])
    return {"account_id": account_id, "n": n, "id": ids}


@pytest.fixture(scope="module")
def work(client):
    """An account for the tests that write, so that none of them changes what another one lists."""
    account_id = new_account(client, f"Client tests (py, writes) {RUN}")

    def create(name: str, **kw) -> CustomerInfo:
        return client.post(NewCustomer(account_id=account_id, name=f"{name} py {RUN}", **kw))

    create.account_id = account_id
    return create


# ---------------------------------------------------------------- ListCustomers

def test_list_account_ids_sorted_by_name_ignoring_case_with_totals(client, tree):
    n, ids = tree["n"], tree["id"]
    res = client.get(ListCustomers(account_ids=[tree["account_id"]]))
    assert isinstance(res, ListResponse)
    assert names(res) == [n["alpha"], n["beta"], n["delta"], n["gamma"]]
    assert res.total_count == 4
    assert res.total_pages == 1
    assert res.has_more_pages is False
    delta = next(c for c in res.items if c.id == ids["delta"])
    assert isinstance(delta, CustomerInfo)
    assert [(b.id, b.name) for b in delta.breadcrumb] == [(ids["alpha"], n["alpha"]), (ids["beta"], n["beta"])]


def test_list_two_account_ids_sent_as_jsv_list_and_name_filter(client, tree):
    n = tree["n"]
    res = client.get(ListCustomers(account_ids=[tree["account_id"], "acct-northwind"], name_filter=f"py {RUN}"))
    assert names(res) == [n["alpha"], n["beta"], n["delta"], n["gamma"]]
    northwind = client.get(ListCustomers(account_ids=[tree["account_id"], "acct-northwind"], name_filter="RIVERSIDE"))
    assert northwind.items and all(c.account_id == "acct-northwind" for c in northwind.items), names(northwind)


def test_list_name_filter_is_case_insensitive(client, tree):
    res = client.get(ListCustomers(account_ids=[tree["account_id"]], name_filter="bEtA PY"))
    assert names(res) == [tree["n"]["beta"]]


def test_list_parent_customer_ids_and_shallow_parent(client, tree):
    n, ids = tree["n"], tree["id"]
    assert names(client.get(ListCustomers(parent_customer_ids=[ids["alpha"]]))) == [n["beta"], n["delta"], n["gamma"]]
    assert names(client.get(ListCustomers(parent_customer_ids=[ids["alpha"]], shallow_parent=True))) == \
        [n["beta"], n["gamma"]]
    assert names(client.get(ListCustomers(parent_customer_ids=[ids["beta"], ids["gamma"]]))) == [n["delta"]]


def test_list_tag_ids_requires_every_tag(client, tree):
    n = tree["n"]
    assert names(client.get(ListCustomers(account_ids=[tree["account_id"]], tag_ids=["vip"]))) == [n["beta"], n["gamma"]]
    both = client.get(ListCustomers(account_ids=[tree["account_id"]], tag_ids=["vip", "partner"]))
    assert names(both) == [n["gamma"]]
    assert tag_ids(both.items[0]) == ["partner", "vip"]


def test_list_paging(client, tree):
    n = tree["n"]
    first = client.get(ListCustomers(account_ids=[tree["account_id"]], count_per_page=3, page=0))
    assert names(first) == [n["alpha"], n["beta"], n["delta"]]
    assert (first.total_count, first.total_pages, first.has_more_pages) == (4, 2, True)
    second = client.get(ListCustomers(account_ids=[tree["account_id"]], count_per_page=3, page=1))
    assert names(second) == [n["gamma"]]
    assert second.has_more_pages is False


def test_list_simplified_paging_leaves_out_totals(client, tree):
    n = tree["n"]
    res = client.get(ListCustomers(account_ids=[tree["account_id"]], count_per_page=3, simplified_paging=True))
    assert names(res) == [n["alpha"], n["beta"], n["delta"]]
    assert res.has_more_pages is True
    assert res.total_count is None
    assert res.total_pages is None


def test_list_sort_field_and_sort_order(client, tree):
    n = tree["n"]
    by_created = client.get(ListCustomers(account_ids=[tree["account_id"]], sort_field="dateCreated",
                                          sort_order=SortOrders.DESCEND))
    assert names(by_created) == [n["delta"], n["gamma"], n["beta"], n["alpha"]]
    by_name = client.get(ListCustomers(account_ids=[tree["account_id"]], sort_field="Name",
                                       sort_order=SortOrders.DESCEND))
    assert names(by_name) == [n["gamma"], n["delta"], n["beta"], n["alpha"]]


def test_list_user_route_with_query_args(client, tree):
    n = tree["n"]
    res = client.get_url("/customers", response_as=ListResponse[CustomerInfo],
                         args={"accountIds": [tree["account_id"]], "tagIds": ["vip"], "sortOrder": "Descend"})
    assert names(res) == [n["gamma"], n["beta"]]


def test_list_unknown_sort_field_is_400_naming_sort_field(client, tree):
    expect_error(lambda: client.get(ListCustomers(account_ids=[tree["account_id"]], sort_field="bogus")),
                 400, "InvalidSortField", "sortField")


# ---------------------------------------------------------------- GetCustomer

def test_get_customer_with_breadcrumb(client, tree):
    n, ids = tree["n"], tree["id"]
    c = client.get(GetCustomer(customer_id=ids["delta"]))
    assert isinstance(c, CustomerInfo)
    assert (c.id, c.name, c.account_id, c.parent_customer_id) == (ids["delta"], n["delta"], tree["account_id"], ids["beta"])
    assert c.account_name == f"Client tests (py) {RUN}"
    assert [(b.id, b.name) for b in c.breadcrumb] == [(ids["alpha"], n["alpha"]), (ids["beta"], n["beta"])]
    assert c.is_staging is False
    assert c.tags == []


def test_get_customer_through_json_reply_route(tree):
    legacy = JsonServiceClient(BASE_URL)
    legacy.set_base_path("")  # -> /json/reply/{Dto}
    login(legacy)
    assert legacy.reply_base_url.endswith("/json/reply/")
    c = legacy.get(GetCustomer(customer_id=tree["id"]["gamma"]))
    assert c.name == tree["n"]["gamma"]
    assert [b.id for b in c.breadcrumb] == [tree["id"]["alpha"]]


def test_get_unknown_id_is_404(client):
    expect_error(lambda: client.get(GetCustomer(customer_id=f"missing-{RUN}")), 404, "NotFound")


# ---------------------------------------------------------------- NewCustomer

def test_new_customer_with_parent_reference_tags_and_data(client, work):
    parent = work("Parent")
    data = {"Tier": Value(string_value="Gold"), "Seats": Value(number_value=12), "Managed": Value(bool_value=True)}
    c = work("Created", parent_customer_id=parent.id, reference_id=f"ref-py-{RUN}", tag_ids=["vip"], data=data)
    assert c.id
    assert c.name == f"Created py {RUN}"
    assert c.account_id == work.account_id
    assert c.reference_id == f"ref-py-{RUN}"
    assert c.parent_customer_id == parent.id
    assert [(b.id, b.name) for b in c.breadcrumb] == [(parent.id, f"Parent py {RUN}")]
    assert [(t.id, t.name, t.color) for t in c.tags] == [("vip", "VIP", TagColors.GOLD)]
    assert c.data["Tier"].string_value == "Gold"
    assert c.data["Seats"].number_value == 12
    assert c.data["Managed"].bool_value is True
    again = client.get(GetCustomer(customer_id=c.id))
    assert again.data == c.data
    assert again.reference_id == c.reference_id


def test_new_customer_blank_name_is_400_not_empty(client, work):
    ex = expect_error(lambda: client.post(NewCustomer(account_id=work.account_id, name="")), 400, "NotEmpty", "name")
    assert ex.response_status.errors[0].error_code == "NotEmpty"


def test_new_customer_data_outside_possible_values_names_data_tier(client, work):
    expect_error(lambda: work("Bad tier", data={"Tier": Value(string_value="Platinum")}), 400, "InvalidValue",
                 "data.Tier")


def test_new_customer_unknown_tag_names_tag_ids_0(client, work):
    expect_error(lambda: work("Bad tag", tag_ids=["no-such-tag"]), 400, "NotFound", "tagIds[0]")


# ---------------------------------------------------------------- PatchCustomer

def test_patch_body_is_sparse(client, work):
    c = work("Patch", reference_id=f"pref-py-{RUN}", tag_ids=["vip"], data={"Tier": Value(string_value="Silver")})
    patched = client.patch(PatchCustomer(customer_id=c.id, name=f"Patched py {RUN}"))
    assert patched.name == f"Patched py {RUN}"
    assert patched.reference_id == f"pref-py-{RUN}"
    assert patched.parent_customer_id is None
    assert tag_ids(patched) == ["vip"]
    assert patched.data["Tier"].string_value == "Silver"
    assert client.get(GetCustomer(customer_id=c.id)).name == f"Patched py {RUN}"

    # "" clears an optional string; a list replaces the stored one whole (here: with nothing)
    cleared = client.patch(PatchCustomer(customer_id=c.id, reference_id="", tag_ids=[]))
    assert cleared.reference_id is None
    assert cleared.tags == []
    assert cleared.name == f"Patched py {RUN}"


def test_patch_moves_and_empty_parent_makes_top_level(client, work):
    src, dst = work("From"), work("To")
    c = work("Mover", parent_customer_id=src.id)
    moved = client.patch(PatchCustomer(customer_id=c.id, parent_customer_id=dst.id))
    assert moved.parent_customer_id == dst.id
    assert [(b.id, b.name) for b in moved.breadcrumb] == [(dst.id, f"To py {RUN}")]
    top = client.patch(PatchCustomer(customer_id=c.id, parent_customer_id=""))
    assert top.parent_customer_id is None
    assert top.breadcrumb == []


def test_patch_through_query_string_of_api_route(client, work):
    # Given a (truthy) body of its own, the client puts the request DTO in the query string:
    # PATCH /api/PatchCustomer?customerId=…&name=…&tagIds=[vip,partner] with the body "{}".
    c = work("Query", reference_id=f"q-py-{RUN}")
    patched = client.patch(PatchCustomer(customer_id=c.id, name=f"Query patched py {RUN}", tag_ids=["vip", "partner"]),
                           body="{}")
    assert patched.name == f"Query patched py {RUN}"
    assert tag_ids(patched) == ["partner", "vip"]
    assert patched.reference_id == f"q-py-{RUN}"


def test_patch_through_query_string_of_user_route(client, work):
    c = work("Url")
    patched = client.patch_url(f"/customers/{c.id}", body="{}", response_as=CustomerInfo,
                               args={"name": f"Url patched py {RUN}", "referenceId": f"u-py-{RUN}",
                                     "tagIds": ["partner"]})
    assert patched.id == c.id
    assert patched.name == f"Url patched py {RUN}"
    assert patched.reference_id == f"u-py-{RUN}"
    assert tag_ids(patched) == ["partner"]


def test_patch_struct_in_query_string_fails_inside_the_client(client, work):
    # Client quirk (servicestack 0.1.15 qsvalue): a dict in a query string raises before any request is sent.
    c = work("Struct qs")
    with pytest.raises(WebServiceException) as info:
        client.patch(PatchCustomer(customer_id=c.id, data={"Tier": Value(string_value="Gold")}), body="{}")
    assert info.value.inner_exception is not None
    assert client.get(GetCustomer(customer_id=c.id)).data in (None, {})


def test_patch_url_without_body_sends_json_null(client, work):
    # patch_url/post_url/put_url with no body send the JSON text `null` (to_json(None)) with application/json.
    c = work("Null body")
    patched = client.patch_url(f"/customers/{c.id}", response_as=CustomerInfo, args={"name": f"Null body patched py {RUN}"})
    assert patched.name == f"Null body patched py {RUN}"


def test_patch_empty_name_is_400_not_empty(client, work):
    c = work("Unnamed")
    expect_error(lambda: client.patch(PatchCustomer(customer_id=c.id, name="")), 400, "NotEmpty", "name")
    assert client.get(GetCustomer(customer_id=c.id)).name == f"Unnamed py {RUN}"


def test_patch_cycle_is_400_on_parent_customer_id(client, work):
    top = work("Cycle top")
    mid = work("Cycle mid", parent_customer_id=top.id)
    leaf = work("Cycle leaf", parent_customer_id=mid.id)
    expect_error(lambda: client.patch(PatchCustomer(customer_id=top.id, parent_customer_id=leaf.id)),
                 400, "Cycle", "parentCustomerId")
    assert client.get(GetCustomer(customer_id=top.id)).parent_customer_id is None


def test_patch_unknown_id_is_404(client):
    expect_error(lambda: client.patch(PatchCustomer(customer_id=f"missing-{RUN}", name="x")), 404, "NotFound")


# ---------------------------------------------------------------- DeleteCustomer

def test_delete_leaf_then_404(client, work):
    parent = work("Doomed parent")
    c = work("Doomed", parent_customer_id=parent.id)
    statuses = []
    client.response_filter = lambda res: statuses.append(res.status_code)
    try:
        assert client.delete(DeleteCustomer(customer_id=c.id)) is None
    finally:
        client.response_filter = None
    assert statuses == [204]
    expect_error(lambda: client.get(GetCustomer(customer_id=c.id)), 404, "NotFound")
    assert client.get(ListCustomers(parent_customer_ids=[parent.id])).items == []


def test_delete_with_children_is_409_and_nothing_is_lost(client, work):
    parent = work("Kept parent")
    child = work("Kept child", parent_customer_id=parent.id)
    expect_error(lambda: client.delete(DeleteCustomer(customer_id=parent.id)), 409, "Conflict")
    still = client.get(ListCustomers(specific_ids=[parent.id, child.id]))
    assert names(still) == [f"Kept child py {RUN}", f"Kept parent py {RUN}"]


def test_delete_unknown_id_is_404(client):
    expect_error(lambda: client.delete(DeleteCustomer(customer_id=f"missing-{RUN}")), 404, "NotFound")


# ---------------------------------------------------------------- SetCustomerStagingMode

def test_staging_on_and_off(client, work):
    c = work("Staging")
    assert c.is_staging is False
    assert client.post(SetCustomerStagingMode(customer_id=c.id, is_staging=True)).is_staging is True
    assert client.get(GetCustomer(customer_id=c.id)).is_staging is True
    assert client.post(SetCustomerStagingMode(customer_id=c.id, is_staging=False)).is_staging is False


def test_staging_unknown_id_is_404(client):
    expect_error(lambda: client.post(SetCustomerStagingMode(customer_id=f"missing-{RUN}", is_staging=True)),
                 404, "NotFound")


# ---------------------------------------------------------------- Authentication

needs_login = pytest.mark.skipif(not (os.environ.get("CANOPY_USER") and os.environ.get("CANOPY_PASSWORD")),
                                 reason="CANOPY_USER / CANOPY_PASSWORD not set")


@needs_login
def test_login_returns_a_bearer_token_the_client_sends(tree):
    fresh = JsonServiceClient(BASE_URL)
    res = login(fresh)
    assert res.user_name == os.environ["CANOPY_USER"]
    assert fresh.bearer_token
    assert fresh.get(GetCustomer(customer_id=tree["id"]["alpha"])).name == tree["n"]["alpha"]


@needs_login
def test_wrong_password_is_401_unauthorized():
    expect_error(lambda: JsonServiceClient(BASE_URL).post(
        Authenticate(provider="credentials", user_name=os.environ["CANOPY_USER"], password=f"wrong-{RUN}")),
        401, "Unauthorized")


@needs_login
def test_without_signing_in_a_request_is_401(tree):
    with pytest.raises(WebServiceException) as info:
        JsonServiceClient(BASE_URL).get(GetCustomer(customer_id=tree["id"]["alpha"]))
    assert info.value.status_code == 401
