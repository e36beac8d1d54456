"""Add ServiceStack Reference for Python: the running Canopy's `/types/python` is fetched into `generated_dtos.py`
(gitignored), imported, and the PyPI `JsonServiceClient`, unchanged, drives operations with those classes only:
sign-in, an account and a customer created, read, patched, listed in both sort orders, then deleted.

CANOPY_URL names the server; CANOPY_USER / CANOPY_PASSWORD sign in (the suite's runner sets them).
"""

import importlib
import os
import random
import string
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from servicestack import JsonServiceClient, WebServiceException

BASE_URL = os.environ.get("CANOPY_URL", "http://127.0.0.1:8080")
RUN = format(int(time.time() * 1000), "x") + "".join(random.choices(string.ascii_lowercase, k=4))
HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def dtos():
    """Writes the server's Python DTOs next to this file and imports them."""
    with urllib.request.urlopen(f"{BASE_URL}/types/python") as res:
        assert res.status == 200
        assert res.headers.get_content_type() == "text/plain"
        source = res.read().decode("utf-8")
    assert source.startswith('""" Options:\n'), source[:200]
    assert f"\nBaseUrl: {BASE_URL}\n" in source
    (HERE / "generated_dtos.py").write_text(source, encoding="utf-8")
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    sys.modules.pop("generated_dtos", None)
    return importlib.import_module("generated_dtos")


@pytest.fixture(scope="module")
def client(dtos) -> JsonServiceClient:
    """Signs in with the generated Authenticate (not the package's own) and keeps only the bearer token, as the
    hand-written suite does (with a refresh token this client retries every failed request)."""
    user_name = os.environ.get("CANOPY_USER")
    password = os.environ.get("CANOPY_PASSWORD")
    if not user_name or not password:
        pytest.skip("CANOPY_USER / CANOPY_PASSWORD are not set")
    client = JsonServiceClient(BASE_URL)
    res = client.post(dtos.Authenticate(provider="credentials", user_name=user_name, password=password,
                                        remember_me=True))
    assert isinstance(res, dtos.AuthenticateResponse)
    assert res.user_name == user_name and res.bearer_token
    client.set_bearer_token(res.bearer_token)
    return client


def test_the_generated_module_has_servicestack_s_shape(dtos):
    from servicestack import IDelete, IGet, IPatch, IPost, IReturn, IReturnVoid

    assert issubclass(dtos.GetCustomer, IReturn) and issubclass(dtos.GetCustomer, IGet)
    assert issubclass(dtos.NewCustomer, IPost) and issubclass(dtos.PatchCustomer, IPatch)
    assert issubclass(dtos.DeleteCustomer, IReturnVoid) and issubclass(dtos.DeleteCustomer, IDelete)
    assert dtos.SortOrder.DESCEND.value == "Descend" and isinstance(dtos.SortOrder.ASCEND, str)
    # Every member, camelCased on the wire, enums by name (GetCustomer's fields and csvStyle: sparse fieldsets).
    get = dtos.GetCustomer(customer_id="c1", fields=["name", "id"], csv_style=dtos.CsvStyle.FLAT)
    assert get.to_dict() == {"customerId": "c1", "fields": ["name", "id"], "csvStyle": "Flat"}


def test_customer_lifecycle_with_generated_classes_only(dtos, client):
    account = client.post(dtos.NewAccount(name=f"Generated py {RUN}", parent_account_id="acct-platform"))
    assert isinstance(account, dtos.AccountInfo) and account.id
    created = []
    try:
        for name in ("alpha", "beta"):
            customer = client.post(dtos.NewCustomer(account_id=account.id, name=f"{name} gen {RUN}"))
            assert isinstance(customer, dtos.CustomerInfo)
            assert customer.account_id == account.id and customer.name == f"{name} gen {RUN}"
            created.append(customer.id)

        got = client.get(dtos.GetCustomer(customer_id=created[0]))
        assert isinstance(got, dtos.CustomerInfo) and got.id == created[0]

        patched = client.patch(dtos.PatchCustomer(customer_id=created[0], name=f"gamma gen {RUN}"))
        assert isinstance(patched, dtos.CustomerInfo)
        assert patched.name == f"gamma gen {RUN}"
        assert client.get(dtos.GetCustomer(customer_id=created[0])).name == f"gamma gen {RUN}"

        ascending = client.get(dtos.ListCustomers(account_ids=[account.id], sort_field="Name",
                                                  sort_order=dtos.SortOrder.ASCEND))
        assert isinstance(ascending, dtos.ListResponseOfCustomerInfo)
        assert all(isinstance(c, dtos.CustomerInfo) for c in ascending.items)
        assert [c.name for c in ascending.items] == [f"beta gen {RUN}", f"gamma gen {RUN}"]
        assert ascending.total_count == 2
        descending = client.get(dtos.ListCustomers(account_ids=[account.id], sort_field="Name",
                                                   sort_order=dtos.SortOrder.DESCEND))
        assert [c.name for c in descending.items] == [f"gamma gen {RUN}", f"beta gen {RUN}"]
    finally:
        for customer_id in created:
            client.delete(dtos.DeleteCustomer(customer_id=customer_id))
        client.delete(dtos.DeleteAccount(account_id=account.id))

    with pytest.raises(WebServiceException) as info:
        client.get(dtos.GetCustomer(customer_id=created[0]))
    assert info.value.status_code == 404
    remaining = client.get(dtos.ListAccounts(specific_ids=[account.id]))
    assert not remaining.items, remaining


def test_an_include_types_selection_imports_and_updates_from_its_header(tmp_path, dtos, client):
    """IncludeTypes=GetCustomer brings the operation's response and every type that reaches (as ServiceStack's does),
    so the file imports and deserializes on its own; the options the header writes plainly are the ones to send back
    to update the file, as ServiceStack's tools do."""
    url = f"{BASE_URL}/types/python?IncludeTypes=GetCustomer"
    with urllib.request.urlopen(url) as res:
        source = res.read().decode("utf-8")
    header = source.split('"""')[1]
    chosen = [line for line in header.splitlines()[1:] if ": " in line and not line.startswith("#")]
    chosen = [line for line in chosen if line.split(":")[0] not in ("Date", "Version", "Tip", "BaseUrl")]
    assert chosen == ["IncludeTypes: GetCustomer"], chosen
    assert "\nclass CustomerInfo:" in source and "\nclass Schedule:" in source
    assert "\nclass ListCustomers(" not in source and "\nclass AccountInfo:" not in source
    (tmp_path / "selected_dtos.py").write_text(source, encoding="utf-8")
    sys.path.insert(0, str(tmp_path))
    try:
        selected = importlib.import_module("selected_dtos")
    finally:
        sys.path.remove(str(tmp_path))
    some = client.get(dtos.ListCustomers(count_per_page=1)).items
    assert some, "the demo data has customers"
    got = client.get(selected.GetCustomer(customer_id=some[0].id))
    assert isinstance(got, selected.CustomerInfo) and got.id == some[0].id
    assert all(isinstance(b, selected.CustomerBreadcrumb) for b in got.breadcrumb or [])
