"""What `transforms/data/base_images.toml` knows, asked in the terms the DF3xx rules need.

An image reference is split once into registry prefix, image name, tag and
digest; a tag of an official image into version, flavour and variant
(`3.12.1-slim-bookworm`, `21-jre-alpine`, `lts-slim`).  Every question a rule
asks (is it floating, is it end-of-life, what is its slim variant, how big is
it) is a small method of `Knowledge`, so facts stay in data and the rules
stay short.

The knowledge a file sees is the shipped file with the user's
`base-images.extra` entries merged over it: `knowledge(context)` builds it
once per `FileContext` (the merge itself once per distinct `extra`), and a
`Tag` keeps the `Knowledge` it was read with.  There is no module state, so
two files with different settings never see each other's knowledge.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import lru_cache
from typing import Any, Mapping, NamedTuple

from rewriter.context import FileContext, Settings, load_data

_VERSION = re.compile(r"^(0|[1-9]\d*)(\.\d+)*([a-z_+][0-9a-z._+]*)?$")


def knowledge(context: FileContext) -> Knowledge:
    """The knowledge for this file: the shipped facts with its settings' `extra` merged over them."""
    return context.memo(knowledge, lambda: Knowledge(_merged(_extra_json(context.settings))))


def _extra_json(settings: Settings) -> str:
    """The `extra` option as canonical JSON (a hashable cache key); "" when there is none."""
    extra = options(settings).get("extra")
    return json.dumps(extra, sort_keys=True, default=str) if isinstance(extra, Mapping) and extra else ""


@lru_cache(maxsize=8)
def _merged(extra_json: str) -> dict[str, Any]:
    shipped = load_data("base_images")
    if not extra_json:
        return shipped
    return _deep_merge(shipped, json.loads(extra_json))


def _deep_merge(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def options(settings: Settings) -> Mapping[str, Any]:
    """The user's `base_images` options (allowed_registries, preferred_variant, extra; `today` for tests)."""
    value = settings.options.get("base_images", {})
    return value if isinstance(value, Mapping) else {}


def today(settings: Settings) -> dt.date:
    """The date end-of-life is judged on: the `today` option (tests, reproducible runs) or the clock."""
    value = options(settings).get("today")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value)
    return dt.date.today()


# -- references ----------------------------------------------------------------


class ImageRef(NamedTuple):
    """`[prefix/]name[:tag][@digest]`, with `prefix` as written (so it renders back unchanged)."""

    prefix: str
    name: str
    tag: str | None
    digest: str | None

    @staticmethod
    def parse(text: str) -> ImageRef:
        rest, _, digest = text.partition("@")
        slash = rest.rfind("/")
        colon = rest.rfind(":")
        tag = None
        if colon > slash:
            rest, tag = rest[:colon], rest[colon + 1 :]
        prefix, _, name = rest.rpartition("/")
        return ImageRef(prefix, name, tag, digest or None)

    def render(self) -> str:
        out = f"{self.prefix}/{self.name}" if self.prefix else self.name
        if self.tag is not None:
            out += f":{self.tag}"
        if self.digest is not None:
            out += f"@{self.digest}"
        return out

    def with_tag(self, tag: str) -> ImageRef:
        return self._replace(tag=tag)


# -- tags ----------------------------------------------------------------------


