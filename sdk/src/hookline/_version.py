"""The version of the hookline distribution and of its hook API."""

__version__ = "0.1.0"

#: The hook API generation this host implements. A connector declares the generation it
#: was written for (``ConnectorInfo.api_version``); a connector for another generation is
#: reported as broken instead of being called with arguments it does not expect.
API_VERSION = 1
