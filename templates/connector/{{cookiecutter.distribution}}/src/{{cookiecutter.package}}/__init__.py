"""{{ cookiecutter.title }}: a hookline connector ({{ cookiecutter.kind }}).

The hooks are in :mod:`{{ cookiecutter.package }}.connector`; hookline finds them through
the entry point ``{{ cookiecutter.id }}`` in the group ``hookline.connectors``.
"""

__version__ = "0.1.0"
