"""Every URL pattern of the project as one concrete, resolvable URL.

``concrete_urls()`` walks ``get_resolver().url_patterns`` recursively (includes, the admin's
``get_urls()``), turns each pattern into a path by filling route converters and regex groups with
plausible values, and checks that the path resolves back to that very pattern.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern, RoutePattern

try:  # Python 3.11+
    from re import _constants as sre_constants
    from re import _parser as sre_parse
except ImportError:  # pragma: no cover - older Pythons
    import sre_constants  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

SAMPLE_UUID = "00000000-0000-4000-8000-000000000000"
_CONVERTER_VALUES = {"int": "1", "path": "1", "str": "1", "slug": "x-1", "uuid": SAMPLE_UUID}
_ROUTE_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


@dataclass(frozen=True)
class ConcreteUrl:
    url: str  # "/interactions/00000000-.../"
    route: str  # the joined pattern text, e.g. "interactions/<str:interaction_id>/"
    name: str | None  # "interactions:detail"


def _route_value(converter: str | None, name: str) -> str:
    if name.endswith("interaction_id") or converter == "interaction_id":  # artifact/file ids too
        return SAMPLE_UUID
    return _CONVERTER_VALUES.get(converter or "str", "1")


def _concrete_route(pattern: RoutePattern) -> str:
    return _ROUTE_PARAM.sub(lambda m: _route_value(m["converter"], m["name"]), str(pattern))


def _sample_char(op: object, av: object) -> str:
    """One character matched by a single-character regex item."""
    c = sre_constants
    if op is c.LITERAL:
        return chr(av)  # type: ignore[arg-type]
    if op is c.NOT_LITERAL:
        return "y" if chr(av) == "x" else "x"  # type: ignore[arg-type]
    if op is c.ANY:
        return "x"
    if op is c.IN:
        items = list(av)  # type: ignore[call-overload]
        if items and items[0][0] is c.NEGATE:
            return "x" if not any(_in_matches(items[1:], "x")) else "~"
        for sub_op, sub_av in items:
            if sub_op is c.LITERAL:
                return chr(sub_av)
            if sub_op is c.RANGE:
                return chr(sub_av[0])
            if sub_op is c.CATEGORY:
                return _category_char(sub_av)
    if op is c.CATEGORY:
        return _category_char(av)
    raise ValueError(f"cannot sample regex item {op} {av}")


def _in_matches(items: list, ch: str) -> list[bool]:
    c = sre_constants
    out = []
    for op, av in items:
        if op is c.LITERAL:
            out.append(chr(av) == ch)
        elif op is c.RANGE:
            out.append(av[0] <= ord(ch) <= av[1])
        else:
            out.append(True)  # categories: be conservative
    return out


def _category_char(category: object) -> str:
    c = sre_constants
    return {c.CATEGORY_DIGIT: "1", c.CATEGORY_SPACE: " "}.get(category, "x")


def _generate(parsed: object) -> str:
    """A short string matching a parsed regex (sre_parse output)."""
    c = sre_constants
    out = []
    for op, av in parsed:  # type: ignore[attr-defined]
        if op is c.AT:
            continue
        if op is c.SUBPATTERN:
            out.append(_generate(av[-1]))
        elif op is c.BRANCH:
            out.append(_generate(av[1][0]))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT):
            low, high, item = av
            times = max(low, 1) if high != 0 else 0  # "(?P<url>.*)" must not collapse to ""
            out.append(_generate(item) * times)
        elif op in (c.ASSERT, c.ASSERT_NOT):
            continue
        elif op is c.GROUPREF:
            raise ValueError("back-references are not supported")
        else:
            out.append(_sample_char(op, av))
    return "".join(out)


def _concrete_regex(pattern: RegexPattern) -> str:
    return _generate(sre_parse.parse(pattern._regex))


def _concrete(pattern: object) -> str:
    if isinstance(pattern, RoutePattern):
        return _concrete_route(pattern)
    if isinstance(pattern, RegexPattern):
        return _concrete_regex(pattern)
    raise TypeError(f"unknown pattern type {type(pattern).__name__}")


def _walk(patterns, prefix: str, route: str, namespace: str | None):
    for entry in patterns:
        here = prefix + _concrete(entry.pattern)
        part = str(entry.pattern)
        here_route = route + (part[1:] if route and part.startswith("^") else part)  # as Django
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from _walk(entry.url_patterns, here, here_route, full_ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield ConcreteUrl(url="/" + here, route=here_route, name=name)


def concrete_urls() -> list[ConcreteUrl]:
    """One concrete URL per URL pattern, each checked to resolve back to its own pattern."""
    urls = list(_walk(get_resolver().url_patterns, "", "", None))
    for item in urls:
        match = resolve(item.url)
        if match.route != item.route:
            raise AssertionError(
                f"{item.url} was built for {item.route!r} but resolves to {match.route!r}"
            )
    return urls
