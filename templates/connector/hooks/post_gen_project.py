"""Remove the files the chosen variant does not use, so the project holds only its own code."""

from pathlib import Path

KIND = "{{ cookiecutter.kind }}"
STYLE = "{{ cookiecutter.style }}"
PACKAGE = Path("src") / "{{ cookiecutter.package }}"

unused = []
if STYLE != "rest":
    unused += [PACKAGE / "_client.py", PACKAGE / "_fake_api.py"]
if KIND == "destination":
    unused += [PACKAGE / "_reading.py"]
if KIND == "source":
    unused += [PACKAGE / "_writing.py"]

for path in unused:
    path.unlink()

# Leave no empty directory behind (deepest first).
for directory in sorted((p for p in Path(".").rglob("*") if p.is_dir()), reverse=True):
    if not any(directory.iterdir()):
        directory.rmdir()
