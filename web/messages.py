"""The sentences for the connector's Kinesis codes: what is wrong with a key's shape, and what Kinesis said
of a key when it was tested. The connector carries the codes; people read these, translated."""
from __future__ import annotations


def N_(message: str) -> str:
    """Mark a message for translation; translated where it is shown."""
    return message


# What is wrong with a field, by the code ``connector.kinesis.check_credentials`` gives.
MESSAGES = {
    "access_key_missing": N_("Enter the access key ID."),
    "access_key_temporary": N_("This is a temporary access key (it starts with ASIA). Flow Service cannot store "
                                "the session token such keys need, so they stop working; use a long-term "
                                "access key of an IAM user, which starts with AKIA."),
    "access_key_format": N_("An access key ID is 20 capital letters and digits, like AKIAIOSFODNN7EXAMPLE."),
    "access_key_prefix": N_("An IAM user's access key ID starts with AKIA."),
    "secret_missing": N_("Enter the secret access key."),
    "secret_format": N_("A secret access key is 40 characters: letters, digits, / and +. Copy it again from "
                         "the file AWS offered when the key was created."),
    "region_missing": N_("Choose the region of your Kinesis streams."),
    "region_unknown": N_("Choose a region where Amazon Kinesis is available."),
}

# What Kinesis said of a key, by ``KinesisCheck.code``.
CHECK_MESSAGES = {
    "no_streams": N_("The key works, but there is no Kinesis stream in %(region)s. Check the region, or create "
                     "the stream first."),
    "unknown_key": N_("AWS does not know this access key ID. Check that it was copied whole and that the key "
                      "has not been deleted or deactivated."),
    "wrong_secret": N_("AWS knows this access key ID, but the secret access key does not match it. Copy the "
                       "secret again."),
    "missing_permission": N_("The key works, but its IAM user may not call %(action)s. Experience Platform needs "
                             "kinesis:ListStreams, kinesis:DescribeStream, kinesis:GetShardIterator and "
                             "kinesis:GetRecords."),
    "unreachable": N_("Amazon Kinesis could not be reached. Check the network, then try again."),
    "timeout": N_("Amazon Kinesis did not answer within a few seconds. Try again in a moment."),
    "refused": N_("AWS refused the key: %(detail)s"),
}


def check_message(result) -> str:
    """What Kinesis said of a key (a ``KinesisCheck``), translated: the region by its name and code, the
    number of streams in the language's plural forms."""
    from .i18n import gettext, ngettext, region_label
    values = {**result.values(), "region": region_label(result.region)}
    if result.code == "ok":
        return ngettext("The key works: Kinesis lists %(count)d stream in %(region)s, and every permission "
                        "Experience Platform needs is there.",
                        "The key works: Kinesis lists %(count)d streams in %(region)s, and every permission "
                        "Experience Platform needs is there.", values["count"], **values)
    return gettext(CHECK_MESSAGES[result.code], **values)
