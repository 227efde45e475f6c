"""The stateful life of one schedule through the HTTP API, each answer checked by schemathesis against the OpenAPI
document: create (PUT) -> get -> pause -> get -> trigger (twice with one Idempotency-Key) -> resume -> events ->
cancel (DELETE) -> get (404). Generated bodies rarely make a schedule the scheduler accepts (a cron's fields, a zone's
name), so this walk gives the document's links a schedule that exists.

Usage: python api-sequence.py BASE_URL TOKEN    (BASE_URL like http://127.0.0.1:8090)
"""

import sys
import time

import schemathesis
from schemathesis.checks import CHECKS


def main() -> int:
    base, token = sys.argv[1], sys.argv[2]
    schema = schemathesis.openapi.from_url(f"{base}/v1/openapi.json")
    headers = {"Authorization": f"Bearer {token}"}
    checks = [check for check in CHECKS.get_all() if check.__name__ != "positive_data_acceptance"]
    schedule_id = f"api-sequence-{int(time.time() * 1000)}"

    def call(method, path, expected, body=None, extra_headers=None, query=None):
        operation = schema[path][method]
        arguments = {"path_parameters": {"id": schedule_id}} if "{id}" in path else {}
        if body is not None:
            arguments["body"] = body
            arguments["media_type"] = "application/json"
        if query is not None:
            arguments["query"] = query
        case = operation.Case(**arguments)
        response = case.call_and_validate(
            base_url=base, headers={**headers, **(extra_headers or {})}, checks=checks)
        if response.status_code != expected:
            raise SystemExit(f"{method} {path}: {response.status_code}, expected {expected}: {response.text}")
        print(f"ok  {method:6} {path:32} {response.status_code}")
        return response.json() if response.text else None

    stored = call("PUT", "/v1/schedules/{id}", 200, body={
        "target": "api.sequence", "cron": "0 9 * * MON-FRI", "tz": "Europe/Paris", "payload": {"json": {"n": 1}}})
    assert stored["status"] == "scheduled" and len(stored["nextFireTimes"]) > 0, stored
    again = call("PUT", "/v1/schedules/{id}", 200, body={
        "target": "api.sequence", "cron": "0 9 * * MON-FRI", "tz": "Europe/Paris", "payload": {"json": {"n": 1}}})
    assert again["written"] is False, again
    assert call("GET", "/v1/schedules/{id}", 200)["status"] == "scheduled"
    assert call("POST", "/v1/schedules/{id}/pause", 200)["status"] == "paused"
    assert call("GET", "/v1/schedules/{id}", 200)["status"] == "paused"
    key = {"Idempotency-Key": f"{schedule_id}-trigger"}
    first = call("POST", "/v1/schedules/{id}/trigger", 200, extra_headers=key)
    second = call("POST", "/v1/schedules/{id}/trigger", 200, extra_headers=key)
    assert first == second, (first, second)
    assert call("POST", "/v1/schedules/{id}/resume", 200)["status"] == "scheduled"
    kinds = [event["type"] for event in call("GET", "/v1/schedules/{id}/events", 200)["events"]]
    for kind in ("scheduled", "paused", "triggered", "resumed"):
        assert kind in kinds, (kind, kinds)
    listed = call("GET", "/v1/schedules", 200, query={"idPrefix": schedule_id})
    assert [row["id"] for row in listed["schedules"]] == [schedule_id], listed
    call("DELETE", "/v1/schedules/{id}", 204)
    call("GET", "/v1/schedules/{id}", 404)
    print(f"the life of {schedule_id} matches the document")
    return 0


if __name__ == "__main__":
    sys.exit(main())
