"""Publisher domains: one spelling per publisher."""


def normalize_domain(domain):
    """`WWW.Example.com.` and `example.com` name one publisher."""
    domain = (domain or "").strip().lower().rstrip(".")
    if domain.startswith("www."):
        domain = domain[4:]
    return domain


def is_domain_name(domain):
    """Whether a normalised `domain` could name a provider at all (the parser refuses the rest)."""
    return bool(domain) and not any(c.isspace() or c in "/:?#@" or not c.isprintable() for c in domain)
