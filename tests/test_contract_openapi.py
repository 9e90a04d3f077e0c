"""The OpenAPI schema lists, for every operation, the error answers it can give, with the contract's bodies."""

import json


def _openapi() -> dict:
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))


def test_every_operation_lists_the_errors_it_can_answer():
    for path, item in _openapi()["paths"].items():
        for method, operation in item.items():
            codes = set(operation["responses"])
            parameters = operation.get("parameters", [])
            label = f"{method.upper()} {path}"
            if operation.get("security") and {} not in operation["security"]:
                assert {"401", "403"} <= codes, label
            if any(p["in"] == "path" for p in parameters):
                assert "404" in codes, label
            if "requestBody" in operation or any(p["in"] == "query" for p in parameters):
                assert "400" in codes, label
            for code in codes - {"200", "201", "202", "204", "503"}:
                schema = operation["responses"][code]["content"]["application/json"]["schema"]
                assert schema.get("$ref", "").startswith("#/components/schemas/"), (label, code)


def test_stored_blank_choices_times_and_unpaginated_lists_are_described_as_answered():
    spec = _openapi()
    schemas = spec["components"]["schemas"]
    tier = schemas["ClientList"]["properties"]["tier"]
    assert {"$ref": "#/components/schemas/BlankEnum"} in tier["oneOf"]
    planned_time = json.dumps(schemas["VisitPlan"]["properties"]["planned_time"])
    assert '"format": "time"' not in planned_time and "pattern" in planned_time
    volumes = spec["paths"]["/api/v1/clients/{id}/competitor-volumes/"]["get"]["responses"]["200"]
    assert volumes["content"]["application/json"]["schema"]["type"] == "array"
    contacts = spec["paths"]["/api/v1/clients/{id}/contacts/"]["put"]["responses"]["200"]
    assert contacts["content"]["application/json"]["schema"]["type"] == "array"
    assert "put" not in spec["paths"]["/api/v1/clients/{id}/"]


def test_a_client_offers_no_put_and_says_so(org, api_as):
    from tests.factories_leads import ClientFactory

    client = ClientFactory(area=org.a1, owner=org.kam)
    response = api_as(org.kam).options(f"/api/v1/clients/{client.pk}/")
    assert response.status_code == 200
    assert "PUT" not in response["Allow"] and "PATCH" in response["Allow"]
    assert api_as(org.kam).put(f"/api/v1/clients/{client.pk}/", {}, format="json").status_code == 405


def test_a_page_size_that_is_not_a_number_is_refused(org, api_as):
    response = api_as(org.kam).get("/api/v1/clients/", {"page_size": "null"})
    assert response.status_code == 400
    assert set(response.json()) == {"page_size"}
    assert api_as(org.kam).get("/api/v1/clients/", {"page_size": "5"}).status_code == 200
