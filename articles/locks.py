"""Editor locks: a field an editor changed keeps the editor's value when its file is imported
again, until the editor returns it to the source. Which fields can be locked, what each lock
covers, how kept values are counted and how a lock is handed back are all defined here; the
importer, the admin, curation and import jobs ask this module.
"""

from .models import Article, ArticleTopic, Image, RelatedLink

# The fields an editor may change and an import must then leave alone.
EDITABLE_FIELDS = (
    "title",
    "excerpt",
    "category",
    "item_type",
    "published_at",
    "web_url",
    "original_url",
    "amp_url",
    "cdn_amp_url",
    "quality",
    "heat",
    "is_published",
    "provider",
    "featured_content",
    "body",
    "topics",
)
# Locks on an article's children: the file's list is left alone as a whole.
CHILD_LOCKS = ("topics", "images", "related_links")
# Lockable names that stand for more than one column.
LOCK_GROUPS = {
    "provider": ("provider", "provider_source"),
    "published_at": ("published_at", "published_at_offset"),
    "title": ("title", "slug"),
    "body": ("body", "body_html"),  # the stored HTML follows the body it was rendered from
}
# Which lock an admin inline's changes take.
INLINE_LOCKS = {ArticleTopic: "topics", Image: "images", RelatedLink: "related_links"}
# The lockable fields stored on the article row (the provider as its id): an import job's
# history names those an import changed ("updated title, heat").
TRACKED = tuple("provider_id" if name == "provider" else name for name in EDITABLE_FIELDS if name not in CHILD_LOCKS)


def field_label(name):
    """What editors call a lockable field."""
    if name in CHILD_LOCKS:  # taggit's manager calls itself "Tags": editors say topics
        return name.replace("_", " ")
    return str(Article._meta.get_field(name).verbose_name)


def locked_columns(article):
    """The article columns an import must leave alone, its locks' groups spelled out."""
    columns = set()
    for name in article.locked_fields or ():
        columns.update(LOCK_GROUPS.get(name, (name,)))
    return columns


def kept_count(article, fields, provider_id):
    """How many of `article`'s locks kept a value other than the file's: `fields` are the file's
    Article field values and `provider_id` its provider's. A child lock always counts."""
    kept = 0
    for name in article.locked_fields or ():
        if name in CHILD_LOCKS:
            kept += 1
        elif name == "provider":
            kept += int(article.provider_id != provider_id)
        elif name in fields:
            kept += int(getattr(article, name) != fields[name])
    return kept


def lock_fields(article_ids, names):
    """Add `names` to each article's locks, so re-imports keep the editor's values."""
    names = list(names)
    changed = []
    for article in Article.objects.filter(pk__in=list(article_ids)).only("pk", "locked_fields"):
        locked = list(article.locked_fields or [])
        missing = [n for n in names if n not in locked]
        if missing:
            article.locked_fields = locked + missing
            changed.append(article)
    Article.objects.bulk_update(changed, ["locked_fields"], batch_size=500)
    return len(changed)


def update_locks(article, *, changed, handed_back):
    """After an editor's save: lock the lockable fields in `changed`, and return `handed_back` to
    the source — unlocked, with the stored file hash cleared so the next import applies the file
    again. Saves and returns the article's new locks."""
    locked = list(article.locked_fields or [])
    locked += [name for name in changed if name not in locked]
    locked = [name for name in locked if name not in handed_back]
    update = {"locked_fields": locked}
    if handed_back:
        update["content_hash"] = ""
    Article.objects.filter(pk=article.pk).update(**update)
    article.locked_fields = locked
    return locked
