"""Field encryption and blind indexes behind one interface (SECURITY.md D).

SM4-GCM for confidentiality, HMAC-SM3 for the blind index used for uniqueness and exact lookup.
The software provider is for development and CI; production swaps in a 密码机 back end through
DANGJIAN_CRYPTO_PROVIDER without touching callers.
"""

from __future__ import annotations

import base64
import os
import secrets
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.utils.module_loading import import_string

_VERSION = b"\x01"  # ciphertext format version, so a later key or algorithm change can coexist
_NONCE_BYTES = 12
_TAG_BYTES = 16


class CryptoProvider:
    """What the application needs from a cryptographic module; nothing more."""

    def encrypt(self, plaintext: str) -> str:
        raise NotImplementedError

    def decrypt(self, token: str) -> str:
        raise NotImplementedError

    def blind_index(self, value: str, *, purpose: str) -> str:
        raise NotImplementedError


def sm3_hex(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def sm4_ecb_block(key: bytes, block: bytes) -> bytes:
    """One raw SM4 block; used only to check the GB/T 32907 test vector at start-up and in tests."""
    encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()
    return encryptor.update(block) + encryptor.finalize()


class SoftwareCryptoProvider(CryptoProvider):
    """SM4-GCM + HMAC-SM3 with keys read from a key file outside the database and settings."""

    def __init__(self, key_file: Path | None = None) -> None:
        path = Path(key_file or settings.DANGJIAN_KEY_FILE)
        master = self._load_or_create(path)
        # Separate keys per use, derived so that one leaked derived key does not expose the other.
        self._data_key = self._derive(master, b"dangjian-sm4-data")[:16]
        self._index_key = self._derive(master, b"dangjian-hmac-sm3-index")

    @staticmethod
    def _load_or_create(path: Path) -> bytes:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_hex(32))
            os.chmod(path, 0o600)
        return bytes.fromhex(path.read_text().strip())

    @staticmethod
    def _derive(master: bytes, label: bytes) -> bytes:
        mac = hmac.HMAC(master, hashes.SM3())
        mac.update(label)
        return mac.finalize()

    def encrypt(self, plaintext: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        encryptor = Cipher(algorithms.SM4(self._data_key), modes.GCM(nonce)).encryptor()
        body = encryptor.update(plaintext.encode()) + encryptor.finalize()
        return base64.b64encode(_VERSION + nonce + body + encryptor.tag).decode("ascii")

    def decrypt(self, token: str) -> str:
        raw = base64.b64decode(token)
        if raw[:1] != _VERSION:
            raise ValueError("未知的密文版本")
        nonce = raw[1 : 1 + _NONCE_BYTES]
        body, tag = raw[1 + _NONCE_BYTES : -_TAG_BYTES], raw[-_TAG_BYTES:]
        decryptor = Cipher(algorithms.SM4(self._data_key), modes.GCM(nonce, tag)).decryptor()
        return (decryptor.update(body) + decryptor.finalize()).decode()

    def blind_index(self, value: str, *, purpose: str) -> str:
        mac = hmac.HMAC(self._index_key, hashes.SM3())
        mac.update(purpose.encode() + b"\x00" + value.encode())
        return mac.finalize().hex()


@lru_cache(maxsize=1)
def provider() -> CryptoProvider:
    return import_string(settings.DANGJIAN_CRYPTO_PROVIDER)()
