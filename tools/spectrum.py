"""Build static/vendor/spectrum/ from the npm tarballs of Adobe's Spectrum CSS (``make spectrum``).

Run by make after ``npm pack`` has fetched the packages into a folder; reads only those tarballs, so the
app, the tests and CI never need Node. It writes:

- ``spectrum.css``: ``@spectrum-css/tokens``' global, medium-scale and light-theme variables on ``:root``,
  and its dark-theme variables inside ``@media (prefers-color-scheme: dark)``: the theme follows the
  browser without a class switched by script. Comments other than the licence header are dropped.
- ``icons/``: the few Spectrum 2 workflow icons the pages show (success, warning, error, information,
  a completed step), from ``@adobe/spectrum-css-workflow-icons``.
- ``LICENSE`` (Apache-2.0, as the packages ship it) and ``VERSIONS`` (each package, its version, licence
  and the tarball's SHA-256).

Usage: python tools/spectrum.py TARBALL_FOLDER OUTPUT_FOLDER
"""
from __future__ import annotations

import hashlib
import json
import re
import sys
import tarfile
from pathlib import Path

# The icons the pages use, by the name the stylesheet gives them.
ICONS = {"success": "S2_Icon_CheckmarkCircle_20_N.svg", "warning": "S2_Icon_AlertTriangle_20_N.svg",
         "error": "S2_Icon_AlertDiamond_20_N.svg", "info": "S2_Icon_InfoCircle_20_N.svg",
         "check": "S2_Icon_Checkmark_20_N.svg", "search": "S2_Icon_Search_20_N.svg"}
HEADER = ("/* Built by tools/spectrum.py (make spectrum) from @spectrum-css/tokens@{version}:\n"
          " * Copyright 2024 Adobe. Licensed under the Apache License, Version 2.0 (LICENSE beside this file).\n"
          " * Light theme and medium scale on :root; the dark theme when the browser prefers it. */\n")


def members(tarball: Path) -> dict[str, bytes]:
    """Every regular file of an npm tarball, by its path below ``package/``."""
    with tarfile.open(tarball) as archive:
        return {m.name.split("/", 1)[1]: archive.extractfile(m).read()
                for m in archive.getmembers() if m.isfile()}


def block(css: str, selector: str) -> str:
    """The declarations of the one rule ``selector { … }`` of a tokens file, comments dropped, one a line."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    found = re.search(re.escape(selector) + r"\s*\{(.*?)\}", css, flags=re.S)
    if not found:
        raise SystemExit(f"{selector} not found: has @spectrum-css/tokens changed its layout?")
    return "\n".join("  " + line.strip() for line in found.group(1).splitlines() if line.strip())


def build(source: Path, out: Path) -> None:
    packages = {}
    for tarball in sorted(source.glob("*.tgz")):
        files = members(tarball)
        meta = json.loads(files["package.json"])
        packages[meta["name"]] = (meta, files, hashlib.sha256(tarball.read_bytes()).hexdigest())
    tokens_meta, tokens, _sha = packages["@spectrum-css/tokens"]
    css = lambda name: tokens[f"dist/css/{name}-vars.css"].decode()   # noqa: E731
    out.mkdir(parents=True, exist_ok=True)
    (out / "spectrum.css").write_text(
        HEADER.format(version=tokens_meta["version"])
        + ":root {\n  color-scheme: light dark;\n" + block(css("global"), ".spectrum") + "\n"
        + block(css("medium"), ".spectrum--medium") + "\n" + block(css("light"), ".spectrum--light") + "\n}\n"
        + "@media (prefers-color-scheme: dark) {\n:root {\n" + block(css("dark"), ".spectrum--dark") + "\n}\n}\n")
    _meta, icons, _sha = packages["@adobe/spectrum-css-workflow-icons"]
    (out / "icons").mkdir(exist_ok=True)
    for name, file in ICONS.items():
        (out / "icons" / f"{name}.svg").write_bytes(icons[f"dist/assets/svg/{file}"])
    licence = next(files["LICENSE"] for _m, files, _s in packages.values() if "LICENSE" in files)
    (out / "LICENSE").write_bytes(licence)
    (out / "VERSIONS").write_text("".join(
        f"{name}\t{meta['version']}\t{meta.get('license', '?')}\tsha256:{sha}\n"
        for name, (meta, _files, sha) in sorted(packages.items())))


if __name__ == "__main__":
    build(Path(sys.argv[1]), Path(sys.argv[2]))
