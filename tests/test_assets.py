"""The web view's static files, as the install step builds them (web/assets/build.py
into web/static/, served at /assets/), and the front-end packages' pins."""

from __future__ import annotations

import configparser
import fnmatch
import hashlib
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "web" / "static"
NODE_MODULES = ROOT / "node_modules"
GOVUK = NODE_MODULES / "govuk-frontend" / "dist" / "govuk"
MOJ = NODE_MODULES / "@ministryofjustice" / "frontend" / "moj"

BUILT = ("application.css", "govuk-frontend.min.js", "moj-frontend.min.js")
CROWN_NAMES = (
    "favicon*",
    "*apple-touch-icon*",
    "govuk-icon-*",
    "*crest*",
    "*crown*",
    "*logo*",
    "*opengraph*",
)


def _built(name: str) -> Path:
    path = STATIC / name
    if not path.is_file():
        pytest.fail(f"{path.relative_to(ROOT)} is not built: run `make install` (or `make assets`)")
    return path


@pytest.fixture(scope="module")
def css() -> str:
    return _built("application.css").read_text(encoding="utf-8")


def _package_json() -> dict:
    return json.loads((ROOT / "package.json").read_text(encoding="utf-8"))


def _pins() -> dict[str, str]:
    manifest = _package_json()
    return {**manifest.get("dependencies", {}), **manifest.get("devDependencies", {})}


# ---------------------------------------------------------------------------
# the built files
# ---------------------------------------------------------------------------


def test_the_install_step_built_the_static_files():
    for name in BUILT:
        assert _built(name).stat().st_size > 1000, name
    assert sorted(p.name for p in (STATIC / "images").iterdir())


def test_the_scripts_are_the_packages_own_es_modules():
    for name, source in (
        ("govuk-frontend.min.js", GOVUK / "govuk-frontend.min.js"),
        ("moj-frontend.min.js", MOJ / "moj-frontend.min.js"),
    ):
        built = _built(name).read_bytes()
        assert built == source.read_bytes(), f"{name} is not the installed package's"
        assert re.search(rb"export\s*\{[^}]*\binitAll\b", built), f"{name} exports no initAll"


def test_every_url_in_the_stylesheet_is_a_file_under_web_static_or_data(css):
    urls = [m.group(2).strip() for m in re.finditer(r"""url\(\s*(['"]?)(.*?)\1\s*\)""", css)]
    assert urls, "application.css has no url() at all: is MOJ Frontend in it?"
    unresolved = []
    for url in urls:
        if url.startswith("data:"):
            continue
        path = url.split("#", 1)[0].split("?", 1)[0]
        if path.startswith("/assets/"):
            target = STATIC / path[len("/assets/"):]
        elif not re.match(r"^([a-z][a-z0-9+.-]*:|/)", path, re.IGNORECASE):
            target = STATIC / path  # relative to /assets/application.css
        else:
            unresolved.append(url)  # another origin, or outside /assets/
            continue
        resolved = target.resolve()
        if STATIC.resolve() not in resolved.parents or not resolved.is_file():
            unresolved.append(url)
    assert unresolved == []


def test_no_font_is_referenced_or_shipped(css):
    assert "@font-face" not in css
    assert "GDS Transport" not in css
    assert not re.search(r"\.(woff2?|ttf|otf|eot)\b", css)
    assert "font-family:system-ui," in css
    assert not (STATIC / "fonts").exists()
    shipped = [p.name for p in STATIC.rglob("*") if p.suffix in (".woff", ".woff2", ".ttf", ".otf", ".eot")]
    assert shipped == []


def test_no_crown_or_govuk_logo_image_is_shipped(css):
    everything = [p for p in STATIC.rglob("*") if p.is_file()]
    named = [p.name for p in everything if any(fnmatch.fnmatch(p.name.lower(), n) for n in CROWN_NAMES)]
    assert named == []
    # Nor the same files under other names.
    crowns = {
        hashlib.sha256(p.read_bytes()).hexdigest(): p.name
        for folder in (GOVUK / "assets" / "images", GOVUK / "assets" / "rebrand" / "images", MOJ / "assets" / "images")
        for p in folder.iterdir()
        if p.is_file() and any(fnmatch.fnmatch(p.name.lower(), n) for n in CROWN_NAMES)
    }
    assert crowns, "found none of the packages' crown images to compare with"
    same = [p.name for p in everything if hashlib.sha256(p.read_bytes()).hexdigest() in crowns]
    assert same == []
    assert "govuk-crest" not in css


# ---------------------------------------------------------------------------
# package.json and package-lock.json
# ---------------------------------------------------------------------------


def test_the_front_end_packages_are_pinned_exactly():
    pins = _pins()
    assert set(pins) == {"govuk-frontend", "@ministryofjustice/frontend", "axe-core", "sass"}
    for name, pin in pins.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", pin), f"{name} {pin!r} is not an exact version"
    assert pins["govuk-frontend"] == "5.14.0"
    assert pins["@ministryofjustice/frontend"] == "8.0.1"
    assert pins["axe-core"] == "4.14.1"
    assert pins["sass"].startswith("1.")
    assert _package_json().get("private") is True


def test_the_lockfile_has_the_same_versions():
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["lockfileVersion"] >= 2
    root = lock["packages"][""]
    manifest = _package_json()
    for section in ("dependencies", "devDependencies"):
        assert root.get(section, {}) == manifest.get(section, {}), section
    for name, pin in _pins().items():
        entry = lock["packages"][f"node_modules/{name}"]
        assert entry["version"] == pin, name
        assert entry.get("integrity", "").startswith("sha512-"), name


def test_nothing_downloads_at_install_or_build_time():
    manifest = _package_json()
    scripts = manifest.get("scripts", {})
    for hook in ("preinstall", "install", "postinstall", "prepare", "prepublish"):
        assert hook not in scripts
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    names = {key.rsplit("node_modules/", 1)[-1] for key in lock["packages"] if key}
    # sass-embedded fetches a Dart binary; the pure JavaScript sass does not.
    assert "sass-embedded" not in names
    npmrc = (ROOT / ".npmrc").read_text(encoding="utf-8")
    assert re.search(r"^ignore-scripts\s*=\s*true\s*$", npmrc, re.MULTILINE)


def test_the_jinja_macros_match_the_govuk_frontend_package():
    # govuk-frontend-jinja 3.10.0 renders the markup of GOV.UK Frontend 5.14.0.
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg", encoding="utf-8")
    requires = config["options"]["install_requires"].split()
    assert "govuk-frontend-jinja==3.10.0" in requires
    assert _pins()["govuk-frontend"] == "5.14.0"
