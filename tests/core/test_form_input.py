"""Form bodies that cannot be read are a 400, before anything looks at them."""

from __future__ import annotations

BOUNDARY = "neikeng0boundary"


def multipart_with_field_name(name: bytes) -> bytes:
    return (
        (
            f"--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="file"; filename="catalog.csv"\r\n\r\n'
            "sku,name\r\n"
            f"--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="'
        ).encode()
        + name
        + f'"\r\n\r\n{{}}\r\n--{BOUNDARY}--\r\n'.encode()
    )


def test_a_form_field_name_werkzeug_cannot_read_is_a_400(api):
    token = api.refresh_csrf()
    response = api.client.post(
        "/api/v1/catalog/import",
        data=multipart_with_field_name(b"\xf2\x9e\x91\xb7\xc2\x97\\"),
        headers={
            "X-CSRFToken": token,
            "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
        },
    )
    assert response.status_code == 400
    assert response.json["message"] == "A form field name is not valid UTF-8."


def test_the_same_form_with_a_readable_name_reaches_the_login_check(api):
    token = api.refresh_csrf()
    response = api.client.post(
        "/api/v1/catalog/import",
        data=multipart_with_field_name(b"note"),
        headers={
            "X-CSRFToken": token,
            "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
        },
    )
    assert response.status_code == 401
