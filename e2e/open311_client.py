#!/usr/bin/env python3
"""A standard GeoReport v2 client against a running civicgrid: list the services, read a
service definition, post a request, read it back (JSON and XML), trade the token for the id.

The client is the `georeport` package from PyPI (a thin wrapper of GeoReport v2, JSON and
XML). It has no call that creates a request and sends no api_key on reads, so the POST and
the keyed read are made with `requests` (its own dependency), form-encoded and with the
parameters exactly as the spec describes.

    python3 -m venv /tmp/georeport-venv
    /tmp/georeport-venv/bin/pip install 'georeport==0.3.1'
    # a server, e.g.: CIVICGRID_DEMO_PASSWORD=Demo2026pass cargo run -- --bind 127.0.0.1:8080 demo
    CIVICGRID_URL=http://127.0.0.1:8080 CIVICGRID_LOGIN=resident CIVICGRID_PASSWORD=Demo2026pass \\
        /tmp/georeport-venv/bin/python e2e/open311_client.py

Instead of a login and password, CIVICGRID_API_KEY may hold an API token (made on the page
/account/tokens). CIVICGRID_JURISDICTION is the city's code; it may be left out when the
server holds one city. Exits non-zero at the first thing that is not as the spec says.
"""

import os
import sys

import requests
from georeport import GeoReport

BASE = os.environ.get("CIVICGRID_URL", "http://127.0.0.1:8080").rstrip("/")
ROOT = f"{BASE}/open311/v2"
JURISDICTION = os.environ.get("CIVICGRID_JURISDICTION") or None


def check(ok, what):
    if not ok:
        print(f"FAIL: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def api_key():
    key = os.environ.get("CIVICGRID_API_KEY")
    if key:
        return key
    login = os.environ.get("CIVICGRID_LOGIN", "resident")
    password = os.environ.get("CIVICGRID_PASSWORD")
    if not password:
        sys.exit("set CIVICGRID_API_KEY, or CIVICGRID_LOGIN and CIVICGRID_PASSWORD")
    r = requests.post(
        f"{BASE}/api/v1/auth/token",
        json={"login": login, "password": password},
        timeout=30,
    )
    r.raise_for_status()
    return r.json()["token"]


def main():
    key = api_key()
    as_json = GeoReport(ROOT, jurisdiction=JURISDICTION, api_key=key)
    as_xml = GeoReport(ROOT, jurisdiction=JURISDICTION, api_key=key, output_format="xml")

    services = as_json.get_service_list()
    check(len(services) > 0, f"services.json lists {len(services)} services")
    stall = next((s for s in services if s["service_name"] == "占道经营"), services[0])
    code = stall["service_code"]
    xml_services = as_xml.get_service_list()
    check(
        [s["service_code"] for s in xml_services] == [s["service_code"] for s in services],
        "services.xml lists the same services",
    )
    check(stall["metadata"] is True, f"{code} has metadata")

    definition = as_json.get_service_definition(code)
    attribute = definition["attributes"][0]
    check(attribute["code"] == "urgency", "the definition has the urgency attribute")
    keys = [v["key"] for v in attribute["values"]]
    check(keys == ["normal", "urgent"], f"urgency values {keys}")
    xml_definition = as_xml.get_service_definition(code)
    check(
        xml_definition["attributes"]["attribute"]["code"] == "urgency",
        "services/{code}.xml has the same attribute",
    )

    form = {
        "api_key": key,
        "service_code": code,
        "lat": "30.5928",
        "long": "114.3055",
        "address_string": "GeoReport 客户端测试地址",
        "description": "GeoReport 客户端测试：人行道上有人摆摊",
        "attribute[urgency]": "urgent",
    }
    if JURISDICTION:
        form["jurisdiction_id"] = JURISDICTION
    r = requests.post(f"{ROOT}/requests.json", data=form, timeout=30)
    check(r.status_code == 200, f"POST requests.json answers 200 ({r.status_code} {r.text[:200]})")
    created = r.json()[0]
    request_id, token = created["service_request_id"], created["token"]
    check(bool(request_id) and bool(token), f"request {request_id} created with a token")

    # georeport sends no api_key on reads: what it gets is the public subset.
    mine = as_json.get_service_request(request_id)
    check(mine["status"] == "open", f"requests/{request_id}.json is open: {mine['status_notes']}")
    check(mine["service_code"] == code, "it is filed under the service posted")
    check(mine["description"] is None, "without a key the description is hidden")
    full = requests.get(
        f"{ROOT}/requests/{request_id}.json",
        params={"api_key": key, "jurisdiction_id": JURISDICTION},
        timeout=30,
    ).json()[0]
    check(full["description"] == form["description"], "the reporter's key reads the full request")
    xml_mine = as_xml.get_service_request(request_id)
    check(xml_mine["service_request_id"] == request_id, "requests/{id}.xml reads it back")
    listed = as_json.get_service_requests(service_request_id=request_id)
    check([x["service_request_id"] for x in listed] == [request_id], "requests.json finds it by id")
    open_ones = as_json.get_service_requests(status="open", service_code=code)
    check(
        any(x["service_request_id"] == request_id for x in open_ones),
        "requests.json?status=open&service_code=… lists it",
    )

    t = requests.get(
        f"{ROOT}/tokens/{token}.json", params={"jurisdiction_id": JURISDICTION}, timeout=30
    )
    check(
        t.status_code == 200 and t.json()[0]["service_request_id"] == request_id,
        "tokens/{token}.json gives the id",
    )
    print("all good")


if __name__ == "__main__":
    main()
