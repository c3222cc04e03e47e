"""GB/T 32905 (SM3) and GB/T 32907 (SM4) test vectors, and the provider's guarantees."""

import pytest

from dangjian.core.crypto import SoftwareCryptoProvider, sm3_hex, sm4_ecb_block


def test_sm3_standard_vector():
    assert sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_sm4_standard_vector():
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    assert sm4_ecb_block(key, key).hex() == "681edf34d206965e86b3e94f536e4246"


@pytest.fixture
def provider(tmp_path):
    return SoftwareCryptoProvider(key_file=tmp_path / "k")


def test_encrypt_roundtrip_and_randomised(provider):
    a, b = provider.encrypt("350402198001011234"), provider.encrypt("350402198001011234")
    assert a != b  # fresh nonce each time: equal plaintexts do not show as equal ciphertexts
    assert "350402198001011234" not in a
    assert provider.decrypt(a) == provider.decrypt(b) == "350402198001011234"


def test_tampered_ciphertext_is_rejected(provider):
    import base64

    raw = bytearray(base64.b64decode(provider.encrypt("13900000000")))
    raw[20] ^= 1
    with pytest.raises(Exception):  # noqa: B017 — GCM raises InvalidTag
        provider.decrypt(base64.b64encode(bytes(raw)).decode())


def test_blind_index_is_deterministic_keyed_and_purpose_bound(provider, tmp_path):
    other = SoftwareCryptoProvider(key_file=tmp_path / "other")
    idx = provider.blind_index("X", purpose="a")
    assert idx == provider.blind_index("X", purpose="a")
    assert idx != provider.blind_index("X", purpose="b")
    assert idx != other.blind_index("X", purpose="a")


def test_key_file_is_private(tmp_path):
    SoftwareCryptoProvider(key_file=tmp_path / "k2")
    assert oct((tmp_path / "k2").stat().st_mode & 0o777) == "0o600"


@pytest.mark.django_db
def test_database_holds_no_plaintext_id_or_phone(county):
    from django.db import connection

    from dangjian.core.crypto import provider as p

    member = county.members["a1"][1]
    plain_id = p().decrypt(member.id_number_enc)
    plain_phone = p().decrypt(member.phone_enc)
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM members_member WHERE id = %s", [member.pk])
        row = " ".join(str(v) for v in cur.fetchone())
    assert plain_id not in row and plain_phone not in row
    assert member.id_number_masked == plain_id[:6] + "********" + plain_id[-4:]
