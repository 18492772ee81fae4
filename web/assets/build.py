#!/usr/bin/env python3
"""Build the web view's static files into web/static/ (served at /assets/).

    python3 web/assets/build.py               # what `make assets` runs
    python3 web/assets/build.py --check-node  # only check Node.js and npm

Needs node_modules/ as `npm ci` leaves it (the install step runs it), and
nothing else: no network. web/static/ is made afresh each time (built beside
it, then put in its place):

    application.css          web/assets/application.scss compiled by the npm
                             `sass` (pure JavaScript Dart Sass), compressed
    govuk-frontend.min.js    GOV.UK Frontend's ES module (and its .map)
    moj-frontend.min.js      MOJ Frontend's ES module
    images/                  GOV.UK Frontend's images without the crown or the
                             GOV.UK logo, and the images application.css uses

Every url() in application.css must be a data: URI or a file under
web/static/, and no font may be referenced: the build fails otherwise.
Standard library only.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "web" / "assets"
STATIC = ROOT / "web" / "static"
NODE_MODULES = ROOT / "node_modules"
URL_PREFIX = "/assets/"  # where the app serves STATIC

NODE_MIN = 18
NPM_MIN = 7  # reads package-lock.json version 3

GOVUK = NODE_MODULES / "govuk-frontend" / "dist" / "govuk"
MOJ = NODE_MODULES / "@ministryofjustice" / "frontend" / "moj"
IMAGE_SOURCES = (
    ("GOV.UK Frontend", GOVUK / "assets" / "images"),
    ("MOJ Frontend", MOJ / "assets" / "images"),
)

# Images with the crown, a crest or the GOV.UK logo (favicons, touch icons and
# the Open Graph image are all the crown): this service is not on GOV.UK.
CROWN_IMAGES = (
    "favicon*",
    "*apple-touch-icon*",
    "govuk-icon-*",
    "*crest*",
    "*crown*",
    "*logo*",
    "*opengraph*",
)

URL_RE = re.compile(r"""url\(\s*(?P<q>['"]?)(?P<url>.*?)(?P=q)\s*\)""", re.IGNORECASE)


class BuildError(Exception):
    pass


def say(message: str) -> None:
    print(message, flush=True)


def is_crown_image(name: str) -> bool:
    return any(fnmatch.fnmatch(name.lower(), pattern) for pattern in CROWN_IMAGES)


def _version(command: list[str]) -> tuple[int, ...] | None:
    try:
        out = subprocess.run(
            command, capture_output=True, text=True, timeout=60, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r"(\d+)\.(\d+)\.(\d+)", out)
    return tuple(int(part) for part in found.groups()) if found else None


def node_command() -> str:
    return os.environ.get("NODE") or "node"


def check_node() -> str:
    """The node command, after checking Node.js >= 18 and npm are there."""
    need = (
        f"the install step needs Node.js {NODE_MIN} or later, with npm "
        "(on Debian: apt-get install nodejs npm)"
    )
    node = shutil.which(node_command())
    if node is None:
        raise BuildError(f"{need}: `{node_command()}` is not on PATH")
    version = _version([node, "--version"])
    if version is None:
        raise BuildError(f"{need}: `{node} --version` did not say a version")
    if version[0] < NODE_MIN:
        raise BuildError(f"{need}: {node} is Node.js {'.'.join(map(str, version))}")
    npm_name = os.environ.get("NPM") or "npm"
    npm = shutil.which(npm_name)
    if npm is None:
        raise BuildError(f"{need}: `{npm_name}` is not on PATH")
    npm_version = _version([npm, "--version"])
    if npm_version is None:
        raise BuildError(f"{need}: `{npm} --version` did not say a version")
    if npm_version[0] < NPM_MIN:
        raise BuildError(
            f"{need}: {npm} is npm {'.'.join(map(str, npm_version))} "
            f"(npm {NPM_MIN} or later reads package-lock.json)"
        )
    return node


def check_node_modules() -> dict[str, str]:
    """The pinned versions, after checking node_modules holds exactly them."""
    pins = {}
    manifest = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    for section in ("dependencies", "devDependencies"):
        pins.update(manifest.get(section, {}))
    for name, pin in sorted(pins.items()):
        installed = NODE_MODULES / name / "package.json"
        if not installed.is_file():
            raise BuildError(
                f"{name} is not in node_modules: run `make install` (npm ci) first"
            )
        version = json.loads(installed.read_text(encoding="utf-8"))["version"]
        if version != pin:
            raise BuildError(
                f"node_modules has {name} {version}, package.json pins {pin}: "
                "run `make install` (npm ci)"
            )
    return pins


def compile_css(node: str, out: Path) -> None:
    sass = NODE_MODULES / "sass" / "sass.js"
    command = [
        node,
        str(sass),
        f"--load-path={ROOT}",
        "--style=compressed",
        "--no-source-map",
        "--no-error-css",
        # GOV.UK Frontend's and MOJ Frontend's own deprecation warnings (they
        # are loaded through the load path), and the one for our @import of
        # them (see application.scss): noise, not ours to fix. Errors, and
        # warnings about our own code, still show.
        "--quiet-deps",
        "--silence-deprecation=import",
        str(ASSETS / "application.scss"),
        str(out),
    ]
    result = subprocess.run(command, cwd=ROOT)
    if result.returncode != 0:
        raise BuildError(
            f"sass could not compile web/assets/application.scss (exit {result.returncode})"
        )


def css_urls(css: str) -> list[str]:
    return [match.group("url").strip() for match in URL_RE.finditer(css)]


def local_path(url: str, static: Path) -> Path | None:
    """The file under `static` a url() of application.css names; None for data:."""
    if url.lower().startswith("data:"):
        return None
    path = url.split("#", 1)[0].split("?", 1)[0]
    if re.match(r"^[a-z][a-z0-9+.-]*:|^//", path, re.IGNORECASE):
        raise BuildError(f"application.css refers outside the app: url({url})")
    if path.startswith(URL_PREFIX):
        relative = path[len(URL_PREFIX):]
    elif path.startswith("/"):
        raise BuildError(f"application.css refers to {path}, outside {URL_PREFIX}")
    else:  # relative to /assets/application.css
        relative = path
    resolved = (static / relative).resolve()
    if static.resolve() not in resolved.parents:
        raise BuildError(f"application.css refers outside {URL_PREFIX}: url({url})")
    return resolved


def copy(source: Path, target: Path) -> None:
    if not source.is_file():
        raise BuildError(f"missing from node_modules: {source.relative_to(ROOT)}")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def build() -> None:
    node = check_node()
    pins = check_node_modules()
    building = STATIC.with_name(".static-building")
    old = STATIC.with_name(".static-old")
    for leftover in (building, old):
        shutil.rmtree(leftover, ignore_errors=True)
    building.mkdir()
    built: list[tuple[str, str]] = []
    try:
        css_path = building / "application.css"
        compile_css(node, css_path)
        built.append(
            (
                "application.css",
                f"sass {pins['sass']}: web/assets/application.scss with GOV.UK Frontend "
                f"{pins['govuk-frontend']} and MOJ Frontend {pins['@ministryofjustice/frontend']}",
            )
        )

        copy(GOVUK / "govuk-frontend.min.js", building / "govuk-frontend.min.js")
        built.append(("govuk-frontend.min.js", "GOV.UK Frontend, ES module"))
        if (GOVUK / "govuk-frontend.min.js.map").is_file():
            copy(GOVUK / "govuk-frontend.min.js.map", building / "govuk-frontend.min.js.map")
            built.append(("govuk-frontend.min.js.map", "its source map"))
        copy(MOJ / "moj-frontend.min.js", building / "moj-frontend.min.js")
        built.append(("moj-frontend.min.js", "MOJ Frontend, ES module"))
        copy(ROOT / "web" / "assets" / "application.js", building / "application.js")
        built.append(("application.js", "the service's own: starts both (web/assets/application.js)"))

        # GOV.UK Frontend's images, less the crown's and the logo's.
        left_out = []
        govuk_images = GOVUK / "assets" / "images"
        for image in sorted(govuk_images.iterdir()):
            if not image.is_file():
                continue
            if is_crown_image(image.name):
                left_out.append(image.name)
                continue
            copy(image, building / "images" / image.name)
            built.append((f"images/{image.name}", "GOV.UK Frontend"))

        # The images application.css uses, from GOV.UK Frontend or MOJ Frontend.
        css = css_path.read_text(encoding="utf-8")
        for url in sorted(set(css_urls(css))):
            target = local_path(url, building)
            if target is None or target.is_file():
                continue
            relative = target.relative_to(building.resolve())
            if relative.parts[0] != "images" or len(relative.parts) != 2:
                raise BuildError(f"application.css refers to url({url}): no such asset")
            if is_crown_image(relative.name):
                raise BuildError(
                    f"application.css refers to url({url}), a crown or GOV.UK logo image"
                )
            for package, folder in IMAGE_SOURCES:
                if (folder / relative.name).is_file():
                    copy(folder / relative.name, target)
                    built.append((f"images/{relative.name}", f"{package}, used by application.css"))
                    break
            else:
                raise BuildError(f"application.css refers to url({url}): in neither package")

        # Checks: every url() resolves, no font.
        for url in css_urls(css):
            target = local_path(url, building)
            if target is not None and not target.is_file():
                raise BuildError(f"application.css refers to url({url}): not built")
        if re.search(r"@font-face|GDS Transport|\.woff2?\b", css, re.IGNORECASE):
            raise BuildError("application.css refers to a font: it must use the system fonts")

        if STATIC.exists():
            STATIC.rename(old)
        building.rename(STATIC)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise

    say(f">>> built {STATIC.relative_to(ROOT)}/ (served at {URL_PREFIX}):")
    width = max(len(name) for name, _ in built)
    for name, what in built:
        size = (STATIC / name).stat().st_size
        say(f"    {name:<{width}}  {size / 1024:7.1f} KiB  {what}")
    if left_out:
        say("    left out, GOV.UK Frontend's crown and GOV.UK logo images: " + ", ".join(left_out))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="web/assets/build.py",
        description="Build the web view's static files into web/static/ (no network).",
    )
    parser.add_argument(
        "--check-node",
        action="store_true",
        help="only check that Node.js 18+ and npm are installed",
    )
    args = parser.parse_args(argv)
    try:
        if args.check_node:
            check_node()
        else:
            build()
    except BuildError as exc:
        print(f"!!! web/assets/build.py: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
