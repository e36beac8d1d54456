"""The spreadsheet CSV style (csvStyle=Flat) read back with Python's csv module, checked against the JSON data of
the same customers; and fields= (sparse fieldsets) as a plain HTTP client sees them.

The expected cells are computed here, independently of the server's code, from the rules in docs/wire-format.md
("Flat CSV"): dotted columns, data values as plain values, tags joined by "; ", the breadcrumb as a " / " path,
and formula cells prefixed with a quote.
"""

import base64
import csv
import io
import json
import os
import urllib.error
import urllib.parse
import urllib.request

import pytest

from test_customers import RUN, new_account, new_client

BASE_URL = os.environ.get("CANOPY_URL", "http://127.0.0.1:8080")


def send(method: str, path: str, params: dict, body=None):
    """One request with the suite's credentials; answers (status, headers, text)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{BASE_URL}{path}?{urllib.parse.urlencode(params)}", data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    user, password = os.environ.get("CANOPY_USER"), os.environ.get("CANOPY_PASSWORD")
    if user and password:
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.headers, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode("utf-8")


def get(path: str, params: dict):
    return send("GET", path, params)


def create(body: dict) -> dict:
    status, _, text = send("POST", "/customers", {}, body)
    assert status == 200, text
    return json.loads(text)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")


def spreadsheet_text(text: str) -> str:
    """A cell as the flat style writes it: OWASP's quote before anything a spreadsheet would run."""
    is_negative_number = False
    if text.startswith("-"):
        try:
            float(text)
            is_negative_number = True
        except ValueError:
            pass
    if text.startswith(FORMULA_START) and not is_negative_number:
        return "'" + text
    return text


def plain(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def expected_cells(customer: dict, columns: list) -> dict:
    """What each flat column must hold for one customer of the JSON answer."""
    cells = {}
    for column in columns:
        if column == "tags":
            text = "; ".join(t["name"].replace(";", ";;") for t in customer.get("tags", []))
        elif column == "breadcrumb":
            text = " / ".join(b["name"] for b in customer.get("breadcrumb", []))
        elif column.startswith("data."):
            value = customer.get("data", {}).get(column[len("data."):], {})
            text = next((plain(value[k]) for k in
                         ("stringValue", "numberValue", "boolValue", "listValue", "structValue") if k in value), "")
        elif column.startswith("integrationData."):
            key = column[len("integrationData."):-len(".thirdPartyId")]
            text = plain(customer.get("integrationData", {}).get(key, {}).get("thirdPartyId"))
        else:
            value = customer
            for part in column.split("."):
                value = value.get(part) if isinstance(value, dict) else None
            text = plain(value)
        cells[column] = spreadsheet_text(text)
    return cells


@pytest.fixture(scope="module")
def flat_account():
    """Three generations in their own account, with cells a spreadsheet would run as formulas."""
    account_id = new_account(new_client(), f"Flat CSV (py) {RUN}")
    parent = create({
        "accountId": account_id, "name": f"=HYPERLINK(\"http://evil.example\",\"Parent\") {RUN}",
        "tagIds": ["vip", "partner"],
        "data": {"Tier": {"stringValue": "Gold"}, "Seats": {"numberValue": 12.5}},
        "integrationData": {"crm": {"thirdPartyId": "@crm-1"}},
        "overrideBillingSettings": True,
        "billingSettings": {"base": {"baseCost": 199, "rawUnitMultiplier": 1, "unitCost": 0.25, "allowance": 3}},
    })
    child = create({
        "accountId": account_id, "parentCustomerId": parent["id"], "name": f"Child, \"quoted\" {RUN}",
        "tagIds": ["churn-risk"], "data": {"Managed": {"boolValue": True}, "Tier": {"stringValue": "Bronze"}},
        "overrideAppSettings": True, "appSettings": {"pageTitle": "-1+1", "enableDialer": True},
    })
    create({"accountId": account_id, "parentCustomerId": child["id"], "name": f"+Grandchild {RUN}"})
    return account_id


def test_a_flat_export_reads_back_with_the_csv_module_to_the_json_data(flat_account):
    status, _, body = get("/customers", {"accountIds": flat_account, "all": "true"})
    assert status == 200, body
    customers = json.loads(body)["items"]
    assert len(customers) == 3

    status, headers, text = get("/customers", {"accountIds": flat_account, "all": "true", "format": "csv",
                                               "csvStyle": "flat"})
    assert status == 200, text
    assert headers["Content-Type"].startswith("text/csv")
    assert 'filename="ListCustomers.csv"' in headers["Content-Disposition"]
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = list(reader)
    columns = reader.fieldnames
    for column in ("billingSettings.base.unitCost", "data.Tier", "data.Seats", "data.Managed",
                   "integrationData.crm.thirdPartyId", "appSettings.pageTitle", "tags", "breadcrumb"):
        assert column in columns, columns
    assert [c for c in columns if c.startswith("data.")] == ["data.Managed", "data.Seats", "data.Tier"]
    assert len(rows) == len(customers)
    for row, customer in zip(rows, customers):
        assert row == expected_cells(customer, columns), customer["name"]

    parent = next(r for r in rows if r["data.Seats"])
    assert parent["name"].startswith("'=HYPERLINK(")
    assert parent["tags"] == "VIP; Partner"
    assert parent["billingSettings.base.unitCost"] == "0.25"
    grandchild = next(r for r in rows if r["name"].startswith("'+Grandchild"))
    assert grandchild["breadcrumb"].count(" / ") == 1


def test_the_servicestack_style_keeps_formulas_as_written(flat_account):
    status, _, text = get("/customers", {"accountIds": flat_account, "all": "true", "format": "csv"})
    assert status == 200, text
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    names = sorted(r["name"] for r in rows)
    assert names[0].startswith("+Grandchild") and names[1].startswith("=HYPERLINK(")
    assert "'=" not in text and "'+" not in text


def test_fields_pick_and_order_members(flat_account):
    status, _, body = get("/customers", {"accountIds": flat_account, "fields": "name,ID,data.Tier"})
    assert status == 200, body
    for item in json.loads(body)["items"]:
        assert list(item)[:2] == ["name", "id"] and set(item) <= {"name", "id", "data"}
    status, _, text = get("/customers", {"accountIds": flat_account, "all": "true", "format": "csv",
                                         "csvStyle": "flat", "fields": "name,data.Tier"})
    assert status == 200, text
    assert list(csv.reader(io.StringIO(text, newline="")))[0] == ["name", "data.Tier"]


def test_an_unknown_field_is_a_400_naming_it(flat_account):
    status, _, body = get("/customers", {"accountIds": flat_account, "fields": "id,nickname"})
    assert status == 400, body
    error = json.loads(body)["responseStatus"]["errors"][0]
    assert error["errorCode"] == "InvalidField" and error["fieldName"] == "fields"
    assert "'nickname'" in error["message"]