class Tag:
    """An official image's tag: version (or alias) + flavour + variant suffix.

    It keeps the `Knowledge` it is read against, so its questions (`floating`,
    `key`, `suffix`...) need no other argument; two tags that read the same are
    equal whatever knowledge they carry.  An immutable value like the
    NamedTuples around it (not one itself: `knowledge` must stay out of
    equality, hashing and repr).
    """

    __slots__ = ("image", "version", "alias", "flavour", "variant", "knowledge")

    image: str
    version: str | None
    """As written: "3.12", "3.12.4", "21.0.2_13"; None when the tag names no version."""
    alias: str | None
    """A word standing for a version: "latest", "lts", "bookworm", "3"."""
    flavour: str
    variant: str
    knowledge: Knowledge

    def __init__(self, image: str, version: str | None, alias: str | None, flavour: str, variant: str, *, knowledge: Knowledge) -> None:
        init = object.__setattr__  # the instance is frozen: see __setattr__
        init(self, "image", image)
        init(self, "version", version)
        init(self, "alias", alias)
        init(self, "flavour", flavour)
        init(self, "variant", variant)
        init(self, "knowledge", knowledge)

    def _compared(self) -> tuple[str, str | None, str | None, str, str]:
        """What equality, hashing and repr see: everything but `knowledge`."""
        return (self.image, self.version, self.alias, self.flavour, self.variant)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Tag):
            return NotImplemented
        return self._compared() == other._compared()

    def __hash__(self) -> int:
        return hash(self._compared())

    def __repr__(self) -> str:
        image, version, alias, flavour, variant = self._compared()
        return f"Tag(image={image!r}, version={version!r}, alias={alias!r}, flavour={flavour!r}, variant={variant!r})"

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}: Tag is immutable (use _replace)")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}: Tag is immutable")

    def _replace(self, **changes: Any) -> Tag:
        """A copy with some fields changed, spelled like `NamedTuple._replace`."""
        fields = {name: getattr(self, name) for name in self.__slots__}
        fields.update(changes)
        return Tag(**fields)

    def render(self) -> str:
        head = self.version if self.version is not None else (self.alias if self.alias not in (None, "latest") else None)
        parts = [p for p in (head, self.flavour, self.variant) if p]
        return "-".join(parts) if parts else "latest"

    @property
    def info(self) -> dict[str, Any]:
        return self.knowledge.image_info(self.image)

    @property
    def floating(self) -> bool:
        """No version, or a word that moves between versions (latest, lts, stable)."""
        if self.version is not None:
            return False
        return self.alias is None or self.alias in self.knowledge.data["tags"]["floating"]

    @property
    def key(self) -> str | None:
        """The knowledge file's version key ("3.12" for "3.12.4"), following aliases."""
        versions = self.info.get("versions", {})
        if self.version is None:
            target = self.info.get("aliases", {}).get(self.alias or "latest") or (
                self.info.get("default_version") if self.alias is None else None
            )
            return target if target in versions else None
        return self.knowledge.version_key(self.image, self.version)

    @property
    def suffix(self) -> dict[str, Any]:
        """What the variant means (os, codename, slim); {} for the plain tag."""
        if not self.variant:
            return {}
        return dict(self.knowledge.data["variant_suffixes"].get(self.variant, {}))

    @property
    def codename(self) -> str | None:
        """The Debian/Ubuntu codename the tag is built on, if known."""
        suffix = self.suffix
        if suffix.get("os") == "alpine":
            return None
        codename = suffix.get("codename")
        if codename and not codename.startswith("("):
            return str(codename)
        entry = self.info.get("versions", {}).get(self.key or "", {})
        if self.info.get("kind") == "os" and entry.get("codename"):
            return str(entry["codename"])
        per_version = entry.get("default_codename")
        return per_version or self.info.get("default_codename")


def kind_of(tag: Tag) -> str:
    """Which `sizes` entry a tag falls under: full, slim, alpine (or jdk/jre...)."""
    suffix = tag.suffix
    if tag.image == "eclipse-temurin":
        flavour = tag.flavour or tag.info.get("default_flavour", "jdk")
        return f"{flavour}_alpine" if suffix.get("os") == "alpine" else flavour
    if suffix.get("os") == "alpine":
        return "alpine"
    if suffix.get("slim"):
        return "slim"
    return "full"


# -- the knowledge -------------------------------------------------------------


