"""Councils as users name them, and the optional agency file.

Users type `--la Coventry` or `--la coventry`: names match without regard to case
or spacing. When the data directory holds `agency.toml`, only the councils it lists
(by name, alias or DfE code) are accepted; without it any name is accepted as given.

    name = "Adoption Central England"
    [[councils]]
    name = "Coventry"
    code = "331"
    aliases = ["Coventry City Council"]
    digest_to = ["adoption.tracking@coventry.example"]
"""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

from journey.domain.errors import ConfigurationError, UnknownCouncil

AGENCY_FILE = "agency.toml"


@dataclasses.dataclass(frozen=True)
class Council:
    name: str
    code: str | None = None
    digest_to: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """What identifies the council in children's identities."""
        return council_key(self.name)


def council_key(name: str) -> str:
    return " ".join(name.split()).casefold()


@dataclasses.dataclass(frozen=True)
class Agency:
    """The regional adoption agency and its partner councils (may be unknown)."""

    name: str | None = None
    councils: tuple[Council, ...] = ()
    aliases: dict[str, Council] = dataclasses.field(default_factory=dict)

    @classmethod
    def load(cls, data_dir: Path) -> Agency:
        path = Path(data_dir) / AGENCY_FILE
        if not path.exists():
            return cls()
        try:
            data = tomllib.loads(path.read_text())
        except tomllib.TOMLDecodeError as e:
            raise ConfigurationError(f"{path}: not valid TOML: {e}") from None
        councils, aliases = [], {}
        for i, row in enumerate(data.get("councils", []), start=1):
            if not row.get("name"):
                raise ConfigurationError(f"{path}: council {i} has no name")
            council = Council(row["name"], str(row["code"]) if row.get("code") else None, tuple(row.get("digest_to", ())))
            councils.append(council)
            for alias in [council.name, council.code, *row.get("aliases", [])]:
                if alias:
                    aliases[council_key(alias)] = council
        return cls(data.get("name"), tuple(councils), aliases)

    def council(self, name: str) -> Council:
        """The council a user means by `name`."""
        if not name or not name.strip():
            raise UnknownCouncil("no council given", field="la")
        if not self.councils:
            return Council(" ".join(name.split()))
        try:
            return self.aliases[council_key(name)]
        except KeyError:
            known = ", ".join(c.name for c in self.councils)
            raise UnknownCouncil(f"unknown council {name!r}: the agency file lists {known}") from None

    def write(self, data_dir: Path) -> Path:
        """Write this agency as the data directory's agency file."""
        lines = []
        if self.name:
            lines.append(f'name = "{self.name}"')
        for c in self.councils:
            lines += ["", "[[councils]]", f'name = "{c.name}"']
            if c.code:
                lines.append(f'code = "{c.code}"')
            lines.append("digest_to = [" + ", ".join(f'"{a}"' for a in c.digest_to) + "]")
        path = Path(data_dir) / AGENCY_FILE
        path.write_text("\n".join(lines) + "\n")
        return path
