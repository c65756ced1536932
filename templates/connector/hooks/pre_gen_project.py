"""Refuse a connector id or package name that would not work, before anything is written."""

import re
import sys

# The same rule hookline applies to connector ids (hookline.models.valid_connector_id).
CONNECTOR_ID = re.compile(r"^[a-z][a-z0-9_]*(-[a-z0-9_]+)*$")

connector_id = "{{ cookiecutter.id }}"
package = "{{ cookiecutter.package }}"

if not CONNECTOR_ID.match(connector_id):
    sys.stderr.write(
        f"error: connector id {connector_id!r} is invalid: use lowercase letters, digits, "
        "'-' and '_', starting with a letter (e.g. acmecrm or acme-crm)\n"
    )
    sys.exit(1)

if not package.isidentifier():
    sys.stderr.write(
        f"error: package {package!r} is not a Python identifier: use letters, digits and '_'\n"
    )
    sys.exit(1)
