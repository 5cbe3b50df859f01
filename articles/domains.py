"""Publisher domains: one spelling per publisher."""


def normalize_domain(domain):
    """`WWW.Example.com.` and `example.com` name one publisher."""
    domain = (domain or "").strip().lower().rstrip(".")
    if domain.startswith("www."):
        domain = domain[4:]
    return domain
