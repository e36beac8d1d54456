"""The running Canopy's /openapi.json is a valid OpenAPI 3.1 document (checked by openapi-spec-validator, not by
us), and it describes what the server really answers: every documented GET without path members, called signed in
with no parameters, answers with a status the document lists and a body with the members its schema requires.
"""

import base64
import json
import os
import urllib.request

from openapi_spec_validator import validate

BASE_URL = os.environ.get("CANOPY_URL", "http://127.0.0.1:8080")


def fetch(path: str, auth: bool = False):
    request = urllib.request.Request(BASE_URL + path)
    user, password = os.environ.get("CANOPY_USER"), os.environ.get("CANOPY_PASSWORD")
    if auth and user and password:
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def test_the_document_is_valid_openapi_3_1():
    status, document = fetch("/openapi.json")
    assert status == 200
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_parameterless_reads_answer_as_documented():
    _, document = fetch("/openapi.json")
    schemas = document["components"]["schemas"]
    checked = 0
    for path, item in document["paths"].items():
        get = item.get("get")
        if "{" in path or get is None or get.get("security") is None:
            continue
        if any(p["required"] for p in get["parameters"]):
            continue
        status, body = fetch(path, auth=True)
        if str(status) not in get["responses"]:
            # Errors are documented as `default`: responseStatus, whatever the status.
            assert status >= 400 and "default" in get["responses"], f"GET {path} answered {status}"
            assert "responseStatus" in body, f"GET {path}: {status} without responseStatus"
            continue
        schema = get["responses"][str(status)]["content"]["application/json"]["schema"]
        if "$ref" in schema:
            schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
        for member in schema.get("required", []):
            assert member in body, f"GET {path}: {member} is required by the document but missing"
        checked += 1
    assert checked >= 3
    status, body = fetch("/customers")
    assert status == 401 and "responseStatus" in body
