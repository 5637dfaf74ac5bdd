"""Values the tests share: well-formed (and fake) AWS keys."""
from connector import KinesisCredentials

ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def credentials(access_key_id: str = ACCESS_KEY_ID, secret_key: str = SECRET_KEY,
                region: str = "eu-west-1") -> KinesisCredentials:
    return KinesisCredentials(access_key_id, secret_key, region)
