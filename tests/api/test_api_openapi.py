"""The OpenAPI description and the offline docs page."""

from django.contrib.staticfiles import finders

EXPECTED_PATHS = {
    "/api/auth/token",
    "/api/auth/token/revoke",
    "/api/auth/token/revoke-all",
    "/api/auth/me",
    "/api/orgs/",
    "/api/orgs/{org_id}",
    "/api/members/",
    "/api/members/{member_id}",
    "/api/members/{member_id}/id-number",
    "/api/dues/amount",
    "/api/dues/rollup",
    "/api/dues/members/{member_id}/months",
    "/api/elections/count",
    "/api/elections/terms",
    "/api/life/meetings",
    "/api/life/compliance",
    "/api/outreach/figures",
    "/api/care/compliance",
    "/api/opinions/figures",
}


def test_openapi_json_lists_every_path_and_both_auth_schemes(client, db):
    response = client.get("/api/openapi.json")

    assert response.status_code == 200
    schema = response.json()
    assert set(schema["paths"]) == EXPECTED_PATHS
    schemes = schema["components"]["schemas"]
    assert "MemberOut" in schemes and "OrgDetailOut" in schemes
    security = schema["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"} in security.values()
    params = {p["name"] for p in schema["paths"]["/api/members/"]["get"]["parameters"]}
    assert {"org", "q", "category", "status", "gender", "ordering", "limit", "offset"} <= params


def test_member_schema_exposes_no_plain_pii_fields(client, db):
    member = client.get("/api/openapi.json").json()["components"]["schemas"]["MemberOut"]

    assert not {"id_number_enc", "id_number_hash", "phone_enc"} & set(member["properties"])


def test_docs_page_is_served_without_a_cdn(client, db):
    response = client.get("/api/docs")

    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn.jsdelivr.net" not in html and "unpkg.com" not in html
    assert "ninja/swagger-ui-bundle.js" in html
    assert finders.find("ninja/swagger-ui-bundle.js")


def test_schema_names_are_unique_across_the_apps(client, db):
    """ninja names an OpenAPI component after the class; two apps' `CountOut` would silently
    replace one another in the published schema (it happened once: opinions and elections)."""
    import importlib

    from ninja import Schema

    from dangjian.api import _ROUTERS

    client.get("/api/openapi.json")  # mounts every router
    seen: dict[str, str] = {}
    clashes = []
    for _prefix, dotted in _ROUTERS:
        module = importlib.import_module(dotted.rsplit(".", 1)[0])
        for name, value in vars(module).items():
            if (
                isinstance(value, type)
                and issubclass(value, Schema)
                and value.__module__ == module.__name__
            ):
                if name in seen and seen[name] != module.__name__:
                    clashes.append(f"{name}: {seen[name]} and {module.__name__}")
                seen[name] = module.__name__
    assert not clashes
