"""Origins of their own for untrusted packages (H5P_PACKAGE_ORIGIN; docs/decisions.md).

The setting is a URL template such as ``https://p{package}.h5p-sangkat.net``: package 12 is then
served (its player, its files, its service worker) at ``https://p12.h5p-sangkat.net`` and nowhere
else. ``{package}`` must be in the first label of the host; the rest of the host is the package
domain, which must be another *site* than the main one (a subdomain of it would share its cookies
and count as same-site for Fetch Metadata and SameSite cookies). This module only reads the
template: the host routing lives in courses.h5p.package_host. Its messages are for whoever deploys
(read in settings, before translations can load), like the other checks of cms/settings.py.
"""

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")


class BadPackageOrigin(ValueError):
    pass


@dataclass(frozen=True)
class PackageOrigins:
    scheme: str
    before: str  # the first label of the host: what comes before {package}
    after: str  # ... and after it
    domain: str  # the rest of the host, e.g. h5p.localhost
    port: str  # "" or ":8000"

    def origin(self, package_id: int) -> str:
        return f"{self.scheme}://{self.before}{int(package_id)}{self.after}.{self.domain}{self.port}"

    def package_of(self, host: str) -> int | None:
        """The package whose host this is (a Host header, with its port), or None."""
        match = re.fullmatch(rf"{re.escape(self.before)}([1-9][0-9]{{0,17}}){re.escape(self.after)}\."
                             rf"{re.escape(self.domain)}{re.escape(self.port)}", host.lower())
        return int(match[1]) if match else None

    def is_package_domain(self, host: str) -> bool:
        """Whether a host (with or without port) is under the package domain: only package hosts answer there."""
        name = host.lower().rsplit(":", 1)[0] if not host.startswith("[") else host.lower()
        return name == self.domain or name.endswith("." + self.domain)

    @property
    def allowed_host(self) -> str:
        """The ALLOWED_HOSTS entry (a leading dot: the domain and every subdomain)."""
        return "." + self.domain

    @property
    def csp_source(self) -> str:
        """A CSP host source matching every package origin."""
        return f"{self.scheme}://*.{self.domain}{self.port}"


def parse(template: str) -> PackageOrigins:
    parts = urlsplit(template.strip())
    if parts.scheme not in ("http", "https"):
        raise BadPackageOrigin("H5P_PACKAGE_ORIGIN must start with https:// (or http:// for a test machine).")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username or parts.password:
        raise BadPackageOrigin("H5P_PACKAGE_ORIGIN is an origin only: no path, query or user name.")
    netloc = parts.netloc.lower()
    host, _sep, port = netloc.partition(":")
    if port and not (port.isascii() and port.isdigit() and 0 < int(port) < 65536):
        raise BadPackageOrigin("H5P_PACKAGE_ORIGIN has a port that is not a number.")
    first, dot, domain = host.partition(".")
    if first.count("{package}") != 1 or "{package}" in domain or not dot:
        raise BadPackageOrigin("H5P_PACKAGE_ORIGIN must have {package} once, in the first part of its "
                                 "host name, e.g. https://p{package}.h5p-example.org")
    before, _sep, after = first.partition("{package}")
    labels = domain.split(".")
    if not all(_LABEL.fullmatch(label) for label in labels) or (before + after and not re.fullmatch(r"[a-z0-9-]*", before + after)):
        raise BadPackageOrigin("H5P_PACKAGE_ORIGIN has a host name that is not valid.")
    return PackageOrigins(scheme=parts.scheme, before=before, after=after, domain=domain,
                          port=f":{port}" if port else "")


def _site(host: str) -> str:
    """An approximation of a host's registrable domain (its site), erring towards "same site": the
    last two labels (three under a two-letter country code with a short second label, like
    example.com.kh or example.co.uk). An IP address is its own site."""
    host = host.lower().strip("[]").rstrip(".")
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    labels = host.split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and len(labels[-2]) <= 3:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def same_site_problem(origins: PackageOrigins, main_hosts: list[str]) -> str | None:
    """Why the package domain may not be used with these main hosts (None when it may)."""
    package_site = _site(origins.domain)
    for entry in main_hosts:
        host = entry.lstrip(".").rsplit(":", 1)[0] if not entry.startswith("[") else entry
        if not host or host == "*" or entry == origins.allowed_host:
            continue
        # A one-label host (localhost) is a site of its own, as a top-level domain is: h5p.localhost
        # is another site. Under a domain with a dot, a subdomain shares its site.
        if _site(host) == package_site or ("." in host and origins.domain.endswith("." + host)):
            return (f"H5P_PACKAGE_ORIGIN ({origins.domain}) is the same site as {host}: package code would "
                    "count as the site's own and could set its cookies. Use a domain of its own, e.g. "
                    "h5p-example.org for example.org.")
    return None


def check(template: str, main_hosts: list[str]) -> PackageOrigins:
    """The parsed template, or BadPackageOrigin saying what is wrong (in settings and the system check)."""
    origins = parse(template)
    problem = same_site_problem(origins, main_hosts)
    if problem:
        raise BadPackageOrigin(problem)
    return origins


def configured() -> PackageOrigins | None:
    """The package origins of this deployment, or None (packages then play in an opaque sandbox)."""
    template = getattr(settings, "H5P_PACKAGE_ORIGIN", "")
    if not template:
        return None
    return _parsed(template)


_memo: dict[str, PackageOrigins] = {}


def _parsed(template: str) -> PackageOrigins:
    if template not in _memo:
        _memo[template] = parse(template)
    return _memo[template]