class Knowledge:
    """The base-image facts one file is judged against: the shipped file, the user's `extra` merged over it.

    `data` is shared between files with the same settings (see `_merged`):
    read it, never change it.
    """

    __slots__ = ("data",)

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    # -- references and tags

    def official_name(self, ref: ImageRef, settings: Settings) -> str | None:
        """The official image a reference names, or None (private registry, user namespace, unknown image)."""
        prefixes = set(self.data["registries"]["official_prefixes"])
        prefixes.update(str(p).rstrip("/") for p in options(settings).get("allowed_registries", ()))
        if ref.prefix.lower() not in prefixes and ref.prefix not in prefixes:
            return None
        name = ref.name.lower()
        return name if name in self.data["images"] else None

    def image_info(self, name: str) -> dict[str, Any]:
        return self.data["images"].get(name, {})

    def version_key(self, image: str, version: str) -> str | None:
        """The longest version key of `image` that `version` falls under."""
        info = self.image_info(image)
        alias = info.get("aliases", {}).get(version)
        if alias is not None:
            return alias if alias in info.get("versions", {}) else None
        best = None
        for key in info.get("versions", {}):
            if version == key or (version.startswith(key) and version[len(key)] in "._u+-"):
                if best is None or len(key) > len(best):
                    best = key
        return best

    def parse_tag(self, image: str, tag: str | None) -> Tag | None:
        """Split a tag of a known image; None when its shape is not one the knowledge file describes."""
        info = self.image_info(image)
        if tag is None:
            return Tag(image, None, None, "", "", knowledge=self)
        words = tag.split("-")
        version: str | None = None
        alias: str | None = None
        aliases = info.get("aliases", {})
        first = words[0]
        if first in aliases:
            alias, words = first, words[1:]
        elif _VERSION.match(first):
            version, words = first, words[1:]
        flavour = ""
        if words and words[0] in info.get("flavours", ()):
            flavour, words = words[0], words[1:]
        variant = "-".join(words)
        suffixes = self.data["variant_suffixes"]
        if variant and variant not in suffixes:
            return None  # timid: a tag shape we do not know (dated snapshot, rc, windows...)
        if variant and suffixes[variant].get("ignore"):
            return None
        return Tag(image, version, alias, flavour, variant, knowledge=self)

    # -- life cycle

    def supported_version(self, image: str, key: str, on: dt.date) -> str | None:
        """The version to move an end-of-life `key` to: its `replacement`, followed while that is EOL too."""
        versions = self.image_info(image).get("versions", {})
        seen = set()
        current = key
        while current in versions and is_eol(versions[current], on) and current not in seen:
            seen.add(current)
            nxt = versions[current].get("replacement") or _next_supported(versions, current, on)
            if nxt is None:
                return None
            current = nxt
        entry = versions.get(current)
        if entry is None or is_eol(entry, on) or not entry.get("published", False):
            return None
        return current

    def release(self, os_name: str, codename_or_version: str) -> dict[str, Any] | None:
        """A Debian or Ubuntu release by codename (Debian) or version (Ubuntu)."""
        table = self.data.get(os_name, {}).get("releases", {})
        if codename_or_version in table:
            out = dict(table[codename_or_version])
            out.setdefault("codename", codename_or_version)
            return out
        for key, entry in table.items():
            if entry.get("codename") == codename_or_version or entry.get("version") == codename_or_version:
                out = dict(entry)
                out.setdefault("codename", key)
                return out
        return None

    def codename_eol(self, codename: str, on: dt.date) -> bool:
        """True if the Debian/Ubuntu release behind a variant suffix is past its end of life."""
        for os_name in ("debian", "ubuntu"):
            entry = self.release(os_name, codename)
            if entry is not None:
                return is_eol(entry, on)
        return False

    def alpine_eol(self, version: str, on: dt.date) -> bool:
        entry = self.data["alpine"]["releases"].get(version)
        return entry is not None and is_eol(entry, on)

    # -- variants and sizes

    def slim_suffix(self, image: str, codename: str | None) -> str | None:
        """The slim variant suffix of `image`, pinned to `codename` when the image publishes it."""
        info = self.image_info(image)
        style = info.get("slim_style", "")
        if not style:
            return None
        if codename:
            candidate = style.format(codename=codename)
            if candidate in info.get("variants", ()):
                return candidate
        return "slim" if "slim" in info.get("variants", ()) else None

    def size_mb(self, image: str, kind: str) -> float | None:
        value = self.image_info(image).get("sizes", {}).get(kind)
        return float(value) if isinstance(value, (int, float)) else None

    def saving(self, before: Tag, after: Tag) -> float | None:
        """Estimated MB saved by moving from one tag to another (None when a size is unknown)."""
        old, new = self.size_mb(before.image, kind_of(before)), self.size_mb(after.image, kind_of(after))
        if old is None or new is None:
            return None
        return old - new


# -- life cycle (pure) -----------------------------------------------------------


def _end_of_life(entry: Mapping[str, Any]) -> dt.date | None:
    """The day support ends; Debian LTS counts as support, Ubuntu ESM (paid) does not."""
    date = entry.get("eol_lts") or entry.get("eol")
    if isinstance(date, str):  # from the user's `extra` knowledge, through JSON
        try:
            return dt.date.fromisoformat(date)
        except ValueError:
            return None
    return date if isinstance(date, dt.date) else None


def is_eol(entry: Mapping[str, Any], on: dt.date) -> bool:
    end = _end_of_life(entry)
    if end is not None:
        return end <= on
    return entry.get("status") == "eol"


def _number(key: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else -1 for p in key.split("."))


def _next_supported(versions: Mapping[str, Any], key: str, on: dt.date) -> str | None:
    """The oldest newer version still supported on `on` (when the data names no replacement yet)."""
    newer = [
        k for k, v in versions.items()
        if _number(k) > _number(key) and v.get("published") and v.get("status") != "prerelease" and not is_eol(v, on)
    ]
    return min(newer, key=_number) if newer else None
